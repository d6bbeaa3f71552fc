//! `ping`: proves the target answers commands.

use serde::Deserialize;

use crate::error::ModuleError;
use crate::module::{Context, Module, Query};
use crate::report::Report;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PingArgs {
    #[serde(default = "pong")]
    pub data: String,
}

fn pong() -> String {
    "pong".into()
}

pub struct Ping;

impl Module for Ping {
    type Args = PingArgs;
    type Change = ();
    const NAME: &'static str = "ping";

    fn query(&self, args: &PingArgs, cx: &Context) -> Result<Query<()>, ModuleError> {
        if args.data == "crash" {
            // Ansible's way to test error handling.
            return Err(ModuleError::failed("boom"));
        }
        let out = cx.target.run("echo pong", None)?;
        if out.stdout_str().trim() != "pong" {
            return Err(ModuleError::failed(format!(
                "the target did not answer as a POSIX shell: {}",
                out.stderr_str().trim()
            )));
        }
        Ok(Query::unchanged(
            Report::ok().with("ping", args.data.as_str()),
        ))
    }

    fn apply(&self, _: &PingArgs, _: (), _: &Context) -> Result<Report, ModuleError> {
        Ok(Report::ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{run_dyn as run_module, LocalTarget};
    use serde_json::json;

    #[test]
    fn answers_pong_or_the_data() {
        let target = LocalTarget::new();
        let r = run_module(&Ping, &target, json!({}), false).unwrap();
        assert_eq!(r.fields["ping"], "pong");
        assert!(!r.changed);
        let r = run_module(&Ping, &target, json!({"data": "hello"}), true).unwrap();
        assert_eq!(r.fields["ping"], "hello");
        assert!(run_module(&Ping, &target, json!({"data": "crash"}), false).is_err());
    }
}
