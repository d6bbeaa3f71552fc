//! The vault password options shared by `troupe run` and `troupe vault`, as ansible-playbook
//! and ansible-vault take them, and the keyring they make.

use std::path::PathBuf;

use clap::{ArgAction, Args};

use super::CliError;
use crate::vault::{Keyring, VaultId};

#[derive(Args, Debug, Clone, Default)]
pub struct VaultArgs {
    /// Ask for the vault password (on the terminal, without echo).
    #[arg(short = 'J', long = "ask-vault-pass", alias = "ask-vault-password")]
    pub ask_vault_pass: bool,
    /// A file holding the vault password, or an executable printing it (repeatable).
    #[arg(
        long = "vault-password-file",
        alias = "vault-pass-file",
        env = "ANSIBLE_VAULT_PASSWORD_FILE",
        action = ArgAction::Append
    )]
    pub vault_password_file: Vec<PathBuf>,
    /// A labelled vault password: LABEL@FILE, LABEL@SCRIPT or LABEL@prompt (repeatable).
    #[arg(
        long = "vault-id",
        env = "ANSIBLE_VAULT_IDENTITY_LIST",
        value_delimiter = ',',
        action = ArgAction::Append
    )]
    pub vault_id: Vec<String>,
}

impl VaultArgs {
    /// The password sources in Ansible's order: `--vault-id`s, then password files, then
    /// the `--ask-vault-pass` prompt. With `auto_prompt` (ansible-vault), a prompt when
    /// nothing else is given.
    pub fn vault_ids(&self, auto_prompt: bool) -> Vec<VaultId> {
        let mut ids: Vec<VaultId> = self.vault_id.iter().map(|s| VaultId::parse(s)).collect();
        ids.extend(
            self.vault_password_file
                .iter()
                .map(|f| VaultId::password_file(f)),
        );
        if self.ask_vault_pass || (ids.is_empty() && auto_prompt) {
            ids.push(VaultId::ask());
        }
        ids
    }

    /// Reads every password now (prompts included). `new`: passwords to encrypt with are
    /// asked twice.
    pub fn keyring(&self, new: bool, auto_prompt: bool) -> Result<Keyring, CliError> {
        let secrets = self
            .vault_ids(auto_prompt)
            .iter()
            .map(|id| id.load(new))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Keyring::new(secrets))
    }
}
