//! Where a vault password comes from: `--vault-id label@source` with the source a file (its
//! content), an executable (its standard output; `*-client` scripts are asked with
//! `--vault-id label`), or `prompt` (asked on the terminal without echo).

use std::{
    os::unix::fs::PermissionsExt,
    path::{Path, PathBuf},
    process::{Command, Stdio},
};

use super::{Secret, VaultError, DEFAULT_LABEL};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    File(PathBuf),
    /// Asked on the terminal; `asked_for` names the option in messages.
    Prompt {
        asked_for: String,
    },
}

/// One `--vault-id`: a label and the source of its password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VaultId {
    pub label: String,
    pub source: Source,
}

impl VaultId {
    /// `label@source`, or `source` alone (label `default`). The source `prompt` asks.
    pub fn parse(spec: &str) -> Self {
        let (label, source) = match spec.split_once('@') {
            Some((label, source)) if !label.is_empty() => (label, source),
            Some((_, source)) => (DEFAULT_LABEL, source),
            None => (DEFAULT_LABEL, spec),
        };
        let source = if source == "prompt" {
            Source::Prompt {
                asked_for: format!("--vault-id {spec}"),
            }
        } else {
            Source::File(PathBuf::from(source))
        };
        VaultId {
            label: label.to_string(),
            source,
        }
    }

    pub fn password_file(path: &Path) -> Self {
        VaultId {
            label: DEFAULT_LABEL.into(),
            source: Source::File(path.to_path_buf()),
        }
    }

    pub fn ask() -> Self {
        VaultId {
            label: DEFAULT_LABEL.into(),
            source: Source::Prompt {
                asked_for: "--ask-vault-pass".into(),
            },
        }
    }

    /// Reads the password. `new` asks twice (a password to encrypt with).
    pub fn load(&self, new: bool) -> Result<Secret, VaultError> {
        let password = match &self.source {
            Source::File(path) if is_executable(path) => run_script(path, &self.label)?,
            Source::File(path) => read_file(path)?,
            Source::Prompt { asked_for } => self.prompt(asked_for, new)?,
        };
        Ok(Secret::new(self.label.clone(), password))
    }

    fn prompt(&self, asked_for: &str, new: bool) -> Result<Vec<u8>, VaultError> {
        let term = console::Term::stderr();
        if !term.is_term() {
            return Err(VaultError::NoTerminal(asked_for.to_string()));
        }
        let labelled = self.label != DEFAULT_LABEL || asked_for.starts_with("--vault-id");
        let prompts: &[&str] = match (new, labelled) {
            (false, false) => &["Vault password: "],
            (false, true) => &["Vault password ({}): "],
            (true, false) => &["New Vault password: ", "Confirm New Vault password: "],
            (true, true) => &[
                "New vault password ({}): ",
                "Confirm new vault password ({}): ",
            ],
        };
        let mut answers = Vec::new();
        for prompt in prompts {
            term.write_str(&prompt.replace("{}", &self.label))
                .map_err(VaultError::Prompt)?;
            let line = term.read_secure_line().map_err(VaultError::Prompt)?;
            let line = line.trim().to_string();
            if line.is_empty() {
                return Err(VaultError::EmptyPassword("the prompt".into()));
            }
            answers.push(line);
        }
        if answers.iter().any(|a| *a != answers[0]) {
            return Err(VaultError::Mismatch);
        }
        Ok(answers.swap_remove(0).into_bytes())
    }
}

fn is_executable(path: &Path) -> bool {
    std::fs::metadata(path)
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// A password file: its content without surrounding whitespace.
fn read_file(path: &Path) -> Result<Vec<u8>, VaultError> {
    let bytes = std::fs::read(path).map_err(|source| VaultError::PasswordFile {
        path: path.to_path_buf(),
        source,
    })?;
    let text = bytes.trim_ascii();
    if text.is_empty() {
        return Err(VaultError::EmptyPassword(path.display().to_string()));
    }
    Ok(text.to_vec())
}

/// A password script: its standard output without the trailing newline. Its standard error
/// goes to the terminal (scripts may prompt there), except for `*-client` scripts, whose
/// standard error is shown in the message when they fail.
fn run_script(path: &Path, label: &str) -> Result<Vec<u8>, VaultError> {
    let client = path
        .file_stem()
        .and_then(|s| s.to_str())
        .is_some_and(|s| s.ends_with("-client"));
    let mut command = Command::new(path);
    command.stdin(Stdio::inherit()).stdout(Stdio::piped());
    if client {
        command.args(["--vault-id", label]).stderr(Stdio::piped());
    }
    let output = command
        .output()
        .map_err(|source| VaultError::PasswordFile {
            path: path.to_path_buf(),
            source,
        })?;
    if !output.status.success() {
        return Err(VaultError::PasswordScript {
            path: path.to_path_buf(),
            status: output.status.to_string(),
            stderr: String::from_utf8_lossy(&output.stderr).trim().to_string(),
        });
    }
    let mut out = output.stdout;
    while matches!(out.last(), Some(b'\n' | b'\r')) {
        out.pop();
    }
    if out.is_empty() {
        return Err(VaultError::EmptyPassword(path.display().to_string()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vault_ids_split_label_and_source() {
        let id = VaultId::parse("prod@secrets/prod.txt");
        assert_eq!(id.label, "prod");
        assert_eq!(id.source, Source::File("secrets/prod.txt".into()));
        assert_eq!(VaultId::parse("pw.txt").label, "default");
        assert!(matches!(
            VaultId::parse("dev@prompt").source,
            Source::Prompt { .. }
        ));
    }

    #[test]
    fn a_file_gives_its_trimmed_content_and_a_script_its_output() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("pw");
        std::fs::write(&file, "  s3cret \n").unwrap();
        let secret = VaultId::parse(&format!("x@{}", file.display()))
            .load(false)
            .unwrap();
        assert_eq!(
            (secret.label.as_str(), secret.password()),
            ("x", &b"s3cret"[..])
        );

        let script = dir.path().join("pw.sh");
        std::fs::write(&script, "#!/bin/sh\necho ' from script'\n").unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        let secret = VaultId::password_file(&script).load(false).unwrap();
        assert_eq!(secret.password(), b" from script");
    }

    #[test]
    fn a_failing_client_script_shows_its_stderr_and_an_empty_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("pass-client.sh");
        std::fs::write(&script, "#!/bin/sh\necho \"no $2\" >&2\nexit 2\n").unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        let err = VaultId::parse(&format!("qa@{}", script.display()))
            .load(false)
            .unwrap_err()
            .to_string();
        assert!(err.contains("failed") && err.contains("no qa"), "{err}");
        let empty = dir.path().join("empty");
        std::fs::write(&empty, "\n").unwrap();
        assert!(matches!(
            VaultId::password_file(&empty).load(false),
            Err(VaultError::EmptyPassword(_))
        ));
    }
}
