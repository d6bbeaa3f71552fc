//! Inventories read from real files in a temporary directory, checked through the public API.

mod fuzz;
mod ini;
mod patterns;
mod scripts;
mod sources;
mod toml;
mod variables;
mod yaml;

use std::path::{Path, PathBuf};

use super::Inventory;

/// A temporary directory of inventory files.
pub struct Dir(tempfile::TempDir);

impl Dir {
    pub fn new() -> Dir {
        Dir(tempfile::tempdir().expect("temp dir"))
    }

    pub fn path(&self) -> &Path {
        self.0.path()
    }

    /// Writes `text` to `relative` (creating directories) and returns its path.
    pub fn write(&self, relative: &str, text: &str) -> PathBuf {
        let path = self.0.path().join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path
    }

    /// Writes `text` to `relative` as an executable file and returns its path.
    pub fn write_executable(&self, relative: &str, text: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let path = self.write(relative, text);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    /// Loads the single inventory file `relative` after writing `text` to it.
    pub fn load(&self, relative: &str, text: &str) -> Inventory {
        let path = self.write(relative, text);
        Inventory::load(&[path]).unwrap_or_else(|e| panic!("{e}"))
    }
}

pub fn names(hosts: &[&str]) -> Vec<String> {
    hosts.iter().map(|h| h.to_string()).collect()
}
