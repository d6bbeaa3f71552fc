//! Shell text, the one home for it: quoting words for a POSIX shell ([`quote`], and
//! [`python_quote`] for the `quote` filter), joining them into a command line, and splitting
//! text into words as Python's `shlex` does ([`split`], [`split_with_comments`]).

/// `s` as one shell word: left bare when it holds only characters no shell reads specially
/// (never `=`, so a bare word cannot become an assignment), otherwise single-quoted with each
/// `'` written as `'\''`.
pub fn quote(s: &str) -> String {
    quote_with(s, |b| b"/._-+:,@%".contains(&b), r"'\''")
}

/// Python's `shlex.quote`, which Ansible's `quote` filter is: `=` may stay bare and each `'`
/// is written as `'"'"'`. Users see this text in what they template.
pub fn python_quote(s: &str) -> String {
    quote_with(s, |b| b"@%+=:,./-_".contains(&b), r#"'"'"'"#)
}

fn quote_with(s: &str, safe: impl Fn(u8) -> bool, quote_in_quotes: &str) -> String {
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || safe(b)) {
        return s.to_string();
    }
    format!("'{}'", s.replace('\'', quote_in_quotes))
}

/// A path given to a tool that takes options: a leading `-` would be read as one.
pub fn quote_path(path: &str) -> String {
    if path.starts_with('-') {
        quote(&format!("./{path}"))
    } else {
        quote(path)
    }
}

/// Words as one command line, each quoted.
pub fn command_line<S: AsRef<str>>(words: impl IntoIterator<Item = S>) -> String {
    let quoted: Vec<String> = words.into_iter().map(|w| quote(w.as_ref())).collect();
    quoted.join(" ")
}

/// Why a string could not be split.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SplitError {
    #[error("no closing quotation")]
    UnclosedQuote,
    #[error("no escaped character")]
    TrailingBackslash,
}

/// Splits `s` into words as Python's `shlex.split(s)` does (POSIX mode, no comments), which is
/// how Ansible's `command` turns a free-form string into arguments: whitespace separates,
/// quotes group, backslash escapes.
pub fn split(s: &str) -> Result<Vec<String>, SplitError> {
    split_words(s, false)
}

/// As [`split`], but `#` outside quotes ends the text, as Python's `shlex` with comments on
/// reads an INI inventory's host line.
pub fn split_with_comments(s: &str) -> Result<Vec<String>, SplitError> {
    split_words(s, true)
}

fn split_words(s: &str, comments: bool) -> Result<Vec<String>, SplitError> {
    let mut words = Vec::new();
    let mut word = String::new();
    // A word exists once any character or quote pair was seen: `''` is an empty word.
    let mut in_word = false;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '#' if comments => break,
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => word.push(c),
                        None => return Err(SplitError::UnclosedQuote),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        // Inside double quotes a backslash escapes only `"` and itself.
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\')) => word.push(c),
                            Some(c) => {
                                word.push('\\');
                                word.push(c);
                            }
                            None => return Err(SplitError::UnclosedQuote),
                        },
                        Some(c) => word.push(c),
                        None => return Err(SplitError::UnclosedQuote),
                    }
                }
            }
            '\\' => {
                in_word = true;
                word.push(chars.next().ok_or(SplitError::TrailingBackslash)?);
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    /// What `sh` prints for `printf %s WORD`.
    fn echo(word: &str) -> String {
        let script = format!("printf %s {word}");
        let out = Command::new("sh").arg("-c").arg(script).output().unwrap();
        String::from_utf8(out.stdout).unwrap()
    }

    #[test]
    fn quoted_words_survive_the_shell_unchanged() {
        for w in [
            "plain",
            "",
            "it's",
            "a b",
            "$(rm -rf /)",
            "`x`",
            "\"q\"",
            "*",
            "a\nb",
            "~",
            "'",
            "a=b",
            "a b\n'c'\t$HOME `x` \\ \"q\" *",
        ] {
            assert_eq!(echo(&quote(w)), w, "{w:?}");
            assert_eq!(echo(&python_quote(w)), w, "{w:?}");
        }
    }

    #[test]
    fn a_bare_word_is_never_an_assignment() {
        assert_eq!(quote("a=b"), "'a=b'");
        assert_eq!(python_quote("a=b"), "a=b");
        assert_eq!(python_quote("it's"), r#"'it'"'"'s'"#);
        assert_eq!(quote("it's"), r"'it'\''s'");
        assert_eq!(quote(""), "''");
    }

    #[test]
    fn leading_dash_paths_are_not_options() {
        assert_eq!(quote_path("-rf"), "./-rf");
        assert_eq!(quote_path("/etc/x"), "/etc/x");
        assert_eq!(command_line(["rm", "-f", "a b"]), "rm -f 'a b'");
    }

    #[test]
    fn comments_end_the_text_only_where_asked() {
        assert_eq!(split("h a=1 # note").unwrap(), ["h", "a=1", "#", "note"]);
        assert_eq!(split_with_comments("h a=1 # note").unwrap(), ["h", "a=1"]);
        assert_eq!(
            split_with_comments(r#"h s="'03#pa'""#).unwrap(),
            ["h", "s='03#pa'"]
        );
    }

    fn words(s: &str) -> Vec<String> {
        split(s).unwrap()
    }

    #[test]
    fn splits_like_python_shlex() {
        assert_eq!(words("  echo   hello world "), ["echo", "hello", "world"]);
        assert_eq!(words("echo 'a b' \"c d\""), ["echo", "a b", "c d"]);
        assert_eq!(words("a\\ b c"), ["a b", "c"]);
        assert_eq!(words("x'y'\"z\""), ["xyz"]);
        assert_eq!(words("echo '' \"\""), ["echo", "", ""]);
        assert_eq!(words(r#""a\"b\\c\d""#), [r#"a"b\c\d"#]);
        assert_eq!(
            words("'it''s' # not a comment"),
            ["its", "#", "not", "a", "comment"]
        );
        assert_eq!(words("echo $HOME"), ["echo", "$HOME"]);
    }

    #[test]
    fn reports_unbalanced_input() {
        assert_eq!(split("echo 'oops"), Err(SplitError::UnclosedQuote));
        assert_eq!(split("echo \"oops"), Err(SplitError::UnclosedQuote));
        assert_eq!(split("echo oops\\"), Err(SplitError::TrailingBackslash));
    }
}
