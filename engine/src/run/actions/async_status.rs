//! `async_status`: the result of an async task of this run (see `run/async_jobs.rs`).

use serde::Deserialize;

use super::{ok, parse};
use crate::{
    output::{Outcome, Status},
    run::step::Step,
    run::task_error::TaskError,
    Value,
};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Args {
    jid: String,
    #[serde(default)]
    mode: Option<String>,
}

pub fn run(args: crate::Map, step: &Step) -> Result<Outcome, TaskError> {
    let args: Args = parse("async_status", args)?;
    let cleanup = match args.mode.as_deref() {
        None | Some("status") => false,
        Some("cleanup") => true,
        Some(other) => {
            return Err(TaskError::Args {
                action: "async_status",
                message: format!("value of mode must be one of: status, cleanup, got: {other}"),
            })
        }
    };
    let Some(mut result) = step.run().async_jobs().status(&args.jid, cleanup) else {
        return Ok(Outcome::failed(format!("could not find job {}", args.jid)));
    };
    if cleanup {
        let mut erased = crate::Map::new();
        erased.insert("ansible_job_id".into(), Value::from(args.jid));
        erased.insert(
            "erased".into(),
            result.remove("results_file").unwrap_or_default(),
        );
        return Ok(ok(erased));
    }
    // The job's own status (changed, failed) is reported as it was.
    let flag = |k: &str| result.get(k).and_then(Value::as_bool) == Some(true);
    let status = if flag("failed") {
        Status::Failed
    } else if flag("changed") {
        Status::Changed
    } else {
        Status::Ok
    };
    Ok(Outcome::new(status, result))
}
