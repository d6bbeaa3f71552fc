//! A [`Target`] that is the local machine, for tests that run modules for real.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use crate::target::{FileAttrs, RunOutput, Target, TargetError};

/// Runs scripts with `/bin/sh -c` here, with extra environment variables (e.g. a `PATH`
/// that puts fake tools first).
#[derive(Default)]
pub struct LocalTarget {
    env: Vec<(String, String)>,
}

impl LocalTarget {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with_env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.to_string(), value.to_string()));
        self
    }

    /// Puts `dir` first on `PATH`, so scripts there shadow the real tools.
    pub fn with_path_first(self, dir: &Path) -> Self {
        let path = format!(
            "{}:{}",
            dir.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        self.with_env("PATH", &path)
    }
}

fn failed(e: impl std::fmt::Display) -> TargetError {
    TargetError::Failed(e.to_string())
}

impl Target for LocalTarget {
    fn name(&self) -> &str {
        "localhost"
    }

    fn run(&self, script: &str, stdin: Option<&[u8]>) -> Result<RunOutput, TargetError> {
        let mut child = Command::new("/bin/sh")
            .arg("-c")
            .arg(script)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(failed)?;
        if let (Some(data), Some(mut pipe)) = (stdin, child.stdin.take()) {
            // A script that does not read its stdin closes the pipe: not an error.
            let _ = pipe.write_all(data);
        }
        let out = child.wait_with_output().map_err(failed)?;
        Ok(RunOutput {
            rc: out.status.code().unwrap_or(-1),
            stdout: out.stdout,
            stderr: out.stderr,
        })
    }

    fn put(
        &self,
        path: &str,
        content: &mut dyn Read,
        _len: u64,
        attrs: &FileAttrs,
    ) -> Result<(), TargetError> {
        use std::os::unix::fs::PermissionsExt;
        let dest = Path::new(path);
        let dir = dest.parent().unwrap_or(Path::new("."));
        let temp = dir.join(format!(".troupe-tmp-{}", std::process::id()));
        let mut file = std::fs::File::create(&temp).map_err(failed)?;
        std::io::copy(content, &mut file).map_err(failed)?;
        let mode = attrs.mode.or_else(|| {
            std::fs::metadata(dest)
                .ok()
                .map(|m| m.permissions().mode() & 0o7777)
        });
        if let Some(mode) = mode {
            std::fs::set_permissions(&temp, std::fs::Permissions::from_mode(mode))
                .map_err(failed)?;
        }
        std::fs::rename(&temp, dest).map_err(failed)
    }

    fn get(&self, path: &str, sink: &mut dyn Write) -> Result<bool, TargetError> {
        match std::fs::File::open(path) {
            Ok(mut f) => std::io::copy(&mut f, sink).map(|_| true).map_err(failed),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(failed(e)),
        }
    }
}

/// A fresh directory under the system temp dir, removed when dropped.
pub struct TempDir(std::path::PathBuf);

impl TempDir {
    pub fn new() -> Self {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("troupe-test-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("create temp dir");
        TempDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    /// The path of `name` inside this directory, as a string for module arguments.
    pub fn join(&self, name: &str) -> String {
        self.0.join(name).display().to_string()
    }

    /// Writes an executable script `name` in this directory.
    pub fn script(&self, name: &str, body: &str) -> String {
        use std::os::unix::fs::PermissionsExt;
        let path = self.0.join(name);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("create script dir");
        }
        std::fs::write(&path, body).expect("write script");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        path.display().to_string()
    }
}

impl Default for TempDir {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs a module the way the engine does and returns its report.
pub fn run_module(
    module: &dyn crate::DynModule,
    target: &dyn Target,
    args: serde_json::Value,
    check_mode: bool,
) -> Result<crate::Report, crate::ModuleError> {
    let cx = crate::Context {
        target,
        check_mode,
        diff: true,
    };
    let serde_json::Value::Object(args) = args else {
        panic!("args must be an object")
    };
    module.run(&args, &cx)
}
