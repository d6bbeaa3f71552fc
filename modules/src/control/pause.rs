//! `pause`: waits on the controller for a number of seconds or minutes.

use std::time::{Duration, Instant, SystemTime};

use serde::Deserialize;
use serde_json::Value;

use crate::helpers::clock;
use crate::error::ModuleError;
use crate::module::{Context, Module, Query};
use crate::report::Report;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PauseArgs {
    pub seconds: Option<Value>,
    pub minutes: Option<Value>,
    pub prompt: Option<String>,
    pub echo: Option<Value>,
}

/// A number of seconds given as a number or a numeric string.
fn seconds(v: &Value, unit: f64) -> Result<f64, ModuleError> {
    let n = match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    };
    n.filter(|n| *n >= 0.0).map(|n| n * unit).ok_or_else(|| {
        ModuleError::args(format!("pause: {v} is not a number of seconds or minutes"))
    })
}

pub struct Pause;

impl Module for Pause {
    type Args = PauseArgs;
    type Change = ();
    const NAME: &'static str = "pause";

    /// The pause happens here: it changes nothing, and Ansible pauses in check mode too.
    fn query(&self, args: &PauseArgs, _: &Context) -> Result<Query<()>, ModuleError> {
        let wait =
            match (&args.seconds, &args.minutes) {
                (Some(s), _) => seconds(s, 1.0)?,
                (None, Some(m)) => seconds(m, 60.0)?,
                (None, None) => return Err(ModuleError::args(
                    "pause: waiting for keyboard input is not supported; give seconds or minutes",
                )),
            };
        let start = SystemTime::now();
        let clock = Instant::now();
        std::thread::sleep(Duration::from_secs_f64(wait));
        let took = clock.elapsed();
        let report = Report::ok()
            .with("start", clock::timestamp(start))
            .with("stop", clock::timestamp(start + took))
            .with("delta", took.as_secs())
            .with("echo", true)
            .with("rc", 0)
            .with("user_input", "")
            .with(
                "stdout",
                format!(
                    "Paused for {} {}",
                    trim_number(&args.seconds, &args.minutes, wait),
                    unit(&args.seconds)
                ),
            );
        Ok(Query::unchanged(report))
    }

    fn apply(&self, _: &PauseArgs, _: (), _: &Context) -> Result<Report, ModuleError> {
        Ok(Report::ok())
    }
}

/// The amount in the unit the user gave, as Ansible prints it ("Paused for 2 seconds").
fn trim_number(seconds: &Option<Value>, _minutes: &Option<Value>, wait: f64) -> String {
    let n = if seconds.is_some() { wait } else { wait / 60.0 };
    if n.fract() == 0.0 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

fn unit(seconds: &Option<Value>) -> &'static str {
    if seconds.is_some() {
        "seconds"
    } else {
        "minutes"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{run_dyn as run_module, LocalTarget};
    use serde_json::json;

    #[test]
    fn pauses_for_the_given_time() {
        let target = LocalTarget::new();
        let r = run_module(&Pause, &target, json!({"seconds": "0"}), false).unwrap();
        assert!(!r.changed && r.failed.is_none());
        assert_eq!(r.fields["stdout"], "Paused for 0 seconds");
        let r = run_module(&Pause, &target, json!({"minutes": 0}), true).unwrap();
        assert_eq!(r.fields["stdout"], "Paused for 0 minutes");
    }

    #[test]
    fn a_prompt_without_time_is_refused() {
        let target = LocalTarget::new();
        assert!(run_module(&Pause, &target, json!({"prompt": "Press enter"}), false).is_err());
        assert!(run_module(&Pause, &target, json!({"seconds": "soon"}), false).is_err());
    }
}
