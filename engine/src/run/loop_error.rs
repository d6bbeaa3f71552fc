//! Why a loop has no list of items: the error of `loop:` and every `with_*` source.

/// Why a loop has no list of items.
#[derive(Debug, thiserror::Error)]
pub enum LoopError {
    /// The source uses an undefined variable. Ansible lets a false `when` (evaluated without
    /// the item) skip such a task rather than fail it.
    #[error("{0}")]
    Undefined(String),
    /// The source rendered to something that is not a list of items, or did not render.
    #[error("{0}")]
    Invalid(String),
}
