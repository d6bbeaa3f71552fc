//! Runs the real `troupe` binary on playbooks written into a temp directory, with the
//! local connection, and reads back what it did.

#![allow(dead_code)]

use std::{
    fs,
    path::{Path, PathBuf},
    process::Command,
};

pub use troupe_e2e::{run_troupe_with, RunResult};

/// A scratch project: playbook, inventory, roles, and a `target/` directory the playbook
/// writes into (passed as the `base` variable).
pub struct Project {
    pub dir: tempfile::TempDir,
}

impl Project {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        fs::create_dir_all(dir.path().join("target")).unwrap();
        let p = Project { dir };
        p.write("inventory.ini", "localhost ansible_connection=local\n");
        p
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Where the playbook writes (`{{ base }}`).
    pub fn base(&self) -> PathBuf {
        self.dir.path().join("target")
    }

    pub fn write(&self, rel: &str, text: &str) -> &Self {
        let p = self.dir.path().join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
        self
    }

    pub fn read(&self, rel_to_base: &str) -> String {
        fs::read_to_string(self.base().join(rel_to_base))
            .unwrap_or_else(|e| panic!("{rel_to_base}: {e}"))
    }

    pub fn exists(&self, rel_to_base: &str) -> bool {
        self.base().join(rel_to_base).exists()
    }

    pub fn mode(&self, rel_to_base: &str) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        fs::metadata(self.base().join(rel_to_base))
            .unwrap()
            .permissions()
            .mode()
            & 0o7777
    }

    /// `troupe run playbook.yml -i inventory.ini -e base=<target dir> ARGS...`
    pub fn run(&self, args: &[&str]) -> RunResult {
        self.run_playbook("playbook.yml", args)
    }

    pub fn run_playbook(&self, playbook: &str, args: &[&str]) -> RunResult {
        run_troupe_with(
            Command::new(env!("CARGO_BIN_EXE_troupe"))
                .current_dir(self.path())
                .args(["run", playbook, "-i", "inventory.ini", "-e"])
                .arg(format!("base={}", self.base().display()))
                .args(args),
        )
    }

    /// [`Project::run`] stopped after `seconds` (exit 124, as `timeout` reports it): for
    /// input that once made troupe loop forever.
    pub fn run_within(&self, seconds: u32, args: &[&str]) -> RunResult {
        run_troupe_with(
            Command::new("timeout")
                .arg(seconds.to_string())
                .arg(env!("CARGO_BIN_EXE_troupe"))
                .current_dir(self.path())
                .args(["run", "playbook.yml", "-i", "inventory.ini", "-e"])
                .arg(format!("base={}", self.base().display()))
                .args(args),
        )
    }

    /// Names and contents of every file under the target directory (to prove nothing changed).
    pub fn snapshot(&self) -> Vec<(String, Vec<u8>)> {
        let mut out = Vec::new();
        walk(&self.base(), &self.base(), &mut out);
        out.sort();
        out
    }
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
    for e in fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        let rel = p.strip_prefix(root).unwrap().display().to_string();
        if p.is_dir() {
            out.push((rel + "/", Vec::new()));
            walk(root, &p, out);
        } else {
            out.push((rel, fs::read(&p).unwrap_or_default()));
        }
    }
}
