//! Reading YAML the way Ansible's loader does: YAML 1.1 booleans and `0644` octals,
//! anchors and `<<` merges, the last of duplicate keys wins.

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

use crate::Value;

/// A YAML file that could not be read or parsed; the message carries line and column.
#[derive(Debug, thiserror::Error)]
pub enum YamlError {
    #[error("{path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{path}:{line}:{column}: {message}")]
    Syntax { path: PathBuf, line: usize, column: usize, message: String },
}

pub fn options() -> serde_saphyr::Options {
    let mut o = serde_saphyr::Options::default();
    o.legacy_octal_numbers = true;
    o.strict_booleans = false;
    o.duplicate_keys = serde_saphyr::DuplicateKeyPolicy::LastWins;
    o
}

/// Parses YAML text from `path` (used only in messages) into any deserializable type.
pub fn from_str<T: DeserializeOwned>(text: &str, path: &Path) -> Result<T, YamlError> {
    serde_saphyr::from_str_with_options(text, options()).map_err(|e| syntax(path, &e))
}

/// Reads and parses a YAML file. An empty file is `null`.
pub fn load<T: DeserializeOwned>(path: &Path) -> Result<T, YamlError> {
    let text = std::fs::read_to_string(path)
        .map_err(|source| YamlError::Read { path: path.to_path_buf(), source })?;
    from_str(&text, path)
}

/// Reads a YAML file into a plain value.
pub fn load_value(path: &Path) -> Result<Value, YamlError> {
    load(path)
}

fn syntax(path: &Path, e: &serde_saphyr::Error) -> YamlError {
    let (line, column) = e
        .location()
        .map(|l| (l.line() as usize, l.column() as usize))
        .unwrap_or((0, 0));
    YamlError::Syntax { path: path.to_path_buf(), line, column, message: e.to_string() }
}
