//! Splitting an INI host line into words the way Python's `shlex` (POSIX mode, comments on)
//! does, as Ansible's INI inventory reads it: quotes group words and are removed, `\` escapes
//! outside single quotes, `#` outside quotes ends the line.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShellWordsError {
    #[error("no closing quotation")]
    UnclosedQuote,
    #[error("no escaped character")]
    TrailingBackslash,
}

pub fn split(line: &str) -> Result<Vec<String>, ShellWordsError> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                words.extend(word.take());
            }
            '#' => break,
            '\\' => {
                let escaped = chars.next().ok_or(ShellWordsError::TrailingBackslash)?;
                word.get_or_insert_with(String::new).push(escaped);
            }
            '\'' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next().ok_or(ShellWordsError::UnclosedQuote)? {
                        '\'' => break,
                        other => w.push(other),
                    }
                }
            }
            '"' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next().ok_or(ShellWordsError::UnclosedQuote)? {
                        '"' => break,
                        '\\' => match chars.next().ok_or(ShellWordsError::UnclosedQuote)? {
                            escaped @ ('"' | '\\') => w.push(escaped),
                            other => {
                                w.push('\\');
                                w.push(other);
                            }
                        },
                        other => w.push(other),
                    }
                }
            }
            other => word.get_or_insert_with(String::new).push(other),
        }
    }
    words.extend(word);
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_group_and_disappear() {
        let words = split(r#"web1 msg="hello world" other='a b' x=1"#).unwrap();
        assert_eq!(words, vec!["web1", "msg=hello world", "other=a b", "x=1"]);
    }

    #[test]
    fn comments_end_the_line_outside_quotes() {
        assert_eq!(split("h a=1 # note").unwrap(), vec!["h", "a=1"]);
        assert_eq!(split("h a=x#y").unwrap(), vec!["h", "a=x"]);
        assert_eq!(split(r#"h s="'03#pa'""#).unwrap(), vec!["h", "s='03#pa'"]);
    }

    #[test]
    fn backslashes_escape() {
        assert_eq!(
            split(r#"h a=x\ y b="q\"q\n""#).unwrap(),
            vec!["h", "a=x y", r#"b=q"q\n"#]
        );
    }

    #[test]
    fn unbalanced_quotes_are_errors() {
        assert_eq!(split("h a='x"), Err(ShellWordsError::UnclosedQuote));
        assert_eq!(split("h a=x\\"), Err(ShellWordsError::TrailingBackslash));
    }
}
