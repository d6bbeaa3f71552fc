/// How many characters of a long source line are shown around the column.
const WIDTH: usize = 100;

/// The source line `line` (1-based) of `text` with a caret under `column`, for display under
/// a message; long lines are cut around the column. `None` when the line does not exist.
pub fn excerpt(text: &str, line: usize, column: usize) -> Option<String> {
    let source_line = text.lines().nth(line.checked_sub(1)?)?;
    let chars: Vec<char> = source_line
        .chars()
        .map(|c| if c == '\t' { ' ' } else { c })
        .collect();
    let at = column.saturating_sub(1).min(chars.len());
    let start = at
        .saturating_sub(WIDTH / 2)
        .min(chars.len().saturating_sub(WIDTH));
    let end = (start + WIDTH).min(chars.len());
    let lead = if start > 0 { "…" } else { "" };
    let tail = if end < chars.len() { "…" } else { "" };
    let shown: String = chars[start..end].iter().collect();
    let pad = " ".repeat(at - start + lead.chars().count());
    let number = line.to_string();
    let gutter = " ".repeat(number.len());
    Some(format!("{number} | {lead}{shown}{tail}\n{gutter} | {pad}^"))
}

#[cfg(test)]
mod tests {
    use super::excerpt;

    #[test]
    fn points_at_the_column() {
        let text = "a: 1\nbb: [x\n";
        assert_eq!(excerpt(text, 2, 5).unwrap(), "2 | bb: [x\n  |     ^");
        assert_eq!(excerpt(text, 3, 1), None);
        assert_eq!(excerpt(text, 0, 1), None);
    }

    #[test]
    fn cuts_long_lines_around_the_column() {
        let line = format!("{}X{}", "a".repeat(300), "b".repeat(300));
        let shown = excerpt(&line, 1, 301).unwrap();
        let (source, caret) = shown.split_once('\n').unwrap();
        assert!(
            source.starts_with("1 | …a") && source.ends_with("b…"),
            "{source}"
        );
        assert!(source.chars().count() < 110);
        assert_eq!(
            source.chars().position(|c| c == 'X'),
            caret.chars().position(|c| c == '^')
        );
    }
}
