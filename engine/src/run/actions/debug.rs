//! `debug`: prints a message or a variable's value.

use serde::Deserialize;
use troupe_modules::args::Int;

use super::{ok, parse, text};
use crate::{
    output::Outcome, run::step::Step, run::task_error::TaskError, vars::RECURSIVE_LOOP, Map, Value,
};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Args {
    msg: Option<Value>,
    var: Option<Value>,
    verbosity: Option<Int>,
}

pub fn run(args: Map, step: &Step) -> Result<Outcome, TaskError> {
    let args: Args = parse("debug", args)?;
    let verbosity = args.verbosity.map_or(0, |v| v.0);
    if verbosity > i64::from(step.run().printer().verbosity()) {
        return Ok(Outcome::skipped("Verbosity threshold not met."));
    }
    let mut result = Map::new();
    if let Some(var) = &args.var {
        let expr = text(var);
        let templar = step.run().templar();
        let value = match templar.eval(&expr, step.ctx()) {
            Ok(Value::Null) if !is_defined(&expr, step) => Value::from("VARIABLE IS NOT DEFINED!"),
            Ok(v) => v,
            // A variable defined through itself fails, as in Ansible; any other error
            // reads as undefined.
            Err(error) => match crate::vars::nested_error() {
                Some(n) if n.starts_with(RECURSIVE_LOOP) => {
                    return Err(TaskError::Template {
                        error,
                        nested: Some(n),
                    })
                }
                _ => Value::from("VARIABLE IS NOT DEFINED!"),
            },
        };
        result.insert(expr, value);
    } else {
        let msg = args.msg.unwrap_or_else(|| Value::from("Hello world!"));
        result.insert("msg".into(), msg);
    }
    Ok(ok(result))
}

fn is_defined(expr: &str, step: &Step) -> bool {
    step.run()
        .templar()
        .eval(&format!("({expr}) is defined"), step.ctx())
        .ok()
        == Some(Value::Bool(true))
}
