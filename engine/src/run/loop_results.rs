//! The result of a task's loop on a host, made of the results of its items.

use crate::{
    output::{Outcome, Status},
    Map, Value,
};

/// The result of a loop: `results` per item; failed if any item failed, changed if any changed.
pub fn aggregate(items: Vec<Outcome>, no_log: bool) -> Outcome {
    if items.is_empty() {
        // Ansible skips a task whose loop has no items.
        let mut o = Outcome::new(Status::Skipped, Map::new());
        o.result.insert("changed".into(), Value::Bool(false));
        o.result.insert("skipped".into(), Value::Bool(true));
        o.result
            .insert("skipped_reason".into(), Value::from("No items in the list"));
        o.result.insert("results".into(), Value::Array(Vec::new()));
        return o;
    }
    let any = |s: Status| items.iter().any(|o| o.status == s && !o.ignored);
    let failed = any(Status::Failed);
    let unreachable = any(Status::Unreachable);
    let changed = items.iter().any(|o| {
        o.status == Status::Changed
            || o.result.get("changed").and_then(Value::as_bool) == Some(true)
    });
    let all_skipped = !items.is_empty() && items.iter().all(|o| o.status == Status::Skipped);
    let status = if unreachable {
        Status::Unreachable
    } else if failed {
        Status::Failed
    } else if all_skipped {
        Status::Skipped
    } else if changed {
        Status::Changed
    } else {
        Status::Ok
    };
    let mut result = Map::new();
    result.insert("changed".into(), Value::Bool(changed));
    result.insert(
        "msg".into(),
        Value::from(if failed {
            "One or more items failed"
        } else {
            "All items completed"
        }),
    );
    if failed {
        result.insert("failed".into(), Value::Bool(true));
    }
    if all_skipped {
        result.insert("skipped".into(), Value::Bool(true));
    }
    let ignored = items.iter().any(|o| o.ignored) && !failed;
    result.insert(
        "results".into(),
        Value::Array(items.into_iter().map(|o| Value::Object(o.result)).collect()),
    );
    let mut o = Outcome::new(status, result);
    o.ignored = ignored && status == Status::Failed;
    o.censored = no_log;
    o
}
