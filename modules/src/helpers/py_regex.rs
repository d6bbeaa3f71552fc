//! Python's `re` dialect, as Ansible users write it, read by the `regex` crate.

use regex::Regex;

use crate::ModuleError;

/// Compiles a Python regular expression; `multi_line` is Python's `re.MULTILINE`.
/// Lookaround and backreferences inside patterns are not supported by the `regex` crate:
/// they are reported as argument errors.
pub fn compile(pattern: &str, multi_line: bool) -> Result<Regex, ModuleError> {
    let translated = pattern.replace(r"\Z", r"\z");
    regex::RegexBuilder::new(&translated)
        .multi_line(multi_line)
        .build()
        .map_err(|e| ModuleError::args(format!("invalid regular expression {pattern:?}: {e}")))
}

/// Python's replacement template (`\1`, `\g<1>`, `\g<name>`, `\n`) in the `regex` crate's
/// syntax (`${1}`, `${name}`), with literal `$` escaped.
pub fn template(py: &str) -> Result<String, ModuleError> {
    let bad = |what: &str| ModuleError::args(format!("bad replacement {py:?}: {what}"));
    let mut out = String::with_capacity(py.len());
    let mut chars = py.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '$' => out.push_str("$$"),
            '\\' => match chars.next() {
                None => return Err(bad("trailing backslash")),
                Some('g') => {
                    if chars.next() != Some('<') {
                        return Err(bad("\\g must be followed by <name>"));
                    }
                    let name: String = chars.by_ref().take_while(|c| *c != '>').collect();
                    if name.is_empty() {
                        return Err(bad("empty group name"));
                    }
                    out.push_str(&format!("${{{name}}}"));
                }
                Some(d @ '1'..='9') => {
                    let mut group = d.to_string();
                    if let Some(d2) = chars.next_if(char::is_ascii_digit) {
                        group.push(d2);
                    }
                    out.push_str(&format!("${{{group}}}"));
                }
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('r') => out.push('\r'),
                Some('f') => out.push('\x0c'),
                Some('v') => out.push('\x0b'),
                Some('a') => out.push('\x07'),
                Some('\\') => out.push('\\'),
                Some(other) if other.is_ascii_alphabetic() => {
                    return Err(bad(&format!("unknown escape \\{other}")))
                }
                Some(other) => {
                    out.push('\\');
                    out.push(other);
                }
            },
            c => out.push(c),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_backrefs_become_crate_groups() {
        let re = compile(r"^(?P<key>\w+)=(.*)$", false).unwrap();
        let t = template(r"\g<key> = \2 costs $5\n").unwrap();
        assert_eq!(re.replace("a=b", t.as_str()), "a = b costs $5\n");
        let t = template(r"\1x\g<2>").unwrap();
        assert_eq!(re.replace("a=b", t.as_str()), "axb");
    }

    #[test]
    fn bad_escapes_are_argument_errors() {
        assert!(matches!(template(r"\q"), Err(ModuleError::Args(_))));
        assert!(matches!(
            compile("(?<=a)b", false),
            Err(ModuleError::Args(_))
        ));
    }
}
