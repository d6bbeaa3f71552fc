use crate::{inventory::InventoryError, playbook::ParseError, yaml::YamlError};

/// Everything that stops troupe before or outside a play. Shown as `ERROR! ...`.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Parse(#[from] ParseError),
    #[error(transparent)]
    Inventory(#[from] InventoryError),
    #[error(transparent)]
    Yaml(#[from] YamlError),
}

impl CliError {
    /// Ansible's exit codes: 5 for bad options, 4 for parser errors, 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage(_) => 5,
            CliError::Parse(_) | CliError::Yaml(_) => 4,
            CliError::Inventory(_) => 1,
        }
    }
}
