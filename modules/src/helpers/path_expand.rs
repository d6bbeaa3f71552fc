//! What Ansible does to every argument of type `path` on the target: `~` and `~user` at the
//! start become home directories, `$NAME` and `${NAME}` the target's environment variables
//! (a variable that is not set stays as written, as with Python's `expandvars`). Nothing else
//! of the value reaches a shell: names are checked before they are asked for.

use crate::target::Target;
use crate::ModuleError;

/// Whether `value` has anything to expand (no round trip otherwise).
pub fn needs_expansion(value: &str) -> bool {
    value.starts_with('~') || value.contains('$')
}

/// A piece of a path: literal text, an environment variable, or a home directory.
enum Piece<'a> {
    Text(&'a str),
    Var(&'a str, &'a str),
    Home(&'a str, &'a str),
}

fn is_name_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn pieces(value: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = value;
    if let Some(after) = rest.strip_prefix('~') {
        let end = after.find('/').unwrap_or(after.len());
        let user = &after[..end];
        if user
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
            && !user.starts_with('-')
        {
            out.push(Piece::Home(user, &rest[..=end]));
            rest = &after[end..];
        }
    }
    while let Some(at) = rest.find('$') {
        out.push(Piece::Text(&rest[..at]));
        let after = &rest[at + 1..];
        let (name, written) = if let Some(inner) = after.strip_prefix('{') {
            match inner.find('}') {
                Some(close) => (&inner[..close], &rest[at..at + close + 3]),
                None => ("", &rest[at..at + 1]),
            }
        } else {
            let len = after
                .char_indices()
                .find(|(i, c)| {
                    !(c.is_ascii_alphanumeric() || *c == '_') || (*i == 0 && !is_name_start(*c))
                })
                .map_or(after.len(), |(i, _)| i);
            (&after[..len], &rest[at..at + 1 + len])
        };
        let valid = name.chars().next().is_some_and(is_name_start)
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if valid {
            out.push(Piece::Var(name, written));
        } else {
            out.push(Piece::Text(&rest[at..at + 1]));
        }
        rest = &rest[at + written.len().max(1)..];
    }
    out.push(Piece::Text(rest));
    out
}

/// `value` expanded on the target, in one round trip.
pub fn expand(target: &dyn Target, value: &str) -> Result<String, ModuleError> {
    let pieces = pieces(value);
    let mut script = String::new();
    for p in &pieces {
        match p {
            // `+s` tells a set variable (even empty) from an unset one.
            Piece::Var(name, _) => script.push_str(&format!(" \"${{{name}+s${name}}}\"")),
            Piece::Home(user, _) => script.push_str(&format!(" ~{user}")),
            Piece::Text(_) => {}
        }
    }
    if script.is_empty() {
        return Ok(value.to_string());
    }
    let out = target.run(&format!("printf '%s\\0'{script}"), None)?;
    let text = out.stdout_str();
    let mut answers = text.split('\0');
    let mut expanded = String::new();
    for p in &pieces {
        match p {
            Piece::Text(t) => expanded.push_str(t),
            Piece::Var(_, written) => match answers.next().and_then(|a| a.strip_prefix('s')) {
                Some(v) => expanded.push_str(v),
                None => expanded.push_str(written),
            },
            Piece::Home(_, written) => match answers.next() {
                Some(home) if !home.starts_with('~') && !home.is_empty() => {
                    expanded.push_str(home);
                    if written.ends_with('/') {
                        expanded.push('/');
                    }
                }
                _ => expanded.push_str(written),
            },
        }
    }
    Ok(expanded)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::LocalTarget;

    #[test]
    fn homes_and_variables_expand_and_the_rest_stays() {
        let t = LocalTarget::new()
            .with_env("TROUPE_X", "ex")
            .with_env("HOME", "/home/me");
        assert_eq!(expand(&t, "$HOME/.ssh/keys").unwrap(), "/home/me/.ssh/keys");
        assert_eq!(expand(&t, "~/a").unwrap(), "/home/me/a");
        assert_eq!(expand(&t, "~").unwrap(), "/home/me");
        assert_eq!(
            expand(&t, "/a/${TROUPE_X}/$TROUPE_X.b").unwrap(),
            "/a/ex/ex.b"
        );
        assert_eq!(
            expand(&t, "/a/$TROUPE_UNSET_9/b").unwrap(),
            "/a/$TROUPE_UNSET_9/b"
        );
        assert_eq!(
            expand(&t, "/a/$(touch /tmp/x)/$1/b$").unwrap(),
            "/a/$(touch /tmp/x)/$1/b$"
        );
        assert_eq!(expand(&t, "~root/x").unwrap(), "/root/x");
        assert!(!needs_expansion("/plain/path"));
    }
}
