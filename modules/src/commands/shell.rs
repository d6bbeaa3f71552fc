//! `shell`: runs a command line through the target's shell. Without `executable` the text is
//! the script the target runs as `/bin/sh -c` would, so the jobs it leaves in the background
//! holding its output are waited for, as Ansible waits for the command's output to close
//! (see the engine's session scripts); with `executable` it runs in that shell, whose jobs
//! are its own.

use serde_json::Value;

use crate::commands::command::{guarded_query, no_command_given, CommandArgs};
use crate::commands::command_output::Invocation;
use crate::error::ModuleError;
use crate::module::{Context, Module, Query};
use crate::report::Report;
use crate::helpers::shell_text::quote;

pub struct Shell;

impl Module for Shell {
    type Args = CommandArgs;
    type Change = Invocation;
    const NAME: &'static str = "shell";
    const FREE_FORM: Option<&'static [&'static str]> = Some(crate::commands::RAW_COMMAND_KEYS);

    fn query(&self, args: &CommandArgs, cx: &Context) -> Result<Query<Invocation>, ModuleError> {
        if args.expand_argument_vars.is_some() {
            return Err(ModuleError::args(
                "Unsupported parameters for (shell) module: expand_argument_vars",
            ));
        }
        if args.argv.is_some() {
            return Err(ModuleError::args(
                "shell: argv is only supported by command",
            ));
        }
        let Some(text) = args.command_text().filter(|t| !t.trim().is_empty()) else {
            return Ok(Query::unchanged(no_command_given()));
        };
        let body = match &args.executable {
            Some(shell) => format!("exec {} -c {}", quote(shell), quote(text)),
            None => text.to_string(),
        };
        guarded_query(args, args.invocation(&body, Value::from(text)), cx)
    }

    fn apply(&self, _: &CommandArgs, run: Invocation, cx: &Context) -> Result<Report, ModuleError> {
        run.run(cx.target)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{run_dyn as run_module, LocalTarget};
    use serde_json::json;

    #[test]
    fn runs_through_the_shell() {
        let target = LocalTarget::new();
        let r = run_module(
            &Shell,
            &target,
            json!({"_raw_params": "echo a | tr a b; exit 4"}),
            false,
        )
        .unwrap();
        assert_eq!(r.fields["stdout"], "b");
        assert_eq!(r.fields["rc"], 4);
        assert_eq!(r.fields["cmd"], "echo a | tr a b; exit 4");
        assert!(r.failed.is_some() && r.changed);
    }

    #[test]
    fn executable_picks_the_shell() {
        let target = LocalTarget::new();
        let args = json!({"cmd": "echo ${BASH_VERSION:+bash}", "executable": "/bin/bash"});
        let r = run_module(&Shell, &target, args, false).unwrap();
        assert_eq!(r.fields["stdout"], "bash");
        let r = run_module(
            &Shell,
            &target,
            json!({"cmd": "echo ${BASH_VERSION:+bash}"}),
            false,
        )
        .unwrap();
        assert_eq!(r.fields["stdout"], "");
    }

    #[test]
    fn chdir_is_the_physical_directory_and_expand_argument_vars_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real");
        std::fs::create_dir_all(real.join("site")).unwrap();
        std::os::unix::fs::symlink(&real, dir.path().join("link")).unwrap();
        let target = LocalTarget::new();
        let site = dir.path().join("link/site").display().to_string();
        let args = json!({"cmd": "dirname \"$PWD\"", "chdir": site});
        let r = run_module(&Shell, &target, args, false).unwrap();
        assert_eq!(r.fields["stdout"], real.display().to_string());
        let args = json!({"cmd": "echo hi", "expand_argument_vars": false});
        let e = run_module(&Shell, &target, args, false).unwrap_err();
        assert_eq!(
            e.to_string(),
            "Unsupported parameters for (shell) module: expand_argument_vars"
        );
    }
}
