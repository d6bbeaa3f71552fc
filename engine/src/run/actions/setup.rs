//! `setup` / `gather_facts`, and the play's own fact gathering: one script per host, facts
//! stored as the host's facts.

use std::sync::Arc;

use serde::Deserialize;

use super::parse;
use crate::{
    output::{Outcome, Status},
    run::{facts, host_connection, play_context::PlayContext, step::Step, task_error::TaskError},
    Map, Value,
};

/// Options Ansible's fact gathering takes; troupe gathers its one set of facts regardless.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Args {
    gather_subset: Option<Value>,
    gather_timeout: Option<Value>,
    filter: Option<Value>,
    fact_path: Option<Value>,
    parallel: Option<Value>,
}

pub fn run(name: &str, args: Map, step: &Step) -> Result<Outcome, TaskError> {
    let action = if name == "setup" {
        "setup"
    } else {
        "gather_facts"
    };
    let _: Args = parse(action, args)?;
    Ok(gather(step.play(), step.host()))
}

/// Runs fact gathering on one host and stores the facts.
pub fn gather(play: &PlayContext, host: &str) -> Outcome {
    let target = match host_connection::target_for(play, host, host, play.top(), None) {
        Ok(t) => t,
        Err(o) => return *o,
    };
    let run = play.run();
    match facts::gather(target.as_ref()) {
        Ok(f) => {
            run.vars().update_host(host, |s| {
                let mut merged = (*s.facts).clone();
                merged.extend(f.clone());
                s.facts = Arc::new(merged);
            });
            let mut result = Map::new();
            result.insert("changed".into(), Value::Bool(false));
            Outcome::new(Status::Ok, result)
        }
        Err(e) => {
            run.connections().forget(host);
            Outcome::unreachable(e.to_string())
        }
    }
}
