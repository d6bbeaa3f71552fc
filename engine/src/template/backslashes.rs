//! Backslashes in the string literals of a playbook's `{{ }}` expressions, as Ansible reads
//! them. YAML has already turned `"\\1"` into `\1`; Jinja would read that literal's escapes a
//! second time and make `\1` a control character. Ansible doubles the backslashes of every
//! string literal inside `{{ }}` of a task's arguments or a variable first, so
//! `regex_replace('(b)', '\1\1')` sees `\1\1`, as written. Template files (the `template`
//! module) are Jinja as it is: their literals keep Jinja's escapes.

/// `source` with the backslashes inside the string literals of its `{{ }}` doubled; text,
/// `{% %}` and `{# #}` are left as they are (a `{% raw %}` block too).
pub fn escape_in_expressions(source: &str) -> String {
    if !source.contains('\\') || !source.contains("{{") {
        return source.to_owned();
    }
    let mut out = String::with_capacity(source.len() + 8);
    let mut rest = source;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        rest = &rest[open..];
        if rest.starts_with("{{") {
            let end = expression_end(&rest[2..]).map_or(rest.len(), |e| e + 2);
            out.push_str("{{");
            push_escaped(&mut out, &rest[2..end]);
            rest = &rest[end..];
        } else if rest.starts_with("{%") || rest.starts_with("{#") {
            let close = if rest.starts_with("{%") { "%}" } else { "#}" };
            let end = rest[2..].find(close).map_or(rest.len(), |e| e + 4);
            let block = &rest[..end];
            let raw = block
                .trim_start_matches("{%")
                .trim_end_matches("%}")
                .trim_matches(['-', '+', ' ', '\t', '\n'])
                == "raw";
            let end = match raw {
                true => rest
                    .find("endraw")
                    .and_then(|at| rest[at..].find("%}").map(|e| at + e + 2))
                    .unwrap_or(rest.len()),
                false => end,
            };
            out.push_str(&rest[..end]);
            rest = &rest[end..];
        } else {
            out.push('{');
            rest = &rest[1..];
        }
    }
    out.push_str(rest);
    out
}

/// Where the expression starting at `inner` ends: the `}}` that is in no string literal.
fn expression_end(inner: &str) -> Option<usize> {
    let bytes = inner.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\'' | b'"' => i = literal_end(bytes, i),
            b'}' if bytes.get(i + 1) == Some(&b'}') => return Some(i),
            _ => i += 1,
        }
    }
    None
}

/// The index past the string literal opening at `start` (a backslash escapes the next
/// character, as Jinja's lexer reads it), or the end of the text when it never closes.
fn literal_end(bytes: &[u8], start: usize) -> usize {
    let quote = bytes[start];
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            c if c == quote => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// Copies an expression's text, doubling the backslashes of its string literals.
fn push_escaped(out: &mut String, expression: &str) {
    let bytes = expression.as_bytes();
    let (mut i, mut copied) = (0, 0);
    while i < bytes.len() {
        if matches!(bytes[i], b'\'' | b'"') {
            let end = literal_end(bytes, i).min(bytes.len());
            out.push_str(&expression[copied..i]);
            out.push_str(&expression[i..end].replace('\\', "\\\\"));
            (i, copied) = (end, end);
        } else {
            i += 1;
        }
    }
    out.push_str(&expression[copied..]);
}

#[cfg(test)]
mod tests {
    use super::escape_in_expressions as esc;

    #[test]
    fn only_literals_inside_expressions_change() {
        assert_eq!(
            esc(r"a\1 {{ x | regex_replace('(b)', '\1\1') }} \n"),
            r"a\1 {{ x | regex_replace('(b)', '\\1\\1') }} \n"
        );
        // An escaped quote's backslash is doubled too (then it escapes nothing), as in Ansible.
        assert_eq!(esc(r#"{{ "a\"b" ~ '}}' }}\"#), r#"{{ "a\\"b" ~ '}}' }}\"#);
        assert_eq!(
            esc(r"{% set y = '\d' %}{{ '\d' }}{# '\d' #}"),
            r"{% set y = '\d' %}{{ '\\d' }}{# '\d' #}"
        );
        assert_eq!(
            esc(r"{% raw %}{{ '\d' }}{% endraw %}{{ '\d' }}"),
            r"{% raw %}{{ '\d' }}{% endraw %}{{ '\\d' }}"
        );
        assert_eq!(esc(r"no expression \d"), r"no expression \d");
        assert_eq!(esc(r"{{ 'unclosed \d"), r"{{ 'unclosed \\d");
    }
}
