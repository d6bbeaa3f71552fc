//! `ansible.cfg`, found where Ansible finds it, and its settings resolved in Ansible's order:
//! the command line (applied by the CLI over these), then the environment, then the file,
//! then the default. `troupe config dump` shows each value and where it came from.

mod ini_file;
mod settings;

use std::{
    os::unix::fs::PermissionsExt,
    path::{Path, PathBuf},
};

pub use ini_file::IniError;
pub use settings::{Kind, Setting, ACCEPTED, SETTINGS};

/// Where a setting's value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Default,
    Env(&'static str),
    File { path: PathBuf, line: usize },
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::Default => write!(f, "default"),
            Origin::Env(name) => write!(f, "env: {name}"),
            Origin::File { path, .. } => write!(f, "{}", path.display()),
        }
    }
}

/// One setting's value.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub setting: &'static Setting,
    pub value: Option<String>,
    pub origin: Origin,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(transparent)]
    Ini(#[from] IniError),
    #[error("{origin}: {name} must be {expected}, not {value:?}")]
    Value {
        origin: String,
        name: &'static str,
        value: String,
        expected: &'static str,
    },
}

/// The settings of this run.
#[derive(Debug, Default)]
pub struct Config {
    /// The file read, if any.
    pub file: Option<PathBuf>,
    values: Vec<Resolved>,
    /// Settings in the file that troupe does not know (`[section] key`, line).
    pub unknown: Vec<(String, usize)>,
    /// Said once, before the run (an `ansible.cfg` ignored in a world-writable directory).
    pub warnings: Vec<String>,
}

impl Config {
    /// Finds and reads the configuration file, then resolves every setting.
    pub fn load() -> Result<Config, ConfigError> {
        let (file, warnings) = find();
        let entries = match &file {
            Some(path) => ini_file::read(path)?,
            None => Vec::new(),
        };
        let mut values = Vec::new();
        for setting in SETTINGS {
            let from_env = std::env::var(setting.env).ok();
            let from_file = entries
                .iter()
                .rev()
                .find(|e| e.section == setting.section && e.key == setting.key);
            let resolved = match (from_env, from_file, &file) {
                (Some(v), _, _) => Resolved {
                    setting,
                    value: Some(v),
                    origin: Origin::Env(setting.env),
                },
                (None, Some(e), Some(path)) => Resolved {
                    setting,
                    value: Some(e.value.clone()),
                    origin: Origin::File {
                        path: path.clone(),
                        line: e.line,
                    },
                },
                _ => Resolved {
                    setting,
                    value: setting.default.map(str::to_string),
                    origin: Origin::Default,
                },
            };
            check(&resolved)?;
            values.push(resolved);
        }
        let unknown = entries
            .iter()
            .filter(|e| {
                !SETTINGS
                    .iter()
                    .any(|s| s.section == e.section && s.key == e.key)
                    && !ACCEPTED.contains(&(e.section.as_str(), e.key.as_str()))
            })
            .map(|e| (format!("[{}] {}", e.section, e.key), e.line))
            .collect();
        Ok(Config {
            file,
            values,
            unknown,
            warnings,
        })
    }

    /// Every setting, in the table's order.
    pub fn all(&self) -> &[Resolved] {
        &self.values
    }

    fn resolved(&self, name: &str) -> Option<&Resolved> {
        let name = settings::named(name).name;
        self.values.iter().find(|r| r.setting.name == name)
    }

    /// A setting's value, when one is set (by the environment, the file or a default).
    pub fn text(&self, name: &str) -> Option<&str> {
        self.resolved(name)?.value.as_deref()
    }

    /// A setting set by the environment or the file (not left to its default).
    pub fn set(&self, name: &str) -> Option<&str> {
        let r = self.resolved(name)?;
        (r.origin != Origin::Default)
            .then_some(r.value.as_deref())
            .flatten()
    }

    pub fn bool(&self, name: &str) -> Option<bool> {
        self.text(name).and_then(boolean)
    }

    pub fn int(&self, name: &str) -> Option<u64> {
        self.text(name).and_then(|v| v.trim().parse().ok())
    }

    /// A path setting, relative to the file that set it, `~` expanded.
    pub fn path(&self, name: &str) -> Option<PathBuf> {
        let r = self.resolved(name)?;
        Some(resolve_path(r.value.as_deref()?, &r.origin))
    }

    /// A path list setting, each relative to the file that set it.
    pub fn paths(&self, name: &str) -> Vec<PathBuf> {
        let Some(r) = self.resolved(name) else {
            return Vec::new();
        };
        let (Some(value), Kind::PathList(sep)) = (&r.value, r.setting.kind) else {
            return Vec::new();
        };
        value
            .split(sep)
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| resolve_path(p, &r.origin))
            .collect()
    }
}

/// Ansible's booleans in configuration: yes/no, true/false, on/off, 1/0, any case.
fn boolean(v: &str) -> Option<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "yes" | "y" | "true" | "t" | "on" | "1" => Some(true),
        "no" | "n" | "false" | "f" | "off" | "0" | "" => Some(false),
        _ => None,
    }
}

fn check(r: &Resolved) -> Result<(), ConfigError> {
    let Some(value) = &r.value else {
        return Ok(());
    };
    let expected = match r.setting.kind {
        Kind::Bool if boolean(value).is_none() => "a boolean (yes/no, true/false)",
        Kind::Int if value.trim().parse::<u64>().is_err() => "a whole number",
        _ => return Ok(()),
    };
    let origin = match &r.origin {
        Origin::File { path, line } => format!("{}:{line}", path.display()),
        other => other.to_string(),
    };
    Err(ConfigError::Value {
        origin,
        name: r.setting.name,
        value: value.clone(),
        expected,
    })
}

fn home() -> Option<PathBuf> {
    std::env::var_os("HOME").map(PathBuf::from)
}

fn resolve_path(p: &str, origin: &Origin) -> PathBuf {
    let expanded = match (p.strip_prefix("~/"), home()) {
        (Some(rest), Some(home)) => home.join(rest),
        _ if p == "~" => home().unwrap_or_else(|| PathBuf::from(p)),
        _ => PathBuf::from(p),
    };
    match origin {
        Origin::File { path, .. } if expanded.is_relative() => {
            path.parent().unwrap_or(Path::new(".")).join(expanded)
        }
        _ => expanded,
    }
}

/// `ANSIBLE_CONFIG` (a file, or a directory holding `ansible.cfg`), `./ansible.cfg` unless the
/// directory is world-writable (Ansible's rule: anyone could plant one), `~/.ansible.cfg`,
/// `/etc/ansible/ansible.cfg`: the first that exists.
fn find() -> (Option<PathBuf>, Vec<String>) {
    let mut warnings = Vec::new();
    if let Some(p) = std::env::var_os("ANSIBLE_CONFIG").map(PathBuf::from) {
        let p = if p.is_dir() { p.join("ansible.cfg") } else { p };
        if p.is_file() {
            return (Some(p), warnings);
        }
    }
    if let Ok(cwd) = std::env::current_dir() {
        let here = cwd.join("ansible.cfg");
        if here.is_file() {
            let world_writable = std::fs::metadata(&cwd)
                .map(|m| m.permissions().mode() & 0o002 != 0)
                .unwrap_or(false);
            if world_writable {
                warnings.push(format!(
                    "troupe is being run in a world writable directory ({}), ignoring it as an ansible.cfg source",
                    cwd.display()
                ));
            } else {
                return (Some(PathBuf::from("ansible.cfg")), warnings);
            }
        }
    }
    for p in [
        home().map(|h| h.join(".ansible.cfg")),
        Some(PathBuf::from("/etc/ansible/ansible.cfg")),
    ]
    .into_iter()
    .flatten()
    {
        if p.is_file() {
            return (Some(p), warnings);
        }
    }
    (None, warnings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_from_the_file_are_relative_to_it() {
        let origin = Origin::File {
            path: PathBuf::from("/repo/ansible.cfg"),
            line: 1,
        };
        assert_eq!(resolve_path("hosts", &origin), PathBuf::from("/repo/hosts"));
        assert_eq!(resolve_path("/abs", &origin), PathBuf::from("/abs"));
        assert_eq!(
            resolve_path("hosts", &Origin::Env("X")),
            PathBuf::from("hosts")
        );
    }

    #[test]
    fn booleans_as_ansible_reads_them() {
        for (v, b) in [
            ("False", Some(false)),
            ("yes", Some(true)),
            ("0", Some(false)),
            ("maybe", None),
        ] {
            assert_eq!(boolean(v), b, "{v}");
        }
    }
}
