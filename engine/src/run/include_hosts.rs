//! What an include does on each host before its tasks run: which file or role the host
//! names (per loop item, under the include's `when`), where a tasks file is found, the
//! include's header, and how its outcome is printed and counted.

use std::path::{Path, PathBuf};

use super::{
    conditions::all_hold, inherited::Inherited, play_context::PlayContext, task_error::TaskError,
    task_runner::TaskRunner,
};
use crate::{
    output::{Outcome, Status},
    playbook::{Action, Task},
    Map, Value,
};

/// The per-host side of `include_tasks` and `include_role`.
pub struct IncludeHosts<'a> {
    play: &'a PlayContext,
    runner: &'a TaskRunner,
}

impl<'a> IncludeHosts<'a> {
    pub fn new(play: &'a PlayContext, runner: &'a TaskRunner) -> Self {
        IncludeHosts { play, runner }
    }

    /// The header of an include, as Ansible prints it for any task.
    pub fn header(&self, task: &Task) {
        let name = match (&task.name, &task.action) {
            (Some(n), _) => n.clone(),
            (None, Action::IncludeRole { args }) => {
                let role = args.get("name").or_else(|| args.get("role"));
                let role = role.and_then(Value::as_str).unwrap_or_default();
                format!("include_role : {role}")
            }
            (None, _) => "include_tasks".to_string(),
        };
        let name = match &task.role {
            Some(role) => format!("{} : {name}", role.name),
            None => name,
        };
        self.play.run().printer().task(&name, false);
    }

    /// A host for which an include names nothing (a false `when`, an empty loop) skips it.
    pub fn skipped_if_none<T>(&self, host: &str, targets: &[T]) {
        if targets.is_empty() {
            self.play
                .record(host, &Outcome::skipped("Conditional result was False"));
        }
    }

    /// Each host (per loop item) whose include loaded counts it as ok, as in Ansible's recap.
    pub fn loaded(&self, members: &[(String, Map)]) {
        let ok = Outcome::new(Status::Ok, Map::new());
        for (host, _) in members {
            self.play.run().recap().count(host, &ok);
        }
    }

    /// An include that failed on a host (for one loop item): printed each time, counted once
    /// per host, as the host fails once.
    pub fn failed(&self, host: &str, msg: String, failed: &mut Vec<String>) {
        let outcome = Outcome::failed(msg);
        if failed.iter().any(|h| h == host) {
            self.play.run().printer().result(host, &outcome, false);
        } else {
            self.play.record(host, &outcome);
            failed.push(host.to_string());
        }
    }

    /// For an include on one host: (loop variables, resolved path) per loop item, or one
    /// entry without a loop; nothing when `when` is false.
    pub fn targets<T>(
        &self,
        task: &Task,
        host: &str,
        gate: &Inherited,
        resolve: impl Fn(&str) -> Result<T, TaskError>,
    ) -> Vec<(Map, Result<T, TaskError>)> {
        let items = match self.runner.loop_items(task, host, gate) {
            Ok(Some(items)) => items,
            Ok(None) => return Vec::new(),
            Err(e @ TaskError::Loop(_)) => return vec![(Map::new(), Err(e.in_task(task)))],
            Err(e) => return vec![(Map::new(), Err(e))],
        };
        let templar = self.play.run().templar();
        let mut out = Vec::new();
        for extra in items {
            let ctx = self.play.scope(host, gate, extra.clone()).into_context();
            match all_hold(templar, &gate.when, &ctx) {
                Ok(false) => continue,
                Err(e) => {
                    out.push((extra, Err(e)));
                    continue;
                }
                Ok(true) => {}
            }
            let name = match &task.action {
                Action::IncludeTasks { file, .. } => templar.render_value(file, &ctx),
                Action::IncludeRole { args } => {
                    templar.render_value(&Value::Object(args.clone()), &ctx)
                }
                _ => Ok(Value::Null),
            };
            let resolved = match name {
                Ok(Value::String(s)) => resolve(&s),
                Ok(Value::Object(m)) => resolve(&serde_json::to_string(&m).unwrap_or_default()),
                Ok(other) => resolve(&other.to_string()),
                Err(e) => Err(TaskError::plain_template(e).in_task(task)),
            };
            out.push((extra, resolved));
        }
        out
    }

    pub fn tasks_file(&self, task: &Task, name: &str) -> Result<PathBuf, TaskError> {
        let rel = Path::new(name);
        let mut candidates = Vec::new();
        if rel.is_absolute() {
            candidates.push(rel.to_path_buf());
        }
        if let Some(dir) = task.origin.file.parent() {
            candidates.push(dir.join(rel));
        }
        if let Some(role) = &task.role {
            candidates.push(role.path.join("tasks").join(rel));
        }
        candidates.push(self.play.play().dir.join(rel));
        candidates
            .iter()
            .find(|p| p.is_file())
            .cloned()
            .ok_or_else(|| TaskError::IncludeNotFound {
                origin: task.origin.clone(),
                name: name.to_string(),
            })
    }
}
