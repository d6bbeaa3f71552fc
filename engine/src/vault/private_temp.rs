//! A directory only the user can read (0700), holding clear text only as long as needed:
//! removed with everything in it when dropped.

use std::{
    fs::{DirBuilder, OpenOptions},
    io::Write,
    os::unix::fs::{DirBuilderExt, OpenOptionsExt},
    path::{Path, PathBuf},
};

pub struct PrivateDir {
    path: PathBuf,
}

impl PrivateDir {
    pub fn new() -> std::io::Result<Self> {
        let base = std::env::temp_dir();
        for _ in 0..16 {
            let mut tag = [0u8; 8];
            getrandom::fill(&mut tag).map_err(std::io::Error::other)?;
            let path = base.join(format!("troupe-vault-{}", hex::encode(tag)));
            match DirBuilder::new().mode(0o700).create(&path) {
                Ok(()) => return Ok(PrivateDir { path }),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
        Err(std::io::Error::other("no free temporary directory name"))
    }

    /// Writes `content` to a new 0600 file called `name` inside the directory.
    pub fn write(&self, name: &str, content: &[u8]) -> std::io::Result<PathBuf> {
        let path = self.path.join(name);
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)?;
        file.write_all(content)?;
        Ok(path)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for PrivateDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn files_are_private_and_gone_after_drop() {
        let dir = PrivateDir::new().unwrap();
        let file = dir.write("x.yml", b"clear").unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!((mode(dir.path()), mode(&file)), (0o700, 0o600));
        let kept = dir.path().to_path_buf();
        drop(dir);
        assert!(!kept.exists());
    }
}
