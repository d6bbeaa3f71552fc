//! Ansible keeps the type of a value when a string is nothing but one `{{ expression }}`:
//! `"{{ [1, 2] }}"` is a list, `"{{ 5 }}"` an int. This finds that expression.

/// True when `s` holds Jinja markup and so must be rendered.
pub fn is_template(s: &str) -> bool {
    s.contains("{{") || s.contains("{%") || s.contains("{#")
}

/// The expression inside `s` when `s` is exactly one `{{ … }}` (whitespace-control dashes
/// allowed), or `None` when it is text or holds several blocks.
pub(crate) fn single_expression(s: &str) -> Option<&str> {
    let inner = s.strip_prefix("{{")?.strip_suffix("}}")?;
    let inner = inner.strip_prefix('-').unwrap_or(inner);
    let inner = inner.strip_suffix('-').unwrap_or(inner);
    if is_template(inner) || inner.trim().is_empty() {
        return None;
    }
    Some(inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_lone_expression() {
        assert_eq!(single_expression("{{ x }}"), Some(" x "));
        assert_eq!(single_expression("{{- x -}}"), Some(" x "));
        assert_eq!(
            single_expression("{{ {'a': {'b': 1}} }}"),
            Some(" {'a': {'b': 1}} ")
        );
    }

    #[test]
    fn text_and_several_blocks_are_not_native() {
        assert_eq!(single_expression("x{{ 1 }}"), None);
        assert_eq!(single_expression("{{ a }} and {{ b }}"), None);
        assert_eq!(single_expression("{{ a }}{{ b }}"), None);
        assert_eq!(single_expression("{{ x }}\n"), None);
        assert_eq!(single_expression("{% if a %}{{ a }}{% endif %}"), None);
    }

    #[test]
    fn spots_markup() {
        assert!(is_template("a {{ b }}"));
        assert!(is_template("{% raw %}"));
        assert!(is_template("{# note #}"));
        assert!(!is_template("plain { text }"));
    }
}
