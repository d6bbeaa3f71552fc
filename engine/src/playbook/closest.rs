/// The candidate nearest to `word` by edit distance (inserts, deletes, substitutions and swaps
/// of two neighbours), if it is near enough to be a likely typo.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|c| (strsim::osa_distance(word, c), c))
        .filter(|&(d, _)| d <= limit)
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c)
}

/// " (did you mean 'x'?)" or nothing.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    closest(word, candidates)
        .map(|c| format!(" (did you mean '{c}'?)"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_typos_only() {
        assert_eq!(closest("whne", ["when", "with_items"]), Some("when"));
        assert_eq!(closest("debgu", ["debug", "copy"]), Some("debug"));
        assert_eq!(
            closest("lineinfle", ["lineinfile", "file"]),
            Some("lineinfile")
        );
        assert_eq!(closest("frobnicate", ["debug", "copy"]), None);
    }
}
