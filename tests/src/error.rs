use std::path::PathBuf;
use std::process::ExitStatus;

/// Why a lab operation failed.
#[derive(Debug, thiserror::Error)]
pub enum LabError {
    #[error("cannot run {program}: {source}")]
    Spawn {
        program: String,
        source: std::io::Error,
    },
    #[error("`{command}` failed ({status}): {stderr}")]
    CommandFailed {
        command: String,
        status: ExitStatus,
        stderr: String,
    },
    #[error("cannot read lab state {path}: {source}")]
    State {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}:{line}: not a `name ip container` line")]
    BadHostsLine { path: PathBuf, line: usize },
    #[error("lab {lab} has no host {host}")]
    UnknownHost { lab: String, host: String },
}
