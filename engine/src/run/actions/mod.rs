//! Actions that run in the engine because they need variables, templates or the inventory,
//! one file each; this is the one list of them. Anything else is a module.

mod add_host;
mod assert;
mod async_status;
mod debug;
mod fail;
mod group_by;
mod include_vars;
pub mod meta;
mod set_fact;
pub mod setup;
mod template;

use serde::de::DeserializeOwned;

use super::{step::Step, task_error::TaskError};
use crate::{
    output::{Outcome, Status},
    template::python_repr,
    Map, Value,
};

/// Runs the step's action: an engine action if it is one, else the module of that name.
pub fn execute(step: &Step) -> Outcome {
    let (name, args) = match step.action() {
        Ok(action) => action,
        Err(e) => return step.fail(e),
    };
    let name: &str = &name;
    let done = match name {
        "debug" => debug::run(args, step),
        "set_fact" => set_fact::run(args, step),
        "assert" => assert::run(args, step),
        "fail" => fail::run(args),
        "include_vars" => include_vars::run(args, step),
        "template" => template::run(args, step),
        "setup" | "gather_facts" => setup::run(name, args, step),
        "add_host" => add_host::run(args, step),
        "group_by" => group_by::run(args, step),
        "async_status" => async_status::run(args, step),
        _ => return step.run_module(name, args),
    };
    done.unwrap_or_else(|e| step.fail(e))
}

/// An action's arguments as its typed form; unknown keys are refused, as modules refuse them.
fn parse<T: DeserializeOwned>(action: &'static str, args: Map) -> Result<T, TaskError> {
    serde_json::from_value(Value::Object(args)).map_err(|e| TaskError::Args {
        action,
        message: e.to_string(),
    })
}

/// An unchanged, successful result.
fn ok(result: Map) -> Outcome {
    let mut result = result;
    result.insert("changed".into(), Value::Bool(false));
    Outcome::new(Status::Ok, result)
}

/// A value as a message: strings as they are, anything else as Python prints it.
fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => python_repr(other),
    }
}
