//! `set_fact`: host facts for the rest of the run; with `cacheable: true` they are facts too,
//! kept in the persistent fact cache when one is configured.

use serde::Deserialize;
use troupe_modules::args::Bool;

use super::{ok, parse};
use crate::{output::Outcome, run::step::Step, run::task_error::TaskError, Map, Value};

#[derive(Deserialize)]
struct Args {
    cacheable: Option<Bool>,
    /// Every other key is a fact.
    #[serde(flatten)]
    facts: Map,
}

pub fn run(args: Map, step: &Step) -> Result<Outcome, TaskError> {
    let Args { facts, cacheable } = parse("set_fact", args)?;
    if let Some(bad) = facts.keys().find(|k| !is_identifier(k)) {
        return Err(TaskError::Args {
            action: "set_fact",
            message: format!(
                "The variable name '{bad}' is not valid: a name starts with a letter or an underscore and holds only letters, digits and underscores"
            ),
        });
    }
    let add = facts.clone();
    step.run()
        .vars()
        .update_host(step.host(), |s| s.set_facts(add));
    if cacheable.is_some_and(|b| b.0) {
        step.run().add_facts(step.host(), facts.clone());
    }
    Ok(ok(Map::from_iter([(
        "ansible_facts".to_string(),
        Value::Object(facts),
    )])))
}

/// A Python identifier, as Ansible requires of a fact's name.
fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
}
