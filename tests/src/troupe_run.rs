//! Running the workspace's `troupe` binary and reading what it printed.

use std::{
    path::{Path, PathBuf},
    process::Command,
    sync::OnceLock,
};

/// The `troupe` binary of this workspace (debug build), built once per test process so a
/// suite never runs a stale binary. `TROUPE_BIN` points elsewhere (e.g. a release build).
pub fn troupe_bin() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        if let Ok(bin) = std::env::var("TROUPE_BIN") {
            return PathBuf::from(bin);
        }
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("workspace root")
            .to_path_buf();
        let status = Command::new(env!("CARGO"))
            .args(["build", "--quiet", "-p", "troupe", "--bin", "troupe"])
            .current_dir(&root)
            .status()
            .expect("cargo runs");
        assert!(status.success(), "building troupe failed");
        let target = std::env::var("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|_| root.join("target"));
        target.join("debug").join("troupe")
    })
    .clone()
}

/// Runs `troupe ARGS` in `cwd` without colour.
pub fn run_troupe(cwd: &Path, args: &[&str]) -> RunResult {
    run_troupe_with(Command::new(troupe_bin()).current_dir(cwd).args(args))
}

/// Runs a prepared `troupe` command (for extra environment, or a wrapper like `time`).
pub fn run_troupe_with(cmd: &mut Command) -> RunResult {
    let out = cmd.env("NO_COLOR", "1").output().expect("troupe runs");
    RunResult {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// What a run printed and how it ended.
#[derive(Debug)]
pub struct RunResult {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl RunResult {
    /// The PLAY RECAP counter `name` (ok, changed, failed, unreachable...) of `host`.
    pub fn recap(&self, host: &str, name: &str) -> u32 {
        let line = self
            .stdout
            .lines()
            .find(|l| l.split_whitespace().next() == Some(host) && l.contains(" : ok="))
            .unwrap_or_else(|| panic!("no recap line for {host} in:\n{}", self.stdout));
        let key = format!("{name}=");
        line.split_whitespace()
            .find_map(|w| w.strip_prefix(&key))
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no {name} in {line}"))
    }

    /// The sum of a recap counter over every host.
    pub fn total(&self, name: &str) -> u32 {
        let key = format!("{name}=");
        self.stdout
            .lines()
            .filter(|l| l.contains(" : ok="))
            .filter_map(|l| {
                l.split_whitespace()
                    .find_map(|w| w.strip_prefix(&key)?.parse::<u32>().ok())
            })
            .sum()
    }

    /// Tasks changed over all hosts.
    pub fn changed(&self) -> u32 {
        self.total("changed")
    }

    /// Hosts that have a recap line.
    pub fn recap_hosts(&self) -> Vec<String> {
        self.stdout
            .lines()
            .filter(|l| l.contains(" : ok="))
            .filter_map(|l| l.split_whitespace().next().map(str::to_string))
            .collect()
    }

    pub fn assert_ok(&self) {
        assert_eq!(
            self.code, 0,
            "troupe failed:\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
    }
}
