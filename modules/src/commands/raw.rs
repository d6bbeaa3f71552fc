//! `raw`: sends the command as it is, with no options and no guards.

use serde::Deserialize;
use serde_json::Value;

use crate::commands::command_output::Invocation;
use crate::error::ModuleError;
use crate::module::{Context, Module, Query};
use crate::report::Report;
use crate::helpers::shell_text::quote;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawArgs {
    #[serde(rename = "_raw_params")]
    pub raw_params: String,
    pub executable: Option<String>,
}

pub struct Raw;

impl Module for Raw {
    type Args = RawArgs;
    type Change = Invocation;
    const NAME: &'static str = "raw";
    const FREE_FORM: Option<&'static [&'static str]> = Some(crate::commands::RAW_COMMAND_KEYS);

    fn query(&self, args: &RawArgs, cx: &Context) -> Result<Query<Invocation>, ModuleError> {
        if cx.check_mode {
            // As in Ansible, raw cannot tell what it would do.
            let mut report = Report::ok();
            report.skipped = true;
            return Ok(Query::unchanged(
                report.with("msg", "check mode not supported for raw"),
            ));
        }
        let script = match &args.executable {
            Some(shell) => format!("exec {} -c {}", quote(shell), quote(&args.raw_params)),
            None => args.raw_params.clone(),
        };
        Ok(Query::change(Invocation {
            script,
            stdin: None,
            cmd: Value::from(args.raw_params.clone()),
            strip_empty_ends: false,
            chdir: None,
        }))
    }

    fn apply(&self, _: &RawArgs, run: Invocation, cx: &Context) -> Result<Report, ModuleError> {
        run.run(cx.target)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{run_dyn as run_module, LocalTarget};
    use serde_json::json;

    #[test]
    fn runs_as_is_and_keeps_output_whole() {
        let target = LocalTarget::new();
        let r = run_module(
            &Raw,
            &target,
            json!({"_raw_params": "echo one; echo two"}),
            false,
        )
        .unwrap();
        assert_eq!(r.fields["stdout"], "one\ntwo\n");
        assert_eq!(r.fields["stdout_lines"], json!(["one", "two"]));
        assert!(r.changed && r.failed.is_none());
        let r = run_module(&Raw, &target, json!({"_raw_params": "exit 2"}), false).unwrap();
        assert_eq!(r.fields["rc"], 2);
        assert!(r.failed.is_some());
    }
}
