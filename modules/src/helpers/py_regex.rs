//! Python's `re` dialect, as Ansible users write it. Patterns are read by `fancy-regex`, which
//! hands everything but backreferences (`^(REF) .* \1$`) and lookaround (`^(?!#)`) to the
//! `regex` crate and runs those two by backtracking, as Python does. A well-kept crate rather
//! than a backtracker of our own: its fast path is the `regex` crate's.

use std::borrow::Cow;
use std::ops::Range;

use crate::ModuleError;

/// Backtracking steps one match may take before it fails with an error instead of running
/// for ever on a pathological pattern (Python would hang).
const BACKTRACK_LIMIT: usize = 1_000_000;

/// The groups of one match.
pub type Captures<'t> = fancy_regex::Captures<'t, str>;

/// A compiled Python regular expression.
#[derive(Debug, Clone)]
pub struct PyRegex(fancy_regex::Regex);

/// Compiles a Python regular expression; `multi_line` is Python's `re.MULTILINE`.
pub fn compile(pattern: &str, multi_line: bool) -> Result<PyRegex, ModuleError> {
    let translated = pattern.replace(r"\Z", r"\z");
    fancy_regex::RegexBuilder::new(&translated)
        .multi_line(multi_line)
        .backtrack_limit(BACKTRACK_LIMIT)
        .build()
        .map(PyRegex)
        .map_err(|e| {
            // Python's words for the errors users meet most.
            let said = e
                .to_string()
                .replace("Target of repeat operator is invalid", "nothing to repeat");
            ModuleError::args(format!("invalid regular expression {pattern:?}: {said}"))
        })
}

/// A match that ran out of backtracking steps counts as no match.
impl PyRegex {
    pub fn is_match(&self, text: &str) -> bool {
        self.0.is_match(text).unwrap_or(false)
    }

    /// Where the first match is.
    pub fn find(&self, text: &str) -> Option<Range<usize>> {
        Some(self.0.find(text).ok()??.range())
    }

    /// How many non-overlapping matches `text` has.
    pub fn count(&self, text: &str) -> usize {
        self.0.find_iter(text).filter(Result::is_ok).count()
    }

    /// Where group `name` of the first match is.
    pub fn group(&self, text: &str, name: &str) -> Option<Range<usize>> {
        Some(self.0.captures(text).ok()??.name(name)?.range())
    }

    /// The first match of `text` expanded into `template` (this crate's syntax: see
    /// [`template`]).
    pub fn expand(&self, text: &str, template: &str) -> Option<String> {
        let captures = self.0.captures(text).ok()??;
        let mut out = String::new();
        captures.expand(template, &mut out);
        Some(out)
    }

    /// Every match of `text` replaced by `template` (this crate's syntax: see [`template`]).
    pub fn replace_all<'t>(
        &self,
        text: &'t str,
        template: &str,
    ) -> Result<Cow<'t, str>, ModuleError> {
        self.replacen(text, 0, template)
    }

    /// The first `count` matches (all when 0) replaced by `template`.
    pub fn replacen<'t>(
        &self,
        text: &'t str,
        count: usize,
        template: &str,
    ) -> Result<Cow<'t, str>, ModuleError> {
        self.0.try_replacen(text, count, template).map_err(|e| {
            ModuleError::Failed(format!("regular expression {}: {e}", self.0.as_str()))
        })
    }

    /// The groups of the first match.
    pub fn captures<'t>(&self, text: &'t str) -> Option<Captures<'t>> {
        self.0.captures(text).ok()?
    }

    /// The groups of every match.
    pub fn captures_all<'t>(&self, text: &'t str) -> Vec<Captures<'t>> {
        self.0.captures_iter(text).filter_map(Result::ok).collect()
    }

    /// How many groups the pattern has, the whole match included.
    pub fn captures_len(&self) -> usize {
        self.0.captures_len()
    }
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
        assert_eq!(re.replace_all("a=b", &t).unwrap(), "a = b costs $5\n");
        let t = template(r"\1x\g<2>").unwrap();
        assert_eq!(re.expand("a=b", &t).unwrap(), "axb");
    }

    #[test]
    fn bad_escapes_are_argument_errors() {
        assert!(matches!(template(r"\q"), Err(ModuleError::Args(_))));
        assert!(matches!(compile("(a", false), Err(ModuleError::Args(_))));
    }

    #[test]
    fn backreferences_and_lookaround_work_as_in_python() {
        let re = compile(r"^(REF) .* \1$", false).unwrap();
        assert!(re.is_match("REF a line REF"));
        assert!(!re.is_match("REF a line FER"));
        let re = compile(r"^(?!#)\s*key=", false).unwrap();
        assert!(re.is_match("key=1"));
        assert!(!re.is_match("#key=1"));
        assert_eq!(compile(r"(?<=a)b", false).unwrap().find("cab"), Some(2..3));
    }
}
