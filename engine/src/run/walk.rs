//! Walking a task list over a set of hosts: blocks with rescue/always, includes loaded at
//! run time, `meta`, and `--start-at-task`.

use std::{sync::atomic::Ordering, sync::Arc};

use indexmap::IndexMap;

use super::{
    inherited::Inherited,
    play::{HostEnd, PlayRun},
};
use crate::{
    output::Outcome,
    playbook::{load_role, load_tasks_file, Action, Keywords, RoleFrom, Task},
    Map, Value,
};

impl PlayRun {
    /// Runs `tasks` in order on `hosts` (the linear strategy; `free` calls it per host).
    pub fn run_tasks(self: &Arc<Self>, tasks: &[Task], hosts: &[String], inh: &Inherited) {
        for task in tasks {
            if self.end_play.load(Ordering::SeqCst) {
                return;
            }
            let hosts = self.active(hosts);
            if hosts.is_empty() {
                return;
            }
            match &task.action {
                Action::Block {
                    block,
                    rescue,
                    always,
                } => self.run_block(task, block, rescue, always, &hosts, inh),
                Action::IncludeTasks { apply, .. } => {
                    self.run_include_tasks(task, apply.as_deref(), &hosts, inh)
                }
                Action::IncludeRole { .. } => self.run_include_role(task, &hosts, inh),
                Action::Meta(what) => self.run_meta(task, what, &hosts, inh),
                Action::Module { .. } => self.run_task(task, &hosts, inh, false),
            }
        }
    }

    fn run_block(
        self: &Arc<Self>,
        task: &Task,
        block: &[Task],
        rescue: &[Task],
        always: &[Task],
        hosts: &[String],
        inh: &Inherited,
    ) {
        let mut inner = inh.child(&task.kw, task.role.as_ref());
        inner.notify.extend(task.notify.iter().cloned());
        self.run_tasks(block, hosts, &inner);
        let failed: Vec<String> = hosts
            .iter()
            .filter(|h| self.ended_as(h) == Some(HostEnd::Failed))
            .cloned()
            .collect();
        if !rescue.is_empty() && !failed.is_empty() {
            for h in &failed {
                self.rescue_host(h);
            }
            self.show_failures(&failed);
            self.run_tasks(rescue, &failed, &inner);
            for h in &failed {
                if self.ended_as(h).is_none() {
                    self.run.recap.rescued(h);
                }
            }
        }
        if always.is_empty() {
            return;
        }
        // `always` runs on hosts that failed in the block too; they stay failed afterwards.
        let still_failed: Vec<String> = hosts
            .iter()
            .filter(|h| self.ended_as(h) == Some(HostEnd::Failed))
            .cloned()
            .collect();
        for h in &still_failed {
            self.rescue_host(h);
        }
        let targets: Vec<String> = hosts
            .iter()
            .filter(|h| self.ended_as(h).is_none())
            .cloned()
            .collect();
        self.run_tasks(always, &targets, &inner);
        for h in still_failed {
            self.end_host(&h, HostEnd::Failed);
        }
    }

    /// Whether a task is left out by `--tags`/`--skip-tags` or `--start-at-task`.
    pub fn filtered_out(&self, task: &Task, tags: &[String]) -> bool {
        if !self.run.opts.tags.selects(tags) {
            return true;
        }
        if self.run.seeking_start.load(Ordering::SeqCst) {
            let wanted = self.run.opts.start_at_task.as_deref().unwrap_or_default();
            if task.name.as_deref() == Some(wanted) {
                self.run.seeking_start.store(false, Ordering::SeqCst);
            } else {
                return true;
            }
        }
        false
    }

    /// Tags an include's own task has: inherited ones plus its own (not passed to what it includes).
    fn own_tags(inh: &Inherited, kw: &Keywords) -> Vec<String> {
        let mut tags = inh.tags.clone();
        tags.extend(kw.tags.iter().cloned());
        tags
    }

    /// `include_tasks`: the file is named per host; hosts naming the same file run it together.
    fn run_include_tasks(
        self: &Arc<Self>,
        task: &Task,
        apply: Option<&Keywords>,
        hosts: &[String],
        inh: &Inherited,
    ) {
        if self.filtered_out(task, &Self::own_tags(inh, &task.kw)) {
            return;
        }
        // The include's own keywords (when, tags) gate the include; its vars reach the tasks.
        let mut own = task.kw.clone();
        own.tags.clear();
        let gate = inh.child(&own, task.role.as_ref());
        let mut groups: IndexMap<std::path::PathBuf, Vec<(String, Map)>> = IndexMap::new();
        for host in hosts {
            for (extra, path) in
                self.include_targets(task, host, &gate, |name| self.include_path(task, name))
            {
                match path {
                    Ok(p) => groups.entry(p).or_default().push((host.clone(), extra)),
                    Err(msg) => self.record(host, &Outcome::failed(msg)),
                }
            }
        }
        let mut child = inh.child(
            &Keywords {
                vars: task.kw.vars.clone(),
                ..Keywords::default()
            },
            task.role.as_ref(),
        );
        if let Some(apply) = apply {
            child = child.child(apply, None);
        }
        for (path, members) in groups {
            let names: Vec<String> = members.iter().map(|(h, _)| h.clone()).collect();
            self.run.printer.listing(&format!(
                "included: {} for {}",
                path.display(),
                names.join(", ")
            ));
            match load_tasks_file(&path, task.role.clone(), &self.run.opts.load) {
                Ok(tasks) => self.run_with_items(&tasks, &members, &child),
                Err(e) => {
                    for h in &names {
                        self.record(h, &Outcome::failed(e.to_string()));
                    }
                }
            }
        }
    }

    /// Runs included tasks; hosts whose include came with loop items run once per item.
    fn run_with_items(
        self: &Arc<Self>,
        tasks: &[Task],
        members: &[(String, Map)],
        child: &Inherited,
    ) {
        let mut by_item: IndexMap<String, (Map, Vec<String>)> = IndexMap::new();
        for (host, extra) in members {
            let key = serde_json::to_string(extra).unwrap_or_default();
            by_item
                .entry(key)
                .or_insert_with(|| (extra.clone(), Vec::new()))
                .1
                .push(host.clone());
        }
        for (_, (extra, hosts)) in by_item {
            if extra.is_empty() {
                self.run_tasks(tasks, &hosts, child);
            } else {
                let mut vars = (*child.vars).clone();
                vars.extend(extra);
                let with_item = Inherited {
                    vars: Arc::new(vars),
                    ..child.clone()
                };
                self.run_tasks(tasks, &hosts, &with_item);
            }
        }
    }

    /// For an include on one host: (loop variables, resolved path) per loop item, or one
    /// entry without a loop; nothing when `when` is false.
    fn include_targets<T>(
        self: &Arc<Self>,
        task: &Task,
        host: &str,
        gate: &Inherited,
        resolve: impl Fn(&str) -> Result<T, String>,
    ) -> Vec<(Map, Result<T, String>)> {
        let items = match self.loop_extras(task, host, gate) {
            Ok(Some(items)) => items,
            Ok(None) => return Vec::new(),
            Err(msg) => return vec![(Map::new(), Err(msg))],
        };
        let mut out = Vec::new();
        for extra in items {
            let scope = self.scope(host, gate, extra.clone());
            let ctx = scope.into_context();
            match self.conditions_hold(&gate.when, &ctx) {
                Ok(false) => continue,
                Err(e) => {
                    out.push((extra, Err(e)));
                    continue;
                }
                Ok(true) => {}
            }
            let name = match &task.action {
                Action::IncludeTasks { file, .. } => self.run.templar.render_value(file, &ctx),
                Action::IncludeRole { args } => self
                    .run
                    .templar
                    .render_value(&Value::Object(args.clone()), &ctx),
                _ => Ok(Value::Null),
            };
            let resolved = match name {
                Ok(Value::String(s)) => resolve(&s),
                Ok(Value::Object(m)) => resolve(&serde_json::to_string(&m).unwrap_or_default()),
                Ok(other) => resolve(&other.to_string()),
                Err(e) => Err(self.describe_error(task, &e.to_string())),
            };
            out.push((extra, resolved));
        }
        out
    }

    fn include_path(&self, task: &Task, name: &str) -> Result<std::path::PathBuf, String> {
        let rel = std::path::Path::new(name);
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
        candidates.push(self.play.dir.join(rel));
        candidates
            .iter()
            .find(|p| p.is_file())
            .cloned()
            .ok_or_else(|| format!("{}: could not find included file '{name}'", task.origin))
    }

    /// `include_role`: loaded at run time; its handlers join the play's.
    fn run_include_role(self: &Arc<Self>, task: &Task, hosts: &[String], inh: &Inherited) {
        if self.filtered_out(task, &Self::own_tags(inh, &task.kw)) {
            return;
        }
        let mut own = task.kw.clone();
        own.tags.clear();
        let gate = inh.child(&own, task.role.as_ref());
        let mut groups: IndexMap<String, (Map, Vec<(String, Map)>)> = IndexMap::new();
        for host in hosts {
            for (extra, rendered) in self.include_targets(task, host, &gate, |json| {
                serde_json::from_str::<Map>(json).map_err(|e| e.to_string())
            }) {
                match rendered {
                    Ok(m) => {
                        let key = serde_json::to_string(&m).unwrap_or_default();
                        groups
                            .entry(key)
                            .or_insert_with(|| (m, Vec::new()))
                            .1
                            .push((host.clone(), extra));
                    }
                    Err(msg) => self.record(host, &Outcome::failed(msg)),
                }
            }
        }
        for (_, (spec, members)) in groups {
            let s = |k: &str| spec.get(k).and_then(Value::as_str).map(str::to_string);
            let Some(name) = s("name").or_else(|| s("role")) else {
                for (h, _) in &members {
                    self.record(
                        h,
                        &Outcome::failed(format!("{}: include_role needs a name", task.origin)),
                    );
                }
                continue;
            };
            let from = RoleFrom {
                tasks_from: s("tasks_from"),
                vars_from: s("vars_from"),
                defaults_from: s("defaults_from"),
                handlers_from: s("handlers_from"),
            };
            match load_role(&name, &from, &self.play.dir, &self.run.opts.load) {
                Ok(loaded) => {
                    self.handlers.add(loaded.handlers);
                    let mut kw = Keywords {
                        vars: task.kw.vars.clone(),
                        ..Keywords::default()
                    };
                    if let Some(Value::Object(apply)) = spec.get("apply") {
                        if let Some(Value::Array(t)) = apply.get("tags") {
                            kw.tags = t
                                .iter()
                                .filter_map(|v| v.as_str().map(str::to_string))
                                .collect();
                        }
                    }
                    let child = inh.child(&kw, Some(&loaded.role));
                    self.run_with_items(&loaded.tasks, &members, &child);
                }
                Err(e) => {
                    for (h, _) in &members {
                        self.record(h, &Outcome::failed(e.to_string()));
                    }
                }
            }
        }
    }

    fn run_meta(self: &Arc<Self>, task: &Task, what: &str, hosts: &[String], inh: &Inherited) {
        let tags = Self::own_tags(inh, &task.kw);
        if self.filtered_out(task, &tags) {
            return;
        }
        match what {
            "flush_handlers" => self.flush_handlers(hosts),
            "end_play" => self.end_play.store(true, Ordering::SeqCst),
            "end_host" => {
                for h in hosts {
                    self.end_host(h, HostEnd::Ended);
                }
            }
            "clear_host_errors" => {
                let batch = self.batch.read().unwrap().clone();
                for h in batch {
                    self.rescue_host(&h);
                }
            }
            "clear_facts" => {
                for h in hosts {
                    self.run.hosts.update(h, |s| s.facts = Arc::default());
                }
            }
            "reset_connection" => {
                for h in hosts {
                    self.run.forget_connection(h);
                }
            }
            "refresh_inventory" | "noop" | "end_batch" => {}
            other => {
                for h in hosts {
                    self.record(
                        h,
                        &Outcome::failed(format!("{}: unknown meta action '{other}'", task.origin)),
                    );
                }
            }
        }
    }
}
