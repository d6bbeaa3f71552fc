//! Walking a task list over a set of hosts: blocks with rescue/always, includes loaded at
//! run time, `meta`, handler flushes. Each task proper goes to the [`TaskRunner`].

use std::{path::PathBuf, sync::Arc};

use indexmap::IndexMap;

use super::{
    actions::meta::Meta, conditions::all_hold, host_status::HostEnd, include_hosts::IncludeHosts,
    inherited::Inherited, play_context::PlayContext, task_runner::TaskRunner,
};
use crate::{
    output::Outcome,
    playbook::{load_role, load_tasks_file, Action, Apply, Keywords, RoleFrom, Task},
    Map, Value,
};

/// Walks the task lists of one play.
pub struct Walker {
    play: Arc<PlayContext>,
    runner: TaskRunner,
}

impl Walker {
    pub fn new(play: Arc<PlayContext>) -> Self {
        Walker {
            runner: TaskRunner::new(play.clone()),
            play,
        }
    }

    /// Runs `tasks` in order on `hosts` (the linear strategy; `free` calls it per host).
    pub fn run_tasks(&self, tasks: &[Task], hosts: &[String], inh: &Inherited) {
        for task in tasks {
            if self.play.status().play_ended() {
                return;
            }
            let hosts = self.play.status().active(hosts);
            if hosts.is_empty() {
                return;
            }
            match &task.action {
                Action::Block {
                    block,
                    rescue,
                    always,
                } => self.run_block(task, [block, rescue, always], &hosts, inh),
                Action::IncludeTasks { apply, .. } => {
                    self.run_include_tasks(task, apply.as_deref(), &hosts, inh)
                }
                Action::IncludeRole { .. } => self.run_include_role(task, &hosts, inh),
                Action::Meta(what) => self.run_meta(task, what, &hosts, inh),
                Action::Module { .. } => self.runner.run_task(task, &hosts, inh, false),
            }
        }
    }

    /// Runs the notified handlers on `batch` (all of it but the unreachable with
    /// `force_handlers`, else the hosts still taking part).
    pub fn flush_handlers(&self, batch: &[String]) {
        let play = &self.play;
        let status = play.status();
        let forced = match &play.play().force_handlers {
            Some(v) => troupe_modules::args::boolean(v).unwrap_or(false),
            None => play.run().opts().force_handlers,
        };
        // Forced handlers run on failed hosts too, never on unreachable ones.
        let takes_part = |hosts: &[String]| -> Vec<String> {
            if forced {
                hosts
                    .iter()
                    .filter(|h| status.ended_as(h) != Some(HostEnd::Unreachable))
                    .cloned()
                    .collect()
            } else {
                status.active(hosts)
            }
        };
        let hosts = takes_part(batch);
        let warned = std::cell::RefCell::new(std::collections::HashSet::new());
        let name_of = |name: &str| -> String {
            let Some(first) = hosts.first() else {
                return name.to_string();
            };
            let ctx = play.scope(first, play.top(), Map::new()).into_context();
            match play.run().templar().render_str(name, &ctx) {
                Ok(Value::String(s)) => s,
                Ok(other) => other.to_string(),
                // Ansible's warning; the handler answers only to its listen topics.
                Err(e) => {
                    if warned.borrow_mut().insert(name.to_string()) {
                        play.run().printer().warning(&format!(
                            "Handler '{name}' is unusable because it has no listen topics and the name could not be templated (host-specific variables are not supported in handler names). The error: {e}"
                        ));
                    }
                    name.to_string()
                }
            }
        };
        let unanswered = play.handlers().flush(&hosts, name_of, |handler, notified| {
            let targets = takes_part(notified);
            if targets.is_empty() {
                return;
            }
            // A handler may include a tasks file, as with Ansible.
            match &handler.action {
                Action::IncludeTasks { apply, .. } => {
                    self.run_include_tasks(handler, apply.as_deref(), &targets, play.top())
                }
                Action::Meta(what) => {
                    let name = handler.name.as_deref().unwrap_or("meta");
                    play.run().printer().task(name, true);
                    self.run_meta(handler, what, &targets, play.top())
                }
                // As Ansible refuses it: the hosts fail.
                Action::IncludeRole { .. } => self.fail_hosts(
                    "Using 'include_role' as a handler is not supported.",
                    &targets,
                ),
                _ => self.runner.run_task(handler, &targets, play.top(), true),
            }
        });
        // Ansible's error (with its default `error_on_missing_handler`): the host fails.
        for (h, name) in unanswered {
            if play.run().opts().warn_on_missing_handler {
                play.run().printer().warning(&format!(
                    "the handler '{name}' notified on {h} was not found"
                ));
                continue;
            }
            self.fail_hosts(
                &format!("The requested handler '{name}' was not found in either the main handlers list nor in the listening handlers list"),
                &[h],
            );
        }
    }

    /// Ends `hosts` as failed with an error Ansible prints as `ERROR!` (not a task result).
    fn fail_hosts(&self, msg: &str, hosts: &[String]) {
        let play = &self.play;
        play.run().printer().fatal(msg);
        for h in hosts {
            play.run().recap().count(h, &Outcome::failed(msg));
            play.status().end_host(h, HostEnd::Failed);
        }
    }

    fn run_block(
        &self,
        task: &Task,
        [block, rescue, always]: [&Vec<Task>; 3],
        hosts: &[String],
        inh: &Inherited,
    ) {
        let status = self.play.status();
        let mut inner = inh.child(&task.kw, task.role.as_ref());
        inner.notify.extend(task.notify.iter().cloned());
        self.run_tasks(block, hosts, &inner);
        let failed_now = || -> Vec<String> {
            hosts
                .iter()
                .filter(|h| status.ended_as(h) == Some(HostEnd::Failed))
                .cloned()
                .collect()
        };
        let failed = failed_now();
        if !rescue.is_empty() && !failed.is_empty() {
            for h in &failed {
                status.rescue_host(h);
            }
            // As Ansible, a failure that goes to a rescue counts as rescued at once, whatever
            // the rescue does; a host failed only by `any_errors_fatal` counts neither.
            for h in self.play.show_failures(&failed) {
                self.play.run().recap().rescued(&h);
            }
            self.run_tasks(rescue, &failed, &inner);
        }
        if always.is_empty() {
            return;
        }
        // `always` runs on hosts that failed in the block too; they stay failed afterwards.
        let still_failed = failed_now();
        for h in &still_failed {
            status.rescue_host(h);
        }
        let targets: Vec<String> = hosts
            .iter()
            .filter(|h| status.ended_as(h).is_none())
            .cloned()
            .collect();
        let clears = status.clears();
        self.run_tasks(always, &targets, &inner);
        // `meta: clear_host_errors` in the always section forgives the block's failures.
        if status.clears() == clears {
            for h in still_failed {
                status.end_host(&h, HostEnd::Failed);
            }
        }
    }

    /// Whether an include or `meta` is left out: by its inherited tags plus its own (which
    /// are not passed to what it includes).
    fn skips_own(&self, task: &Task, inh: &Inherited) -> bool {
        let mut tags = inh.tags.clone();
        tags.extend(task.kw.tags.iter().cloned());
        self.play.run().skips(task, &tags)
    }

    /// The include's own keywords (when, tags) gate the include; its vars reach the tasks.
    fn gate(task: &Task, inh: &Inherited) -> Inherited {
        let mut own = task.kw.clone();
        own.tags.clear();
        inh.child(&own, task.role.as_ref())
    }

    /// The hosts for which a `meta` task's `when` holds; the others are shown skipped (not
    /// counted, as in Ansible), and a condition that fails to render fails its host.
    fn hosts_where_true(&self, task: &Task, hosts: &[String], inh: &Inherited) -> Vec<String> {
        let gate = Self::gate(task, inh);
        if gate.when.is_empty() {
            return hosts.to_vec();
        }
        let run = self.play.run();
        let mut shown = false;
        let mut kept = Vec::new();
        for h in hosts {
            let ctx = self.play.scope(h, &gate, Map::new()).into_context();
            let outcome = match all_hold(run.templar(), &gate.when, &ctx) {
                Ok(true) => {
                    kept.push(h.clone());
                    continue;
                }
                Ok(false) => Outcome::skipped("Conditional result was False"),
                Err(e) => Outcome::failed(e.in_task(task).to_string()),
            };
            if !shown {
                run.printer()
                    .task(task.name.as_deref().unwrap_or("meta"), false);
                shown = true;
            }
            if outcome.is_failure() {
                self.play.record(h, &outcome);
            } else {
                run.printer().result(h, &outcome, false);
            }
        }
        kept
    }

    fn includes(&self) -> IncludeHosts<'_> {
        IncludeHosts::new(&self.play, &self.runner)
    }

    /// `include_tasks`: the file is named per host; hosts naming the same file run it together.
    fn run_include_tasks(
        &self,
        task: &Task,
        apply: Option<&Apply>,
        hosts: &[String],
        inh: &Inherited,
    ) {
        if self.skips_own(task, inh) {
            return;
        }
        let gate = Self::gate(task, inh);
        self.includes().header(task);
        let mut groups: IndexMap<PathBuf, Vec<(String, Map)>> = IndexMap::new();
        let mut failed = Vec::new();
        for host in hosts {
            let targets = self.includes().targets(task, host, &gate, |name| {
                self.includes().tasks_file(task, name)
            });
            self.includes().skipped_if_none(host, &targets);
            for (extra, path) in targets {
                match path {
                    Ok(p) => groups.entry(p).or_default().push((host.clone(), extra)),
                    Err(e) => {
                        self.includes().failed(host, e.to_string(), &mut failed);
                    }
                }
            }
        }
        self.runner.fail_all_if_fatal(&gate, !failed.is_empty());
        let mut child = inh.child(
            &Keywords {
                vars: task.kw.vars.clone(),
                ..Keywords::default()
            },
            task.role.as_ref(),
        );
        if let Some(apply) = apply {
            child = child.child(&apply.kw, None);
            child.notify.extend(apply.notify.iter().cloned());
        }
        let run = self.play.run();
        for (path, members) in groups {
            let names: Vec<String> = members.iter().map(|(h, _)| h.clone()).collect();
            run.printer().listing(&format!(
                "included: {} for {}",
                path.display(),
                names.join(", ")
            ));
            let inside = match child.inside_include(&path.display().to_string()) {
                Ok(inside) => inside,
                Err(e) => {
                    for h in &names {
                        self.includes().failed(h, e.to_string(), &mut failed);
                    }
                    continue;
                }
            };
            match load_tasks_file(
                &path,
                &self.play.play().dir,
                task.role.clone(),
                &run.opts().load,
            ) {
                Ok(tasks) => {
                    self.includes().loaded(&members);
                    self.run_with_items(&tasks, &members, &inside)
                }
                Err(e) => {
                    for h in &names {
                        self.includes().failed(h, e.to_string(), &mut failed);
                    }
                    self.runner.fail_all_if_fatal(&gate, true);
                }
            }
        }
    }

    /// Runs included tasks; hosts whose include came with loop items run once per item.
    fn run_with_items(&self, tasks: &[Task], members: &[(String, Map)], child: &Inherited) {
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

    /// `include_role`: loaded at run time; its handlers join the play's.
    fn run_include_role(&self, task: &Task, hosts: &[String], inh: &Inherited) {
        if self.skips_own(task, inh) {
            return;
        }
        let gate = Self::gate(task, inh);
        self.includes().header(task);
        let mut groups: IndexMap<String, (Map, Vec<(String, Map)>)> = IndexMap::new();
        let mut failed = Vec::new();
        for host in hosts {
            let targets = self.includes().targets(task, host, &gate, |json| {
                Ok(serde_json::from_str::<Map>(json)?)
            });
            self.includes().skipped_if_none(host, &targets);
            for (extra, rendered) in targets {
                match rendered {
                    Ok(m) => {
                        let key = serde_json::to_string(&m).unwrap_or_default();
                        groups
                            .entry(key)
                            .or_insert_with(|| (m, Vec::new()))
                            .1
                            .push((host.clone(), extra));
                    }
                    Err(e) => {
                        self.includes().failed(host, e.to_string(), &mut failed);
                    }
                }
            }
        }
        self.runner.fail_all_if_fatal(&gate, !failed.is_empty());
        let run = self.play.run();
        for (_, (spec, members)) in groups {
            let s = |k: &str| spec.get(k).and_then(Value::as_str).map(str::to_string);
            let Some(name) = s("name").or_else(|| s("role")) else {
                for (h, _) in &members {
                    self.play.record(
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
            let inside = match inh.inside_include(&format!("role {name}")) {
                Ok(inside) => inside,
                Err(e) => {
                    for (h, _) in &members {
                        self.includes().failed(h, e.to_string(), &mut failed);
                    }
                    continue;
                }
            };
            match load_role(&name, &from, &self.play.play().dir, &run.opts().load) {
                Ok(loaded) => {
                    self.includes().loaded(&members);
                    self.play.handlers().add(loaded.handlers);
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
                    let child = inside.child(&kw, Some(&loaded.role));
                    self.run_with_items(&loaded.tasks, &members, &child);
                }
                Err(e) => {
                    for (h, _) in &members {
                        self.includes().failed(h, e.to_string(), &mut failed);
                    }
                    self.runner.fail_all_if_fatal(&gate, true);
                }
            }
        }
    }

    fn run_meta(&self, task: &Task, what: &str, hosts: &[String], inh: &Inherited) {
        if self.skips_own(task, inh) {
            return;
        }
        let hosts = &self.hosts_where_true(task, hosts, inh);
        if hosts.is_empty() {
            return;
        }
        if Meta::parse(what).is_some() {
            for said in Meta::said(what, hosts) {
                self.play.run().printer().meta(&said);
            }
        }
        match Meta::parse(what) {
            Some(Meta::FlushHandlers) => self.flush_handlers(hosts),
            Some(meta) => meta.apply(&self.play, hosts),
            None => {
                for h in hosts {
                    self.play.record(
                        h,
                        &Outcome::failed(format!("{}: unknown meta action '{what}'", task.origin)),
                    );
                }
            }
        }
    }
}
