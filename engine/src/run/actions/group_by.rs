//! `group_by`: the host joins the group named by `key` (and its `parents`).

use serde::Deserialize;

use super::{ok, parse, text};
use crate::{
    output::Outcome,
    run::{step::Step, task_error::TaskError},
    Map, Value,
};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Args {
    key: Option<Value>,
    parents: Option<Value>,
}

pub fn run(args: Map, step: &Step) -> Result<Outcome, TaskError> {
    let args: Args = parse("group_by", args)?;
    let Some(key) = args.key.as_ref().map(text) else {
        return Ok(Outcome::failed("group_by: 'key' is required"));
    };
    let mut groups = vec![key.clone()];
    if let Some(Value::Array(parents)) = &args.parents {
        groups.extend(parents.iter().map(text));
    }
    step.run().vars().add_to_groups(step.host(), &groups);
    Ok(ok(Map::from_iter([(
        "add_group".to_string(),
        Value::from(key),
    )])))
}
