//! `set_fact`: host facts for the rest of the run (`cacheable` is accepted and ignored).

use std::sync::Arc;

use serde::Deserialize;
use troupe_modules::args::Bool;

use super::{ok, parse};
use crate::{output::Outcome, run::step::Step, run::task_error::TaskError, Map, Value};

#[derive(Deserialize)]
struct Args {
    #[serde(rename = "cacheable")]
    _cacheable: Option<Bool>,
    /// Every other key is a fact.
    #[serde(flatten)]
    facts: Map,
}

pub fn run(args: Map, step: &Step) -> Result<Outcome, TaskError> {
    let Args { facts, .. } = parse("set_fact", args)?;
    let add = facts.clone();
    step.run().vars().update_host(step.host(), |s| {
        Arc::make_mut(&mut s.host_facts).extend(add);
    });
    Ok(ok(Map::from_iter([(
        "ansible_facts".to_string(),
        Value::Object(facts),
    )])))
}
