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
    let facts = if legacy_strings() {
        facts
            .into_iter()
            .map(|(k, v)| (k, legacy_bool(v)))
            .collect()
    } else {
        facts
    };
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

/// `ANSIBLE_JINJA2_NATIVE` set false: the templating of older Ansible, whose set_fact made
/// booleans of the strings true/false/yes/no. Unset, troupe templates natively, as
/// ansible-core 2.19 always does.
fn legacy_strings() -> bool {
    std::env::var("ANSIBLE_JINJA2_NATIVE")
        .ok()
        .and_then(|v| troupe_modules::args::boolean(&Value::from(v)))
        == Some(false)
}

fn legacy_bool(v: Value) -> Value {
    match &v {
        Value::String(s) => match s.to_ascii_lowercase().as_str() {
            "true" | "yes" => Value::Bool(true),
            "false" | "no" => Value::Bool(false),
            _ => v,
        },
        _ => v,
    }
}

/// A Python identifier, as Ansible requires of a fact's name.
fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
}
