//! Controller files given to `copy` (and read by `template` and the `file` lookup) that are
//! vault-encrypted: decrypted on the controller before anything is sent.

use std::path::{Path, PathBuf};

use super::{envelope, installed, mask, private_temp::PrivateDir, VaultError};

/// A decrypted copy of a vault file, with the same file name, removed when dropped.
pub struct PlainCopy {
    _dir: PrivateDir,
    path: PathBuf,
}

impl PlainCopy {
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Whether the file at `path` starts like vault data (unreadable files are not).
pub fn is_vaulted_file(path: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; envelope::MARKER.len()];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok_and(|()| head == envelope::MARKER.as_bytes())
}

/// `None` for a plain file; for a vault file, its clear text in a private temporary file.
pub fn plain_copy(path: &Path) -> Result<Option<PlainCopy>, VaultError> {
    if !is_vaulted_file(path) {
        return Ok(None);
    }
    let io = |source| VaultError::Io {
        path: path.to_path_buf(),
        source,
    };
    let text = std::fs::read_to_string(path).map_err(io)?;
    let plain = installed::decrypt_bytes(&text)?;
    if let Ok(s) = std::str::from_utf8(&plain) {
        mask::remember(s);
    }
    let dir = PrivateDir::new().map_err(io)?;
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("decrypted");
    let path = dir.write(name, &plain).map_err(io)?;
    Ok(Some(PlainCopy { _dir: dir, path }))
}

/// Reads a text file, decrypting it if it is vault data (templates, the `file` lookup).
pub fn read_text(path: &Path) -> std::io::Result<String> {
    let text = std::fs::read_to_string(path)?;
    if !envelope::is_vaulted(&text) {
        return Ok(text);
    }
    let plain = installed::decrypt_text(&text).map_err(|e| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("{}: {e}", path.display()),
        )
    })?;
    mask::remember(&plain);
    Ok(plain)
}
