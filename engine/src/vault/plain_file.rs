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

/// Most entries a directory given to `copy` may hold when it is searched for vault files.
const TREE_LIMIT: usize = 100_000;

/// For a directory holding vault files, a private copy of it with those files decrypted
/// (`None` when it holds none). Modes are kept; symlinks are copied as the links they are.
/// An error names the file it is about.
pub fn plain_tree(dir: &Path) -> Result<Option<PlainCopy>, (PathBuf, VaultError)> {
    use std::os::unix::fs::{symlink, PermissionsExt};
    // As os.walk reads a directory: its files before its subdirectories.
    let walk = || {
        walkdir::WalkDir::new(dir)
            .min_depth(1)
            .sort_by(|a, b| {
                let key =
                    |e: &walkdir::DirEntry| (e.file_type().is_dir(), e.file_name().to_owned());
                key(a).cmp(&key(b))
            })
            .into_iter()
    };
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| {
            (
                path.clone(),
                VaultError::Io {
                    path: path.clone(),
                    source,
                },
            )
        }
    };
    let mut vaulted = false;
    for (count, entry) in walk().enumerate() {
        let entry = entry.map_err(|e| {
            let path = e.path().unwrap_or(dir).to_path_buf();
            (
                path,
                VaultError::Io {
                    path: dir.to_path_buf(),
                    source: e.into(),
                },
            )
        })?;
        if count >= TREE_LIMIT {
            let too_many = std::io::Error::other(format!("more than {TREE_LIMIT} entries"));
            return Err(io(dir)(too_many));
        }
        vaulted |= entry.file_type().is_file() && is_vaulted_file(entry.path());
    }
    if !vaulted {
        return Ok(None);
    }
    let private = PrivateDir::new().map_err(io(dir))?;
    let name = dir.file_name().and_then(|n| n.to_str()).unwrap_or("tree");
    let root = private.path().join(name);
    std::fs::create_dir(&root).map_err(io(&root))?;
    // Directory modes go on last, so a read-only directory can still be filled.
    let mut dir_modes = Vec::new();
    for entry in walk() {
        let entry = entry.map_err(|e| {
            (
                dir.to_path_buf(),
                VaultError::Io {
                    path: dir.to_path_buf(),
                    source: e.into(),
                },
            )
        })?;
        let from = entry.path();
        let to = root.join(from.strip_prefix(dir).unwrap_or(from));
        let kind = entry.file_type();
        if kind.is_symlink() {
            let target = std::fs::read_link(from).map_err(io(from))?;
            symlink(target, &to).map_err(io(&to))?;
            continue;
        }
        let mode = entry
            .metadata()
            .map_err(|e| io(from)(e.into()))?
            .permissions()
            .mode();
        if kind.is_dir() {
            std::fs::create_dir(&to).map_err(io(&to))?;
            dir_modes.push((to, mode));
            continue;
        } else {
            let bytes = std::fs::read(from).map_err(io(from))?;
            let plain = match is_vaulted_file(from) {
                true => {
                    let text = String::from_utf8_lossy(&bytes);
                    let plain =
                        installed::decrypt_bytes(&text).map_err(|e| (from.to_path_buf(), e))?;
                    if let Ok(s) = std::str::from_utf8(&plain) {
                        mask::remember(s);
                    }
                    plain
                }
                false => bytes,
            };
            std::fs::write(&to, plain).map_err(io(&to))?;
        }
        std::fs::set_permissions(&to, std::fs::Permissions::from_mode(mode)).map_err(io(&to))?;
    }
    for (to, mode) in dir_modes.into_iter().rev() {
        std::fs::set_permissions(&to, std::fs::Permissions::from_mode(mode)).map_err(io(&to))?;
    }
    Ok(Some(PlainCopy {
        _dir: private,
        path: root,
    }))
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
