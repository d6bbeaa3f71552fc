//! POSIX shell quoting: every argument a module puts in a script goes through [`quote`].

/// `s` as one shell word: left bare when it holds only safe characters, otherwise
/// single-quoted with embedded quotes closed, escaped and reopened.
pub fn quote(s: &str) -> String {
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/._-+:,@%".contains(&b))
    {
        return s.to_string();
    }
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// A path given to a tool that takes options: a leading `-` would be read as one.
pub fn quote_path(path: &str) -> String {
    if path.starts_with('-') {
        quote(&format!("./{path}"))
    } else {
        quote(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    fn echo(word: &str) -> String {
        let script = format!("printf %s {}", quote(word));
        let out = Command::new("sh").arg("-c").arg(script).output().unwrap();
        String::from_utf8(out.stdout).unwrap()
    }

    #[test]
    fn words_survive_the_shell_unchanged() {
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
        ] {
            assert_eq!(echo(w), w, "{w:?}");
        }
    }

    #[test]
    fn leading_dash_paths_are_not_options() {
        assert_eq!(quote_path("-rf"), "./-rf");
        assert_eq!(quote_path("/etc/x"), "/etc/x");
    }
}
