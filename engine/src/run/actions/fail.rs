//! `fail`: fails the task with a message.

use serde::Deserialize;

use super::{parse, text};
use crate::{output::Outcome, run::task_error::TaskError, Map, Value};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Args {
    msg: Option<Value>,
}

pub fn run(args: Map) -> Result<Outcome, TaskError> {
    let args: Args = parse("fail", args)?;
    let msg = args
        .msg
        .as_ref()
        .map(text)
        .unwrap_or_else(|| "Failed as requested from task".into());
    Ok(Outcome::failed(msg))
}
