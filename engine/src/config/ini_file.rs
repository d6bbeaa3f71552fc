//! Reading an `ansible.cfg`: Python's configparser format as Ansible uses it — `[section]`,
//! `key = value` or `key: value`, `#` and `;` comment lines, indented lines continuing the
//! value above. A few dozen lines, so no crate: what matters here is the line of each error.

use std::path::{Path, PathBuf};

/// One `key = value`, with the line it was on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub section: String,
    pub key: String,
    pub value: String,
    pub line: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum IniError {
    #[error("{path}: {source}", path = path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}:{line}: {problem}\n{line:>5} | {text}", path = path.display())]
    Syntax {
        path: PathBuf,
        line: usize,
        text: String,
        problem: &'static str,
    },
}

pub fn read(path: &Path) -> Result<Vec<Entry>, IniError> {
    let text = std::fs::read_to_string(path).map_err(|source| IniError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse(&text, path)
}

pub fn parse(text: &str, path: &Path) -> Result<Vec<Entry>, IniError> {
    let mut entries: Vec<Entry> = Vec::new();
    let mut section: Option<String> = None;
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let trimmed = raw.trim();
        let error = |problem| IniError::Syntax {
            path: path.to_path_buf(),
            line,
            text: raw.to_string(),
            problem,
        };
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with(';') {
            continue;
        }
        if raw.starts_with([' ', '\t']) {
            match entries.last_mut() {
                Some(last) => {
                    last.value.push('\n');
                    last.value.push_str(trimmed);
                    continue;
                }
                None => return Err(error("an indented line continues no setting")),
            }
        }
        if let Some(name) = trimmed.strip_prefix('[') {
            let name = name
                .strip_suffix(']')
                .ok_or_else(|| error("a section header needs its closing ']'"))?;
            section = Some(name.trim().to_string());
            continue;
        }
        let Some(at) = trimmed.find(['=', ':']) else {
            return Err(error("expected 'key = value', a [section] or a comment"));
        };
        let Some(section) = &section else {
            return Err(error("a setting before any [section]"));
        };
        let key = trimmed[..at].trim();
        if key.is_empty() {
            return Err(error("a setting without a name"));
        }
        entries.push(Entry {
            section: section.clone(),
            key: key.to_lowercase(),
            value: trimmed[at + 1..].trim().to_string(),
            line,
        });
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_keys_values_comments_and_continuations() {
        let e = parse(
            "# top\n[defaults]\ninventory = hosts\nForks: 10\n; c\n[ssh_connection]\nssh_args = -o A=1\n  -o B=2\n",
            Path::new("a.cfg"),
        )
        .unwrap();
        let got: Vec<_> = e
            .iter()
            .map(|e| (e.section.as_str(), e.key.as_str(), e.value.as_str(), e.line))
            .collect();
        assert_eq!(
            got,
            [
                ("defaults", "inventory", "hosts", 3),
                ("defaults", "forks", "10", 4),
                ("ssh_connection", "ssh_args", "-o A=1\n-o B=2", 7)
            ]
        );
    }

    #[test]
    fn errors_name_file_and_line() {
        for (text, line) in [
            ("[defaults\n", 1),
            ("inventory = x\n", 1),
            ("[defaults]\nnot a setting\n", 2),
            ("  lost\n", 1),
        ] {
            let e = parse(text, Path::new("/p/ansible.cfg"))
                .unwrap_err()
                .to_string();
            assert!(e.starts_with(&format!("/p/ansible.cfg:{line}: ")), "{e}");
        }
    }
}
