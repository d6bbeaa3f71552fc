//! Running a command on the target and reporting it the way `command`, `shell` and `raw` do.

use std::time::{Instant, SystemTime};

use serde_json::Value;

use crate::{error::ModuleError, helpers::clock, report::Report, target::Target};

/// A command ready to run: the script for the target and what to report as `cmd`.
#[derive(Debug, Clone)]
pub struct Invocation {
    pub script: String,
    pub stdin: Option<Vec<u8>>,
    /// The command as the user gave it: a list of words for `command`, a string for `shell`.
    pub cmd: Value,
    /// Drop trailing newlines from stdout and stderr, as Ansible's `strip_empty_ends`.
    pub strip_empty_ends: bool,
    /// The directory the script enters first (see [`super::command::CHDIR_FAILED`]).
    pub chdir: Option<String>,
}

impl Invocation {
    /// Runs it (always a change); a non-zero exit code fails the report.
    pub fn run(&self, target: &dyn Target) -> Result<Report, ModuleError> {
        let start = SystemTime::now();
        let clock = Instant::now();
        let out = target.run(&self.script, self.stdin.as_deref())?;
        let took = clock.elapsed();
        if let (Some(dir), false) = (&self.chdir, out.success()) {
            let err = String::from_utf8_lossy(&out.stderr);
            if let Some(why) = err.strip_prefix(super::command::CHDIR_FAILED) {
                return Ok(Report::ok().with("cmd", self.cmd.clone()).fail(format!(
                    "Unable to change directory before execution: {}: '{dir}'",
                    why.trim_end()
                )));
            }
        }
        let text = |bytes: &[u8]| {
            let s = String::from_utf8_lossy(bytes).into_owned();
            if self.strip_empty_ends {
                s.trim_end_matches(['\r', '\n']).to_string()
            } else {
                s
            }
        };
        let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
        let report = Report::changed()
            .with("cmd", self.cmd.clone())
            .with("rc", out.rc)
            .with("stdout_lines", lines(&stdout))
            .with("stderr_lines", lines(&stderr))
            .with("stdout", stdout)
            .with("stderr", stderr)
            .with("start", clock::timestamp(start))
            .with("end", clock::timestamp(start + took))
            .with("delta", clock::delta(took));
        Ok(if out.success() {
            report.with("msg", "")
        } else {
            report
                .with("msg", "non-zero return code")
                .fail("non-zero return code")
        })
    }
}

/// Python's `str.splitlines`, as Ansible fills `stdout_lines`.
pub fn lines(s: &str) -> Vec<String> {
    s.lines()
        .map(|l| l.strip_suffix('\r').unwrap_or(l).to_string())
        .collect()
}
