//! `assert`: every condition of `that` must hold.

use serde::Deserialize;
use troupe_modules::args::Bool;

use super::{ok, parse, text};
use crate::run::conditions::condition_holds;
use crate::{output::Outcome, run::step::Step, run::task_error::TaskError, Map, Value};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Args {
    that: Option<Value>,
    fail_msg: Option<Value>,
    msg: Option<Value>,
    success_msg: Option<Value>,
    quiet: Option<Bool>,
}

pub fn run(args: Map, step: &Step) -> Result<Outcome, TaskError> {
    let args: Args = parse("assert", args)?;
    let that: Vec<Value> = match args.that {
        Some(Value::Array(a)) => a,
        Some(v) => vec![v],
        None => return Ok(Outcome::failed("assert: 'that' is required")),
    };
    for cond in &that {
        if !condition_holds(step.run().templar(), cond, step.ctx())
            .map_err(TaskError::plain_template)?
        {
            let msg = args
                .fail_msg
                .as_ref()
                .or(args.msg.as_ref())
                .map(text)
                .unwrap_or_else(|| "Assertion failed".into());
            let mut o = Outcome::failed(msg);
            o.result.insert("assertion".into(), cond.clone());
            o.result.insert("evaluated_to".into(), Value::Bool(false));
            return Ok(o);
        }
    }
    let mut result = Map::new();
    if !args.quiet.is_some_and(|q| q.0) {
        let msg = args
            .success_msg
            .as_ref()
            .map(text)
            .unwrap_or_else(|| "All assertions passed".into());
        result.insert("msg".into(), Value::from(msg));
        // Shown without -v, as Ansible's default output shows a loud assert.
        result.insert(crate::output::VERBOSE_ALWAYS.into(), Value::Bool(true));
    }
    Ok(ok(result))
}
