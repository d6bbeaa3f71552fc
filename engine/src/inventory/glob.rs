//! Shell-style wildcards in host patterns (`web*`, `db?.example.com`, `[ab]*`), matched over
//! the whole name as Python's `fnmatch` does: case-sensitive, `[!x]` negates, an unclosed
//! `[` is a literal.

/// A regular expression source matching exactly the names `pattern` matches.
pub fn to_regex(pattern: &str) -> String {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::from("^(?s:");
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        match c {
            '*' => out.push_str(".*"),
            '?' => out.push('.'),
            '[' => match class_end(&chars, i) {
                Some(end) => {
                    out.push_str(&class(&chars[i..end]));
                    i = end + 1;
                }
                None => out.push_str("\\["),
            },
            other => out.push_str(&regex::escape(&other.to_string())),
        }
    }
    out.push_str(")$");
    out
}

/// Index of the `]` closing a class that starts at `start` (just after `[`).
fn class_end(chars: &[char], start: usize) -> Option<usize> {
    let mut j = start;
    if chars.get(j) == Some(&'!') {
        j += 1;
    }
    if chars.get(j) == Some(&']') {
        j += 1;
    }
    (j..chars.len()).find(|&k| chars[k] == ']')
}

fn class(body: &[char]) -> String {
    let (negated, body) = match body.split_first() {
        Some(('!', rest)) => (true, rest),
        _ => (false, body),
    };
    let mut out = String::from(if negated { "[^" } else { "[" });
    for (k, &c) in body.iter().enumerate() {
        let is_range_dash = c == '-' && k > 0 && k + 1 < body.len();
        if is_range_dash {
            out.push('-');
        } else if c.is_ascii_punctuation() {
            out.push('\\');
            out.push(c);
        } else {
            out.push(c);
        }
    }
    out.push(']');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(pattern: &str, name: &str) -> bool {
        regex::Regex::new(&to_regex(pattern))
            .unwrap()
            .is_match(name)
    }

    #[test]
    fn stars_and_question_marks_cover_whole_names() {
        assert!(matches("web*", "web01"));
        assert!(!matches("web*", "the-web01"));
        assert!(matches("*.example.com", "a.example.com"));
        assert!(!matches("*.example.com", "a.example.org"));
        assert!(matches("db?", "db1"));
        assert!(!matches("db?", "db10"));
        assert!(!matches("Web*", "web1"));
    }

    #[test]
    fn classes_and_literal_brackets() {
        assert!(matches("[ab]*", "b1"));
        assert!(!matches("[!ab]*", "b1"));
        assert!(matches("n[0-3]", "n2"));
        assert!(matches("x[", "x["));
        assert!(matches("a.b", "a.b"));
        assert!(!matches("a.b", "axb"));
    }
}
