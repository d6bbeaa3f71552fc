//! Word splitting the way Python's `shlex.split` does it (POSIX mode, no comments), which is
//! how Ansible's `command` turns a free-form string into arguments.

/// Why a string could not be split.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SplitError {
    #[error("no closing quotation")]
    UnclosedQuote,
    #[error("no escaped character")]
    TrailingBackslash,
}

/// Splits `s` into words: whitespace separates, quotes group, backslash escapes.
pub fn split(s: &str) -> Result<Vec<String>, SplitError> {
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
