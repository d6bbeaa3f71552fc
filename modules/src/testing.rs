//! A [`Target`] that is this machine, for tests: real processes, real files.

use std::{
    fs,
    io::{self, Read, Write},
    os::unix::fs::{MetadataExt, PermissionsExt},
    path::Path,
    process::{Command, Stdio},
    sync::atomic::{AtomicU64, Ordering},
};

use serde_json::Value;

use crate::{Context, FileAttrs, Report, RunOutput, Target, TargetError};

#[derive(Default)]
pub struct LocalTarget {
    /// How many times `run` was called: the round trips a module costs.
    pub runs: AtomicU64,
    /// Extra environment for scripts (e.g. a `PATH` that puts fake tools first).
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

    pub fn runs(&self) -> u64 {
        self.runs.load(Ordering::SeqCst)
    }
}

fn failed(e: impl std::fmt::Display) -> TargetError {
    TargetError::Failed(e.to_string())
}

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

impl Target for LocalTarget {
    fn name(&self) -> &str {
        "testhost"
    }

    fn run(&self, script: &str, stdin: Option<&[u8]>) -> Result<RunOutput, TargetError> {
        self.runs.fetch_add(1, Ordering::SeqCst);
        let mut child = Command::new("/bin/sh")
            .arg("-c")
            .arg(script)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(failed)?;
        let mut pipe = child.stdin.take().expect("stdin is piped");
        if let Some(input) = stdin {
            pipe.write_all(input).map_err(failed)?;
        }
        drop(pipe);
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
        len: u64,
        attrs: &FileAttrs,
    ) -> Result<(), TargetError> {
        let dest = Path::new(path);
        let dir = dest
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let name = dest
            .file_name()
            .ok_or_else(|| failed(format!("bad path {path}")))?;
        let n = TEMP_COUNTER.fetch_add(1, Ordering::SeqCst);
        let tmp = dir.join(format!(
            ".{}.troupe.{}.{n}",
            name.to_string_lossy(),
            std::process::id()
        ));
        let written = (|| -> io::Result<()> {
            let mut file = fs::File::create(&tmp)?;
            let copied = io::copy(&mut content.take(len), &mut file)?;
            if copied != len {
                return Err(io::Error::other(format!(
                    "short write: {copied} of {len} bytes"
                )));
            }
            let old = fs::metadata(dest).ok();
            if let Some(mode) = attrs.mode.or(old.as_ref().map(|m| m.mode() & 0o7777)) {
                fs::set_permissions(&tmp, fs::Permissions::from_mode(mode))?;
            }
            if let Some(old) = &old {
                std::os::unix::fs::chown(&tmp, Some(old.uid()), Some(old.gid()))?;
            }
            let owner = attrs.owner.clone().unwrap_or_default();
            let group = attrs
                .group
                .as_ref()
                .map(|g| format!(":{g}"))
                .unwrap_or_default();
            if !owner.is_empty() || !group.is_empty() {
                let ok = Command::new("chown")
                    .arg(format!("{owner}{group}"))
                    .arg(&tmp)
                    .status()?;
                if !ok.success() {
                    return Err(io::Error::other("chown failed"));
                }
            }
            fs::rename(&tmp, dest)
        })();
        if written.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        written.map_err(|e| failed(format!("{path}: {e}")))
    }

    fn get(&self, path: &str, sink: &mut dyn Write) -> Result<bool, TargetError> {
        match fs::File::open(path) {
            Ok(mut f) => io::copy(&mut f, sink).map(|_| true).map_err(failed),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(failed(e)),
        }
    }
}

/// Runs a module by name through the registry, as the engine would.
pub fn run_module(
    target: &LocalTarget,
    name: &str,
    args: Value,
    check_mode: bool,
    diff: bool,
) -> Result<Report, crate::ModuleError> {
    let Value::Object(map) = args else {
        panic!("args must be an object")
    };
    let module = crate::lookup(name).unwrap_or_else(|| panic!("no module {name}"));
    let cx = Context {
        target,
        check_mode,
        diff,
    };
    module.run(&map, &cx)
}

/// Runs a module for real, without diff.
pub fn apply(name: &str, args: Value) -> Report {
    run_module(&LocalTarget::new(), name, args, false, false)
        .unwrap_or_else(|e| panic!("{name} failed: {e}"))
}

/// Runs a module in check mode with diff.
pub fn check(name: &str, args: Value) -> Report {
    run_module(&LocalTarget::new(), name, args, true, true)
        .unwrap_or_else(|e| panic!("{name} failed: {e}"))
}

/// The error a module returns for these arguments.
pub fn error(name: &str, args: Value) -> crate::ModuleError {
    match run_module(&LocalTarget::new(), name, args, false, false) {
        Ok(r) => panic!("{name} should have failed, got {r:?}"),
        Err(e) => e,
    }
}

/// The count of `run` calls a module makes when nothing changes.
pub fn round_trips(name: &str, args: Value) -> u64 {
    let target = LocalTarget::new();
    let report = run_module(&target, name, args, false, false).unwrap();
    assert!(!report.changed, "{name} changed: {report:?}");
    target.runs()
}

pub fn field<'a>(report: &'a Report, key: &str) -> &'a Value {
    report
        .fields
        .get(key)
        .unwrap_or_else(|| panic!("no {key} in {:?}", report.fields))
}

pub fn path_str(p: &Path) -> String {
    p.to_str().unwrap().to_string()
}

pub fn mode_of(p: &Path) -> u32 {
    fs::symlink_metadata(p).unwrap().mode() & 0o7777
}

/// A temp directory and a file in it with `content` (or none), for text-editing tests.
pub struct Scratch {
    pub dir: tempfile::TempDir,
}

impl Scratch {
    pub fn new() -> Self {
        Scratch {
            dir: tempfile::tempdir().unwrap(),
        }
    }
    pub fn path(&self, name: &str) -> String {
        path_str(&self.dir.path().join(name))
    }
    pub fn write(&self, name: &str, content: &str) -> String {
        let p = self.path(name);
        if let Some(parent) = Path::new(&p).parent() {
            fs::create_dir_all(parent).unwrap();
        }
        fs::write(&p, content).unwrap();
        p
    }
}

/// Runs `name` on `args` with `path` set, twice: the first run's report and the content
/// after it; asserts the second run is unchanged and check mode changes nothing.
pub fn edit_twice(name: &str, path: &str, mut args: Value) -> (Report, Option<String>) {
    args["path"] = Value::String(path.to_string());
    let before = fs::read(path).ok();
    let predicted = check(name, args.clone());
    assert_eq!(fs::read(path).ok(), before, "check mode wrote to {path}");
    let first = apply(name, args.clone());
    assert_eq!(
        predicted.changed, first.changed,
        "check mode predicted wrongly: {predicted:?}"
    );
    let second = apply(name, args);
    assert!(!second.changed, "second run changed: {second:?}");
    (first, fs::read_to_string(path).ok())
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

/// Runs a module value the way the engine does and returns its report (with diff).
pub fn run_dyn(
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
