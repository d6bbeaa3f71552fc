//! `add_host`: a host joins the inventory for the rest of the run; keys other than its name
//! and groups become its variables.

use serde::Deserialize;
use serde_json::json;

use super::{parse, text};
use crate::{
    output::{Outcome, Status},
    run::{step::Step, task_error::TaskError},
    Map, Value,
};

#[derive(Deserialize)]
struct Args {
    #[serde(alias = "hostname", alias = "host")]
    name: Option<Value>,
    #[serde(alias = "group", alias = "groupname")]
    groups: Option<Value>,
    /// Every other key is a variable of the host.
    #[serde(flatten)]
    vars: Map,
}

pub fn run(args: Map, step: &Step) -> Result<Outcome, TaskError> {
    let args: Args = parse("add_host", args)?;
    let Some(name) = args.name.as_ref().map(text) else {
        return Ok(Outcome::failed("add_host: 'name' is required"));
    };
    let groups: Vec<String> = match args.groups {
        Some(Value::Array(a)) => a.iter().map(text).collect(),
        Some(Value::String(s)) => s
            .split(',')
            .map(|g| g.trim().to_string())
            .filter(|g| !g.is_empty())
            .collect(),
        _ => Vec::new(),
    };
    step.run()
        .vars()
        .add_host(&name, &groups, args.vars.clone());
    let mut o = Outcome::new(Status::Changed, Map::new());
    o.result.insert(
        "add_host".into(),
        json!({"host_name": name, "groups": groups, "host_vars": args.vars}),
    );
    o.result.insert("changed".into(), Value::Bool(true));
    Ok(o)
}
