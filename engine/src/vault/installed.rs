//! The vault passwords of this process, installed once by the command line before anything
//! is read, so that every file loader can decrypt without passing them around.

use std::{collections::HashMap, sync::RwLock};

use super::{Keyring, VaultError};

static KEYRING: RwLock<Option<Keyring>> = RwLock::new(None);

/// Vault texts already decrypted (a vars file read for every host costs one key derivation).
static DECRYPTED: RwLock<Option<HashMap<String, Vec<u8>>>> = RwLock::new(None);

/// Makes `keyring` the one every loader uses.
pub fn install(keyring: Keyring) {
    *KEYRING.write().unwrap_or_else(|e| e.into_inner()) = Some(keyring);
    *DECRYPTED.write().unwrap_or_else(|e| e.into_inner()) = None;
}

/// Decrypts vault text that must be UTF-8 with the installed passwords.
pub fn decrypt_text(text: &str) -> Result<String, VaultError> {
    String::from_utf8(decrypt_bytes(text)?).map_err(|_| VaultError::NotUtf8)
}

/// Decrypts vault bytes (any content, e.g. a file for `copy`) with the installed passwords.
pub fn decrypt_bytes(text: &str) -> Result<Vec<u8>, VaultError> {
    let known = DECRYPTED.read().unwrap_or_else(|e| e.into_inner());
    if let Some(plain) = known.as_ref().and_then(|m| m.get(text)) {
        return Ok(plain.clone());
    }
    drop(known);
    let plain = {
        let guard = KEYRING.read().unwrap_or_else(|e| e.into_inner());
        match guard.as_ref() {
            Some(keyring) => keyring.decrypt(text)?.0,
            None => return Err(VaultError::NoSecret),
        }
    };
    DECRYPTED
        .write()
        .unwrap_or_else(|e| e.into_inner())
        .get_or_insert_with(HashMap::new)
        .insert(text.to_string(), plain.clone());
    Ok(plain)
}
