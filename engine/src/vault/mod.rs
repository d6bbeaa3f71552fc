//! Ansible Vault, byte-compatible with `ansible-vault`: the envelope (header and 80-column
//! hex), the AES256 cipher, vault passwords with their vault-id labels and where they come
//! from, and what the rest of troupe needs: the process's passwords (installed by the
//! command line), decrypted copies of controller files, and masking of decrypted values in
//! what troupe prints.

mod cipher;
mod envelope;
mod error;
mod file_write;
mod installed;
mod keyring;
pub mod mask;
mod password_source;
mod plain_file;
mod private_temp;
mod secret;

pub use envelope::{is_vaulted, Envelope};
pub use error::VaultError;
pub use file_write::write_file;
pub use installed::{decrypt_text, install};
pub use keyring::{encrypt, Keyring};
pub use password_source::{Source, VaultId};
pub use plain_file::{is_vaulted_file, plain_copy, plain_tree, read_text, PlainCopy};
pub use private_temp::PrivateDir;
pub use secret::{Secret, DEFAULT_LABEL};

#[cfg(test)]
mod tests;
