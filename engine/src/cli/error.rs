use crate::{
    config::ConfigError, inventory::InventoryError, playbook::ParseError, vault::VaultError,
    yaml::YamlError,
};

/// Everything that stops troupe before or outside a play. Shown as `ERROR! ...`.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Said first, where it is after (`--> file:line:column` and the line), so the words
    /// read as Ansible's `ERROR! <message>` does.
    #[error("{}", parse_shown(.0))]
    Parse(#[from] ParseError),
    #[error(transparent)]
    Inventory(#[from] InventoryError),
    #[error(transparent)]
    Yaml(#[from] YamlError),
    #[error(transparent)]
    Vault(#[from] VaultError),
    /// Vault data in a file (`troupe vault`) that could not be decrypted.
    #[error("{file}: {source}")]
    VaultFile { file: String, source: VaultError },
}

fn parse_shown(e: &ParseError) -> String {
    match e {
        ParseError::At {
            origin,
            message,
            excerpt,
        } => {
            let excerpt = excerpt
                .as_ref()
                .map(|x| format!("\n{x}"))
                .unwrap_or_default();
            format!("{message}\n --> {origin}{excerpt}")
        }
        other => other.to_string(),
    }
}

impl CliError {
    /// Ansible's exit codes: 5 for bad options, 4 for parser errors, 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        match self {
            // Vault data that cannot be decrypted is Ansible's generic error, wherever met.
            CliError::Vault(_)
            | CliError::VaultFile { .. }
            | CliError::Yaml(YamlError::Vault { .. })
            | CliError::Parse(ParseError::Yaml(YamlError::Vault { .. })) => 1,
            CliError::Usage(_) => 5,
            CliError::Parse(_) | CliError::Yaml(_) => 4,
            CliError::Inventory(_) | CliError::Config(_) => 1,
        }
    }
}
