//! `setup` / `gather_facts`, and the play's own fact gathering: one script per host, facts
//! stored as the host's facts.

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

/// The host's `ansible_python_interpreter`, rendered, if it has one.
fn interpreter(play: &PlayContext, host: &str) -> Option<String> {
    let scope = play.scope(host, play.top(), Map::new());
    let raw = scope.raw("ansible_python_interpreter")?.clone();
    let rendered = play
        .run()
        .templar()
        .render_value(&raw, &scope.into_context())
        .ok()?;
    rendered.as_str().map(str::to_string)
}

/// Runs fact gathering on one host and stores the facts.
pub fn gather(play: &PlayContext, host: &str) -> Outcome {
    let target = match host_connection::target_for(play, host, host, play.top(), None) {
        Ok(t) => t,
        Err(o) => return *o,
    };
    let run = play.run();
    let python = interpreter(play, host);
    match facts::gather(target.as_ref(), python.as_deref()) {
        Ok(f) => {
            run.add_facts(host, f);
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
