//! A scratch directory holding a playbook and its files, run against a lab.

use std::{fs, path::Path};

use crate::{run_troupe, Lab, RunResult};

/// Playbook files in a temp directory, plus a `fetched/` folder for `fetch` and
/// `delegate_to: localhost` results.
pub struct Project {
    dir: std::path::PathBuf,
}

impl Project {
    pub fn new(name: &str) -> Project {
        let dir = std::env::temp_dir().join(format!("troupe-e2e-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("fetched")).expect("project dir");
        Project { dir }
    }

    pub fn path(&self) -> &Path {
        &self.dir
    }

    pub fn write(&self, rel: &str, text: &str) -> &Self {
        let p = self.dir.join(rel);
        fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        fs::write(p, text).expect("write");
        self
    }

    /// `troupe run PLAYBOOK -i <lab inventory> -e local_dir=<fetched/> ARGS`.
    pub fn run(&self, lab: &Lab, playbook: &str, args: &[&str]) -> RunResult {
        let inventory = lab.inventory_path().display().to_string();
        let local = format!("local_dir={}", self.dir.join("fetched").display());
        let mut all = vec!["run", playbook, "-i", &inventory, "-e", &local];
        all.extend_from_slice(args);
        run_troupe(&self.dir, &all)
    }
}

impl Drop for Project {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}
