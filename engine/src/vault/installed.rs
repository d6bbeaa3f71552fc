//! The vault passwords of this process, installed once by the command line before anything
//! is read, so that every file loader can decrypt without passing them around.

use std::sync::RwLock;

use super::{Keyring, VaultError};

static KEYRING: RwLock<Option<Keyring>> = RwLock::new(None);

/// Makes `keyring` the one every loader uses.
pub fn install(keyring: Keyring) {
    *KEYRING.write().unwrap_or_else(|e| e.into_inner()) = Some(keyring);
}

/// Decrypts vault text with the installed passwords.
pub fn decrypt_text(text: &str) -> Result<String, VaultError> {
    let guard = KEYRING.read().unwrap_or_else(|e| e.into_inner());
    match guard.as_ref() {
        Some(keyring) => keyring.decrypt_text(text),
        None => Err(VaultError::NoSecret),
    }
}

/// Decrypts vault bytes (any content, e.g. a file for `copy`) with the installed passwords.
pub fn decrypt_bytes(text: &str) -> Result<Vec<u8>, VaultError> {
    let guard = KEYRING.read().unwrap_or_else(|e| e.into_inner());
    match guard.as_ref() {
        Some(keyring) => Ok(keyring.decrypt(text)?.0),
        None => Err(VaultError::NoSecret),
    }
}
