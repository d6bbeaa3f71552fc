//! `script`: copies a script from the controller to the host and runs it there, with the
//! arguments written after it. The engine finds the script (the first word of the free-form
//! string or of `cmd`) as it finds any controller file (`files/` of the role or playbook) and
//! writes its path back; this module sends it to a private temp folder (0700) on the host,
//! runs it (through `executable` when given) and removes the folder.

use serde::Deserialize;
use serde_json::Value;

use crate::commands::command_output::Invocation;
use crate::error::ModuleError;
use crate::helpers::args::Str;
use crate::helpers::shell_text::{quote, split};
use crate::module::{Context, Module, Query};
use crate::report::Report;
use crate::FileAttrs;

pub struct Script;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
    #[serde(rename = "_raw_params")]
    pub raw: Option<String>,
    pub cmd: Option<String>,
    pub creates: Option<Str>,
    pub removes: Option<Str>,
    pub chdir: Option<Str>,
    pub executable: Option<Str>,
    /// Vault files are sent decrypted by the engine; accepted for Ansible's sake.
    pub decrypt: Option<Value>,
}

/// The script on the controller and the arguments after it (shell text, as Ansible passes it).
pub struct Planned {
    local: String,
    rest: String,
}

impl Args {
    fn command_line(&self) -> Result<&str, ModuleError> {
        self.cmd
            .as_deref()
            .or(self.raw.as_deref())
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| ModuleError::args("script: one of the following is required: _raw_params, cmd"))
    }
}

fn exists(target: &dyn crate::Target, path: &str) -> Result<bool, ModuleError> {
    let p = quote(path);
    Ok(target.run(&format!("[ -e {p} ] || [ -L {p} ]"), None)?.success())
}

impl Module for Script {
    type Args = Args;
    type Change = Planned;
    const NAME: &'static str = "script";
    const FREE_FORM: Option<&'static [&'static str]> =
        Some(&["creates", "removes", "chdir", "executable", "decrypt"]);
    const CONTROLLER_SRC: Option<&'static str> = Some("files");

    fn query(&self, args: &Args, cx: &Context) -> Result<Query<Planned>, ModuleError> {
        let line = args.command_line()?;
        let words = split(line).map_err(|e| ModuleError::args(format!("script: {e}: {line}")))?;
        let local = words
            .first()
            .cloned()
            .ok_or_else(|| ModuleError::args("script: no script given"))?;
        let rest = line
            .trim_start()
            .strip_prefix(&quote(&local))
            .or_else(|| line.trim_start().strip_prefix(local.as_str()))
            .unwrap_or("")
            .to_string();
        if let Some(chdir) = &args.chdir {
            if !chdir.0.starts_with('/') {
                return Err(ModuleError::failed(format!(
                    "chdir {} must be an absolute path for a Unix-aware remote node",
                    chdir.0
                )));
            }
        }
        if let Some(c) = &args.creates {
            if exists(cx.target, &c.0)? {
                let mut r = Report::ok().with("msg", format!("{} exists, matching creates option", c.0));
                r.skipped = true;
                return Ok(Query::unchanged(r));
            }
        }
        if let Some(r) = &args.removes {
            if !exists(cx.target, &r.0)? {
                let mut rep =
                    Report::ok().with("msg", format!("{} does not exist, matching removes option", r.0));
                rep.skipped = true;
                return Ok(Query::unchanged(rep));
            }
        }
        if cx.check_mode && args.creates.is_none() && args.removes.is_none() {
            let mut r = Report::ok().with("msg", "Check mode is not supported for this task.");
            r.skipped = true;
            return Ok(Query::unchanged(r));
        }
        Ok(Query::change(Planned { local, rest }))
    }

    fn apply(&self, args: &Args, plan: Planned, cx: &Context) -> Result<Report, ModuleError> {
        let local = std::path::Path::new(&plan.local);
        let mut file = std::fs::File::open(local)
            .map_err(|e| ModuleError::failed(format!("could not read {}: {e}", plan.local)))?;
        let len = file
            .metadata()
            .map_err(|e| ModuleError::failed(format!("{}: {e}", plan.local)))?
            .len();
        let dir = cx
            .target
            .run("mktemp -d \"${TMPDIR:-/tmp}/troupe-script.XXXXXXXXXX\"", None)?;
        if !dir.success() {
            return Err(ModuleError::failed(format!(
                "making a temp directory: {}",
                dir.stderr_str().trim()
            )));
        }
        let dir = dir.stdout_str().trim().to_string();
        let name = local
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "script".into());
        let remote = format!("{dir}/{name}");
        let attrs = FileAttrs {
            mode: Some(0o700),
            ..FileAttrs::default()
        };
        let result = (|| {
            cx.target
                .put(&remote, &mut file as &mut dyn std::io::Read, len, &attrs)?;
            let mut script = String::new();
            if let Some(chdir) = &args.chdir {
                script.push_str(&format!("cd {} || exit 1\n", quote(&chdir.0)));
            }
            if let Some(exe) = &args.executable {
                script.push_str(&format!("{} ", exe.0));
            }
            script.push_str(&quote(&remote));
            script.push_str(&plan.rest);
            let run = Invocation {
                script,
                stdin: None,
                cmd: Value::Null,
                strip_empty_ends: false,
                chdir: None,
            };
            let mut report = run.run(cx.target)?;
            for k in ["cmd", "start", "end", "delta", "msg"] {
                report.fields.remove(k);
            }
            Ok(report)
        })();
        let _ = cx.target.run(&format!("rm -rf -- {}", quote(&dir)), None);
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{run_dyn as run_module, LocalTarget};
    use serde_json::json;

    fn script_file(dir: &std::path::Path, body: &str) -> String {
        let path = dir.join("hello.sh");
        std::fs::write(&path, body).unwrap();
        path.display().to_string()
    }

    #[test]
    fn runs_the_script_with_its_arguments_and_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = script_file(dir.path(), "#!/bin/sh\necho \"$1-$2\"; pwd; exit 3\n");
        let target = LocalTarget::new();
        let r = run_module(
            &Script,
            &target,
            json!({"_raw_params": format!("{path} 'a b' c"), "chdir": "/tmp"}),
            false,
        )
        .unwrap();
        assert_eq!(r.fields["stdout"], "a b-c\n/tmp\n");
        assert_eq!(r.fields["rc"], 3);
        assert!(r.changed && r.failed.is_some());
    }

    #[test]
    fn creates_and_removes_skip_and_check_mode_does_not_run() {
        let dir = tempfile::tempdir().unwrap();
        let marker = dir.path().join("ran");
        let path = script_file(dir.path(), &format!("#!/bin/sh\ntouch {}\n", marker.display()));
        let target = LocalTarget::new();
        let r = run_module(
            &Script,
            &target,
            json!({"cmd": path, "creates": "/"}),
            false,
        )
        .unwrap();
        assert!(r.skipped && !r.changed);
        assert_eq!(r.fields["msg"], "/ exists, matching creates option");
        let r = run_module(&Script, &target, json!({"cmd": path}), true).unwrap();
        assert!(r.skipped);
        assert!(!marker.exists());
        let r = run_module(
            &Script,
            &target,
            json!({"cmd": path, "executable": "/bin/sh"}),
            false,
        )
        .unwrap();
        assert!(r.changed && r.failed.is_none(), "{r:?}");
        assert!(marker.exists());
    }
}
