//! `ansible_failed_task` and `ansible_failed_result`: a host's last failure, which Ansible
//! shows to the `rescue` section that handles it (and to every task after it).

use std::sync::Arc;

use serde_json::json;

use super::play::PlayRun;
use crate::{output::Outcome, playbook::Action, playbook::Task, Map, Value};

impl PlayRun {
    /// Remembers a host's failure, for a `rescue` that may follow.
    pub fn note_failure(&self, task: &Task, host: &str, outcome: &Outcome) {
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
        self.last_failure
            .lock()
            .unwrap()
            .insert(host.to_string(), failure);
    }

    /// Sets the failure variables of the hosts a `rescue` is about to run on.
    pub fn show_failures(&self, hosts: &[String]) {
        let mut failures = self.last_failure.lock().unwrap();
        for host in hosts {
            if let Some(failure) = failures.remove(host) {
                self.run.hosts.update(host, |s| {
                    Arc::make_mut(&mut s.host_facts).extend(failure.clone())
                });
            }
        }
    }
}
