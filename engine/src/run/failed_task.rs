//! `ansible_failed_task` and `ansible_failed_result`: a host's last failure, which Ansible
//! shows to the `rescue` section that handles it (and to every task after it).

use std::{collections::HashMap, sync::Mutex};

use serde_json::json;

use crate::{output::Outcome, playbook::Action, playbook::Task, Map, Value};

/// Each failed host's failure variables, until a rescue takes them.
#[derive(Default)]
pub struct LastFailures {
    by_host: Mutex<HashMap<String, Map>>,
}

impl LastFailures {
    /// Remembers a host's failure, for a `rescue` that may follow.
    pub fn note(&self, task: &Task, host: &str, outcome: &Outcome) {
        let (action, args) = match &task.action {
            Action::Module { name, args } => (name.as_str(), Value::Object(args.clone())),
            Action::IncludeTasks { file, .. } => ("include_tasks", json!({ "_raw_params": file })),
            Action::IncludeRole { args } => ("include_role", Value::Object(args.clone())),
            Action::Meta(what) => ("meta", json!({ "_raw_params": what })),
            Action::Block { .. } => ("block", json!({})),
        };
        let failed_task = json!({
            "name": task.name.clone().unwrap_or_default(),
            "action": action,
            "args": args,
        });
        let failure = Map::from_iter([
            ("ansible_failed_task".to_string(), failed_task),
            (
                "ansible_failed_result".to_string(),
                Value::Object(outcome.registered()),
            ),
        ]);
        self.by_host
            .lock()
            .unwrap()
            .insert(host.to_string(), failure);
    }

    /// The failure variables of `host`, taken for the `rescue` about to run on it.
    pub fn take(&self, host: &str) -> Option<Map> {
        self.by_host.lock().unwrap().remove(host)
    }
}
