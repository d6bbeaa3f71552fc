use crate::target::TargetError;

/// Why a module could not run. A command that ran and exited non-zero is not an error:
/// it is a [`crate::Report`] with `failed` set.
#[derive(Debug, thiserror::Error)]
pub enum ModuleError {
    /// The arguments are wrong: unknown, missing, or of the wrong type.
    #[error("{0}")]
    Args(String),
    /// The module ran and failed with this message.
    #[error("{0}")]
    Failed(String),
    /// A failure whose result also carries Ansible's `details`.
    #[error("{msg}: {details}")]
    Detailed { msg: String, details: String },
    #[error(transparent)]
    Target(#[from] TargetError),
}

impl ModuleError {
    pub fn failed(msg: impl Into<String>) -> Self {
        ModuleError::Failed(msg.into())
    }
    pub fn args(msg: impl Into<String>) -> Self {
        ModuleError::Args(msg.into())
    }
}
