//! `getent`: entries of a name service database (passwd, group, shadow, hosts, services...)
//! as facts: `getent_<database>` maps each entry's key to its other fields.

use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::helpers::args::Bool;
use crate::helpers::shell_text::quote;
use crate::{Context, Module, ModuleError, Query, Report};

pub struct Getent;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
    pub database: String,
    pub key: Option<String>,
    /// Field separator; `:` for the colon databases, else whitespace.
    pub split: Option<String>,
    pub service: Option<String>,
    #[serde(default = "yes_bool")]
    pub fail_key: Bool,
}

fn yes_bool() -> Bool {
    Bool(true)
}

/// The databases whose fields are separated by colons.
const COLON: &[&str] = &["passwd", "shadow", "group", "gshadow"];

impl Module for Getent {
    type Args = Args;
    type Change = ();
    const NAME: &'static str = "getent";
    const PATH_INFO: bool = false;

    fn query(&self, args: &Args, cx: &Context) -> Result<Query<()>, ModuleError> {
        let mut cmd = String::from("getent");
        if let Some(s) = &args.service {
            cmd.push_str(&format!(" -s {}", quote(s)));
        }
        cmd.push_str(&format!(" -- {}", quote(&args.database)));
        if let Some(k) = &args.key {
            cmd.push_str(&format!(" {}", quote(k)));
        }
        let out = cx.target.run(&cmd, None)?;
        let failure = match out.rc {
            0 => None,
            1 => Some("Missing arguments, or database unknown."),
            2 if args.key.is_some() && !args.fail_key.0 => None,
            2 => Some("One or more supplied key could not be found in the database."),
            3 => Some("Enumeration not supported on this database."),
            _ => Some("getent failed"),
        };
        if let Some(msg) = failure {
            return Ok(Query::unchanged(Report::ok().with("rc", out.rc).fail(msg)));
        }
        let colon = COLON.contains(&args.database.as_str());
        let split = args.split.clone().or(colon.then(|| ":".to_string()));
        let mut entries = Map::new();
        for line in out.stdout_str().lines().filter(|l| !l.is_empty()) {
            let fields: Vec<&str> = match &split {
                Some(sep) => line.split(sep.as_str()).collect(),
                None => line.split_whitespace().collect(),
            };
            let Some((first, rest)) = fields.split_first() else {
                continue;
            };
            let rest: Vec<Value> = rest.iter().map(|f| json!(f)).collect();
            // A repeated key (hosts with several names) keeps every entry, as Ansible does.
            match entries.get_mut(*first) {
                Some(Value::Array(old)) if !old.is_empty() && old[0].is_array() => {
                    old.push(Value::Array(rest))
                }
                Some(old) => *old = json!([old.clone(), rest]),
                None => {
                    entries.insert(first.to_string(), Value::Array(rest));
                }
            }
        }
        if let (Some(k), 2) = (&args.key, out.rc) {
            entries.insert(k.clone(), Value::Null);
        }
        let facts = Map::from_iter([(format!("getent_{}", args.database), Value::Object(entries))]);
        Ok(Query::unchanged(
            Report::ok().with("ansible_facts", Value::Object(facts)),
        ))
    }

    fn apply(&self, _: &Args, _: (), _: &Context) -> Result<Report, ModuleError> {
        Ok(Report::ok())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::testing::*;

    #[test]
    fn passwd_entries_by_key_and_a_missing_key() {
        let r = apply("getent", json!({"database": "passwd", "key": "root"}));
        let root = &field(&r, "ansible_facts")["getent_passwd"]["root"];
        assert_eq!(root[1], "0");
        assert_eq!(root[4], "/root");
        let missing = run_module(
            &LocalTarget::new(),
            "getent",
            json!({"database": "passwd", "key": "no-such-user-troupe"}),
            false,
            false,
        )
        .unwrap();
        assert_eq!(
            missing.failed.as_deref(),
            Some("One or more supplied key could not be found in the database.")
        );
    }
}
