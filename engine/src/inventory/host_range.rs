//! Host ranges in inventory host names: `web[01:20].example.com` (zero padding kept),
//! `db-[a:f]`, `[1:10:2]` with a step; several ranges in one name multiply.

/// Letters in the order Ansible counts alphabetic ranges (lower case, then upper case).
const LETTERS: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HostRangeError {
    #[error("host range in {0:?} has no closing ']'")]
    Unclosed(String),
    #[error("host range in {0:?} must be begin:end or begin:end:step")]
    BadBounds(String),
    #[error("host range in {0:?} must specify an end value")]
    MissingEnd(String),
    #[error("host range in {0:?} must specify equal-length begin and end formats")]
    UnequalWidth(String),
    #[error("host range in {0:?} must have begin <= end")]
    Descending(String),
    #[error("host range in {0:?} has a bound or step that is not a number or a letter")]
    NotANumber(String),
    #[error("host range in {0:?} stands for more than {MAX_HOSTS_PER_PATTERN} hosts, which troupe refuses (it would hold them all in memory): split it, or write an inventory script")]
    TooMany(String),
}

/// The most host names one inventory entry may stand for.
pub const MAX_HOSTS_PER_PATTERN: u64 = 100_000;

/// Every host name `pattern` stands for, in order. A name without `[` is itself.
pub fn expand(pattern: &str) -> Result<Vec<String>, HostRangeError> {
    let Some(open) = pattern.find('[') else {
        return Ok(vec![pattern.to_string()]);
    };
    let close = pattern[open..]
        .find(']')
        .map(|i| open + i)
        .ok_or_else(|| HostRangeError::Unclosed(pattern.to_string()))?;
    let (head, range, tail) = (
        &pattern[..open],
        &pattern[open + 1..close],
        &pattern[close + 1..],
    );
    let mut names = Vec::new();
    for item in range_items(range, pattern)? {
        names.extend(expand(&format!("{head}{item}{tail}"))?);
        if names.len() as u64 > MAX_HOSTS_PER_PATTERN {
            return Err(HostRangeError::TooMany(pattern.to_string()));
        }
    }
    Ok(names)
}

/// The values one `[begin:end(:step)]` stands for.
fn range_items(range: &str, pattern: &str) -> Result<Vec<String>, HostRangeError> {
    let bounds: Vec<&str> = range.split(':').collect();
    if bounds.len() != 2 && bounds.len() != 3 {
        return Err(HostRangeError::BadBounds(pattern.to_string()));
    }
    let begin = if bounds[0].is_empty() { "0" } else { bounds[0] };
    let end = bounds[1];
    if end.is_empty() {
        return Err(HostRangeError::MissingEnd(pattern.to_string()));
    }
    let step: usize = match bounds.get(2) {
        Some(s) => s
            .parse()
            .map_err(|_| HostRangeError::NotANumber(pattern.to_string()))?,
        None => 1,
    };
    if step == 0 {
        return Err(HostRangeError::NotANumber(pattern.to_string()));
    }
    let width = if begin.len() > 1 && begin.starts_with('0') {
        if begin.len() != end.len() {
            return Err(HostRangeError::UnequalWidth(pattern.to_string()));
        }
        begin.len()
    } else {
        0
    };
    if let (Some(b), Some(e)) = (letter_index(begin), letter_index(end)) {
        if b > e {
            return Err(HostRangeError::Descending(pattern.to_string()));
        }
        return Ok(LETTERS[b..=e]
            .chars()
            .step_by(step)
            .map(String::from)
            .collect());
    }
    let number = |s: &str| {
        s.parse::<u64>()
            .map_err(|_| HostRangeError::NotANumber(pattern.to_string()))
    };
    let (b, e) = (number(begin)?, number(end)?);
    if b > e {
        return Ok(Vec::new());
    }
    if (e - b) / step as u64 >= MAX_HOSTS_PER_PATTERN {
        return Err(HostRangeError::TooMany(pattern.to_string()));
    }
    Ok((b..=e)
        .step_by(step)
        .map(|n| format!("{n:0width$}"))
        .collect())
}

fn letter_index(s: &str) -> Option<usize> {
    let mut chars = s.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) => LETTERS.find(c),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_range_past_the_limit_is_refused_before_it_is_made() {
        assert!(matches!(
            expand("h[1:10000000]"),
            Err(HostRangeError::TooMany(_))
        ));
        assert!(matches!(
            expand("h[1:1000]-[1:1000]"),
            Err(HostRangeError::TooMany(_))
        ));
        assert_eq!(expand("h[1:100000]").unwrap().len(), 100_000);
    }

    #[test]
    fn plain_names_are_themselves() {
        assert_eq!(expand("web.example.com").unwrap(), vec!["web.example.com"]);
    }

    #[test]
    fn numeric_ranges_keep_zero_padding() {
        let names = expand("web[01:03].example.com").unwrap();
        assert_eq!(
            names,
            vec![
                "web01.example.com",
                "web02.example.com",
                "web03.example.com"
            ]
        );
        assert_eq!(expand("h[8:10]").unwrap(), vec!["h8", "h9", "h10"]);
    }

    #[test]
    fn letter_ranges_and_steps() {
        assert_eq!(
            expand("db-[a:c].x").unwrap(),
            vec!["db-a.x", "db-b.x", "db-c.x"]
        );
        assert_eq!(expand("n[1:10:3]").unwrap(), vec!["n1", "n4", "n7", "n10"]);
        assert_eq!(expand("n[:2]").unwrap(), vec!["n0", "n1", "n2"]);
    }

    #[test]
    fn several_ranges_multiply() {
        assert_eq!(
            expand("r[1:2]-[a:b]").unwrap(),
            vec!["r1-a", "r1-b", "r2-a", "r2-b"]
        );
    }

    #[test]
    fn malformed_ranges_are_errors() {
        assert!(matches!(
            expand("h[1:]"),
            Err(HostRangeError::MissingEnd(_))
        ));
        assert!(matches!(
            expand("h[01:100]"),
            Err(HostRangeError::UnequalWidth(_))
        ));
        assert!(matches!(expand("h[1]"), Err(HostRangeError::BadBounds(_))));
        assert!(matches!(
            expand("h[c:a]"),
            Err(HostRangeError::Descending(_))
        ));
        assert!(matches!(expand("h[1:3"), Err(HostRangeError::Unclosed(_))));
    }
}
