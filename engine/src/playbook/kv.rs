//! Ansible's `k=v` argument strings: `copy: src=a dest="/b c"`, `shell: echo hi chdir=/tmp`.
//! Words are split on whitespace outside quotes and outside `{{ }}`, `{% %}` and `{# #}`.

use crate::{Map, Value};

/// The arguments read from a `k=v` string.
#[derive(Debug, Default, PartialEq)]
pub struct KvArgs {
    pub options: Map,
    /// What is left for a free-form module (`_raw_params`), as written.
    pub raw: Option<String>,
    /// Words without `=` (or, for free-form modules, with an unknown key) found when no free
    /// form is allowed: the caller reports them.
    pub stray: Vec<String>,
}

/// Reads `text`. With `free_form`, only keys in `raw_keys` become options and everything else
/// stays in `raw`, spacing and newlines kept; otherwise every word must be `k=v`.
pub fn parse_kv(text: &str, free_form: bool, raw_keys: &[&str]) -> KvArgs {
    let mut args = KvArgs::default();
    let mut taken: Vec<(usize, usize)> = Vec::new();
    for (start, end) in split_words(text) {
        let word = &text[start..end];
        match split_key(word) {
            Some((key, value)) if !free_form || raw_keys.contains(&key) => {
                args.options.insert(
                    key.to_string(),
                    Value::String(decode_escapes(unquote(value))),
                );
                taken.push((start, end));
            }
            _ if free_form => {}
            _ => args.stray.push(word.to_string()),
        }
    }
    if free_form {
        let raw = join_continued_lines(&remove_spans(text, &taken));
        if !raw.trim().is_empty() {
            args.raw = Some(raw);
        }
    }
    args
}

/// Ansible's line continuation in free-form text: a `\` standing alone as the last word of a
/// line, outside quotes and Jinja, joins the line to the next (`echo a \` + newline +
/// `b` is `echo a b`); a newline inside quotes stays.
fn join_continued_lines(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut quote: Option<char> = None;
    let mut jinja_depth = 0usize;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let next = chars.peek().copied();
        match c {
            '\\' if quote.is_none()
                && jinja_depth == 0
                && next == Some('\n')
                && (out.is_empty() || out.ends_with([' ', '\t', '\n'])) =>
            {
                chars.next();
                continue;
            }
            '\\' => {
                out.push(c);
                if let Some(escaped) = chars.next() {
                    out.push(escaped);
                }
                continue;
            }
            '"' | '\'' if jinja_depth == 0 => match quote {
                Some(q) if q == c => quote = None,
                None => quote = Some(c),
                _ => {}
            },
            '{' if matches!(next, Some('{' | '%' | '#')) => jinja_depth += 1,
            '}' | '%' | '#' if next == Some('}') && jinja_depth > 0 => {
                jinja_depth -= 1;
            }
            _ => {}
        }
        out.push(c);
    }
    out
}

/// Byte spans of the words of `text`.
fn split_words(text: &str) -> Vec<(usize, usize)> {
    let mut words = Vec::new();
    let mut start: Option<usize> = None;
    let mut quote: Option<char> = None;
    let mut jinja_depth = 0usize;
    let mut escaped = false;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let next = chars.peek().map(|&(_, n)| n);
        if start.is_none() {
            if c.is_whitespace() {
                continue;
            }
            start = Some(i);
        }
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' => escaped = true,
            '"' | '\'' if jinja_depth == 0 => match quote {
                Some(q) if q == c => quote = None,
                None => quote = Some(c),
                _ => {}
            },
            '{' if matches!(next, Some('{' | '%' | '#')) => {
                jinja_depth += 1;
                chars.next();
            }
            '}' | '%' | '#' if next == Some('}') && jinja_depth > 0 => {
                jinja_depth -= 1;
                chars.next();
            }
            c if c.is_whitespace() && quote.is_none() && jinja_depth == 0 => {
                words.push((start.take().unwrap_or(i), i));
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        words.push((s, text.len()));
    }
    words
}

/// `key=value` at the first `=` not escaped by a backslash and outside `{{ }}`; the key must
/// be a plain name or a template giving one (`set_fact: "{{ name }}=x"`, rendered at run time).
fn split_key(word: &str) -> Option<(&str, &str)> {
    let mut prev = None;
    let mut depth = 0usize;
    for (i, c) in word.char_indices() {
        match c {
            '{' if prev == Some('{') => depth += 1,
            '}' if prev == Some('}') => depth = depth.saturating_sub(1),
            '=' if prev != Some('\\') && depth == 0 => {
                let key = word[..i].trim();
                let is_name = !key.is_empty()
                    && (key.contains("{{")
                        || key
                            .chars()
                            .all(|c| c.is_alphanumeric() || c == '_' || c == '-' || c == '.'));
                return is_name.then(|| (key, &word[i + 1..]));
            }
            _ => {}
        }
        prev = Some(c);
    }
    None
}

/// Removes one pair of matching quotes around the whole value.
fn unquote(value: &str) -> &str {
    let v = value.trim();
    for q in ['"', '\''] {
        if v.len() >= 2 && v.starts_with(q) && v.ends_with(q) && !v.ends_with(&format!("\\{q}")) {
            return &v[1..v.len() - 1];
        }
    }
    v
}

/// Python's escape sequences in a `k=v` value, as ansible-core 2.19 decodes them (`\n`,
/// `\t`, `\b`, `\x41`, `\u00e9`...: a short-form `regexp='\b'` is a backspace, as there;
/// octal `\101` and `\1` stay); `\=` is an `=`. Anything else keeps its backslash.
fn decode_escapes(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(e) = chars.next() else {
            out.push('\\');
            break;
        };
        let simple = match e {
            'n' => Some('\n'),
            't' => Some('\t'),
            'r' => Some('\r'),
            'a' => Some('\u{7}'),
            'b' => Some('\u{8}'),
            'f' => Some('\u{c}'),
            'v' => Some('\u{b}'),
            '\\' | '\'' | '"' | '=' => Some(e),
            _ => None,
        };
        if let Some(decoded) = simple {
            out.push(decoded);
            continue;
        }
        let (digits, radix): (usize, u32) = match e {
            'x' => (2, 16),
            'u' => (4, 16),
            'U' => (8, 16),
            _ => (0, 0),
        };
        let mut code = String::new();
        while code.len() < digits {
            match chars.peek() {
                Some(d) if d.is_digit(radix) => {
                    code.push(*d);
                    chars.next();
                }
                _ => break,
            }
        }
        let exact = code.len() == digits;
        match u32::from_str_radix(&code, radix.max(2))
            .ok()
            .filter(|_| exact && radix > 0)
            .and_then(char::from_u32)
        {
            Some(decoded) => out.push(decoded),
            None => {
                out.push('\\');
                out.push(e);
                out.push_str(&code);
            }
        }
    }
    out
}

/// `text` without the given word spans (and the whitespace before each), trimmed.
fn remove_spans(text: &str, spans: &[(usize, usize)]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for &(start, end) in spans {
        out.push_str(text[at..start].trim_end_matches([' ', '\t']));
        at = end;
    }
    out.push_str(&text[at..]);
    // A script's last newline stays, as Ansible keeps it in `cmd`.
    out.trim_start().trim_end_matches([' ', '\t']).to_string()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const COMMAND_KEYS: &[&str] = &["chdir", "creates"];

    #[test]
    fn splits_key_values_with_quotes_and_templates() {
        let args = parse_kv(
            r#"src=a dest="/b c" msg='x=y' t={{ a | default('z w') }}"#,
            false,
            &[],
        );
        assert_eq!(
            Value::Object(args.options),
            json!({"src": "a", "dest": "/b c", "msg": "x=y", "t": "{{ a | default('z w') }}"})
        );
        assert!(args.stray.is_empty());
        assert_eq!(args.raw, None);
    }

    #[test]
    fn decodes_escapes_in_values() {
        let args = parse_kv(r#"line="a\tb\n" path=x\=y q="say \"hi\"""#, false, &[]);
        assert_eq!(
            Value::Object(args.options),
            json!({"line": "a\tb\n", "path": "x=y", "q": "say \"hi\""})
        );
    }

    #[test]
    fn a_templated_key_is_kept_for_run_time() {
        let args = parse_kv("{{ item }}=moo {{ a ~ 'b' }}={{ c == d }}", false, &[]);
        assert_eq!(
            Value::Object(args.options),
            json!({"{{ item }}": "moo", "{{ a ~ 'b' }}": "{{ c == d }}"})
        );
        assert!(args.stray.is_empty());
    }

    #[test]
    fn words_without_equals_are_stray_unless_free_form() {
        let args = parse_kv("msg=hi oops", false, &[]);
        assert_eq!(args.stray, vec!["oops".to_string()]);
    }

    #[test]
    fn free_form_keeps_raw_text_and_known_options() {
        let args = parse_kv(
            "echo  \"a  b\" x=1 chdir=/tmp creates=/x",
            true,
            COMMAND_KEYS,
        );
        assert_eq!(args.raw.as_deref(), Some("echo  \"a  b\" x=1"));
        assert_eq!(
            Value::Object(args.options),
            json!({"chdir": "/tmp", "creates": "/x"})
        );
    }

    #[test]
    fn a_lone_backslash_at_a_line_end_joins_lines_outside_quotes() {
        let script = "echo this is a \\\n\"multi line\" \\\n\"new\nline\" \\\n| cat\necho a\\\nb\n";
        let args = parse_kv(script, true, COMMAND_KEYS);
        assert_eq!(
            args.raw.as_deref(),
            Some("echo this is a \"multi line\" \"new\nline\" | cat\necho a\\\nb\n")
        );
    }

    #[test]
    fn free_form_keeps_newlines() {
        let script = "set -e\necho {{ x }} >/tmp/f\ncat /tmp/f\n";
        let args = parse_kv(script, true, COMMAND_KEYS);
        assert_eq!(args.raw.as_deref(), Some(script));
        assert!(args.options.is_empty());
    }
}
