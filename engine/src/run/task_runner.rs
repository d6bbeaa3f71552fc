//! One task over the current hosts, in parallel: the loop, `run_once`, `register`, `notify`,
//! `any_errors_fatal`, and what is printed and counted. Each pass (item) is an [`ItemRun`].

use std::{
    sync::{mpsc, Arc, Mutex},
    time::Duration,
};

use super::{
    conditions::{all_hold, keyword_true, truthy},
    fan_out,
    host_status::HostEnd,
    inherited::Inherited,
    item_run::ItemRun,
    loop_error::LoopError,
    loop_items,
    loop_results::aggregate,
    play_context::PlayContext,
    task_error::TaskError,
};
use crate::{
    output::{Outcome, Status},
    playbook::{Action, Loop, Task},
    template::{python_repr, python_str, Templar},
    vars::loop_vars,
    Map, Value,
};

/// Runs tasks of one play.
#[derive(Clone)]
pub struct TaskRunner {
    play: Arc<PlayContext>,
}

impl TaskRunner {
    pub fn new(play: Arc<PlayContext>) -> Self {
        TaskRunner { play }
    }

    /// Runs a module or engine action on `hosts` in parallel (up to `--forks` at a time).
    pub fn run_task(&self, task: &Task, hosts: &[String], inh: &Inherited, handler: bool) {
        let play = &self.play;
        let run = play.run();
        let inh = inh.child(&task.kw, task.role.as_ref());
        if !handler && run.skips(task, &inh.tags) {
            return;
        }
        run.printer()
            .task(&self.display_name(task, hosts.first(), &inh), handler);
        let run_once = truthy(&inh.kw.run_once);
        let runners: Vec<String> = if run_once {
            hosts.iter().take(1).cloned().collect()
        } else {
            hosts.to_vec()
        };
        let pending = Mutex::new(runners.clone());
        let (finished, done) = mpsc::channel::<()>();
        let outcomes: Vec<(String, Outcome)> = std::thread::scope(|scope| {
            if run.printer().is_live() {
                scope.spawn(|| self.show_progress(&pending, done));
            }
            let one = |h: &String| {
                let outcome = self.run_on_host(task, h, &inh);
                pending.lock().unwrap().retain(|p| p != h);
                (h.clone(), outcome)
            };
            let outcomes = fan_out::for_each(&runners, run.forks(), one);
            drop(finished);
            outcomes
        });
        if run_once {
            // The one result counts for every host of the batch, as in Ansible.
            let (_, first) = &outcomes[0];
            for other in hosts.iter().skip(1) {
                self.after(task, other, &inh, first);
            }
        }
        self.fail_all_if_fatal(&inh, outcomes.iter().any(|(_, o)| o.is_failure()));
    }

    /// `any_errors_fatal`: when a host failed, every host of the batch still running fails
    /// too. Each then goes to the `rescue` or `always` of the blocks it is in, as in Ansible;
    /// hosts in no such block are done, and with them the play.
    pub fn fail_all_if_fatal(&self, inh: &Inherited, any_failed: bool) {
        let play = &self.play;
        // The innermost setting wins: a block's `any_errors_fatal: false` in a fatal play.
        let fatal = match (&inh.kw.any_errors_fatal, &play.play().kw.any_errors_fatal) {
            (Some(_), _) => truthy(&inh.kw.any_errors_fatal),
            (None, Some(_)) => truthy(&play.play().kw.any_errors_fatal),
            (None, None) => play.run().opts().any_errors_fatal,
        };
        if fatal && any_failed {
            let status = play.status();
            for h in status.active(&status.batch()) {
                status.end_host(&h, HostEnd::Failed);
            }
        }
    }

    /// `notify` names as the host's variables make them: `"{{ name }}"` is templated, and a
    /// template giving a list names each handler in it. A name that does not render stays
    /// as written (and is reported as no handler found).
    fn notify_names(&self, names: &[String], host: &str, inh: &Inherited) -> Vec<String> {
        if !names.iter().any(|n| Templar::is_template(n)) {
            return names.to_vec();
        }
        let play = &self.play;
        let ctx = play.scope(host, inh, Map::new()).into_context();
        let mut out = Vec::new();
        for name in names {
            match play.run().templar().render_str(name, &ctx) {
                Ok(Value::Array(items)) => out.extend(items.iter().map(|v| match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })),
                Ok(Value::String(s)) => out.push(s),
                Ok(other) => out.push(other.to_string()),
                Err(_) => out.push(name.clone()),
            }
        }
        out
    }

    /// What follows a host's result: `register`, `notify`, the failure remembered for a
    /// `rescue`, the host ended on failure.
    fn after(&self, task: &Task, host: &str, inh: &Inherited, outcome: &Outcome) {
        let play = &self.play;
        self.register(task, host, outcome);
        // Facts a module returns (getent) join the host's facts, as Ansible's do; the
        // engine's own actions (setup, set_fact, include_vars) keep theirs themselves.
        if let (crate::playbook::Action::Module { name, .. }, Some(Value::Object(facts))) =
            (&task.action, outcome.result.get("ansible_facts"))
        {
            if outcome.status != Status::Failed && troupe_modules::lookup(name).is_some() {
                // Each fact both by its own name and under `ansible_facts`.
                let mut all = facts.clone();
                all.insert("ansible_facts".into(), Value::Object(facts.clone()));
                play.run().add_facts(host, all);
            }
        }
        if outcome.status == Status::Changed {
            play.handlers()
                .notify(host, &self.notify_names(&task.notify, host, inh));
            play.handlers()
                .notify(host, &self.notify_names(&inh.notify, host, inh));
        }
        if outcome.status == Status::Failed && !outcome.ignored {
            play.failures().note(task, host, outcome);
        }
        play.status().end_on_failure(host, outcome);
    }

    /// On a terminal, says which hosts a task still waits for once it runs long.
    fn show_progress(&self, pending: &Mutex<Vec<String>>, done: mpsc::Receiver<()>) {
        let printer = self.play.run().printer();
        let started = std::time::Instant::now();
        let mut shown = false;
        // The sender is dropped when the task ends, which ends the wait at once.
        while let Err(mpsc::RecvTimeoutError::Timeout) =
            done.recv_timeout(Duration::from_millis(250))
        {
            let waited = started.elapsed();
            if waited < Duration::from_secs(2) {
                continue;
            }
            let hosts = pending.lock().unwrap().clone();
            if hosts.is_empty() {
                break;
            }
            let mut names = hosts.iter().take(5).cloned().collect::<Vec<_>>().join(", ");
            if hosts.len() > 5 {
                names.push_str(&format!(" and {} more", hosts.len() - 5));
            }
            printer.progress(&format!("... waiting {}s for {names}", waited.as_secs()));
            shown = true;
        }
        if shown {
            printer.clear_progress();
        }
    }

    fn display_name(&self, task: &Task, host: Option<&String>, inh: &Inherited) -> String {
        let action = match &task.action {
            Action::Module { name, .. } => name.as_str(),
            _ => "include",
        };
        let Some(name) = &task.name else {
            return action.to_string();
        };
        let name = match host {
            Some(h) if Templar::is_template(name) => {
                let ctx = self.play.scope(h, inh, Map::new()).into_context();
                match self.play.run().templar().render_str(name, &ctx) {
                    Ok(Value::String(s)) => s,
                    Ok(v) => python_repr(&v),
                    Err(_) => name.clone(),
                }
            }
            _ => name.clone(),
        };
        match &task.role {
            Some(role) => format!("{} : {name}", role.name),
            None => name,
        }
    }

    /// The loop items of a task on a host, each as the names it binds; one empty map when
    /// the task has no loop. `None` when the loop names something undefined but `when`,
    /// evaluated without an item, is false: Ansible skips such a task rather than fail it.
    pub fn loop_items(
        &self,
        task: &Task,
        host: &str,
        inh: &Inherited,
    ) -> Result<Option<Vec<Map>>, TaskError> {
        let Some(lp) = &task.r#loop else {
            return Ok(Some(vec![Map::new()]));
        };
        let play = &self.play;
        let templar = play.run().templar();
        let ctx = play.scope(host, inh, Map::new()).into_context();
        let dir = &play.play().dir;
        let items = match loop_items::resolve(&lp.source, templar, &ctx, inh.role.as_deref(), dir) {
            Ok(items) => items,
            Err(e @ LoopError::Undefined(_)) => {
                return match all_hold(templar, &inh.when, &ctx) {
                    Ok(false) => Ok(None),
                    _ => Err(TaskError::Loop(e).in_task(task)),
                }
            }
            // A lookup's own message, as Ansible reports it (tests compare it); where the
            // task is goes beside it.
            Err(e) => return Err(TaskError::Loop(e)),
        };
        // `loop_var: "{{ name }}"` names the variable once templated.
        let mut control = std::borrow::Cow::Borrowed(&lp.control);
        if crate::template::Templar::is_template(&control.loop_var) {
            let name = match templar.render_str(&control.loop_var, &ctx)? {
                Value::String(s) => s,
                other => other.to_string(),
            };
            control.to_mut().loop_var = name;
        }
        Ok(Some(
            (0..items.len())
                .map(|i| loop_vars(&control, &items, i))
                .collect(),
        ))
    }

    /// The task on one host: loop, conditions, action, retries; printed, counted, registered.
    fn run_on_host(&self, task: &Task, host: &str, inh: &Inherited) -> Outcome {
        let printer = self.play.run().printer();
        let is_debug = matches!(&task.action, Action::Module { name, .. } if name == "debug");
        let outcome = match &task.r#loop {
            None => {
                let o = ItemRun::new(&self.play, task, host, inh, Map::new()).run();
                printer.result(host, &o, is_debug);
                o
            }
            Some(lp) => match self.loop_items(task, host, inh) {
                Err(e) => {
                    let mut o = Outcome::failed(e.to_string());
                    if let TaskError::Loop(_) = e {
                        o.result
                            .insert("task_path".into(), Value::from(task.origin.to_string()));
                    }
                    // `ignore_errors` covers a loop that cannot be made, as in Ansible.
                    let ctx = self.play.scope(host, inh, Map::new()).into_context();
                    let templar = self.play.run().templar();
                    o.ignored = keyword_true(templar, &inh.kw.ignore_errors, &ctx).unwrap_or(false);
                    printer.result(host, &o, false);
                    o
                }
                Ok(None) => {
                    let o = Outcome::skipped("Conditional result was False");
                    printer.result(host, &o, false);
                    o
                }
                Ok(Some(items)) => {
                    let no_items = items.is_empty();
                    let o = self.run_loop(task, host, inh, lp, items, is_debug);
                    if o.is_failure() || no_items {
                        printer.result(host, &o, false);
                    }
                    o
                }
            },
        };
        self.play.run().recap().count(host, &outcome);
        self.after(task, host, inh, &outcome);
        outcome
    }

    /// Each loop item in turn (until a host is unreachable), then the loop's result.
    fn run_loop(
        &self,
        task: &Task,
        host: &str,
        inh: &Inherited,
        lp: &Loop,
        items: Vec<Map>,
        is_debug: bool,
    ) -> Outcome {
        let mut results = Vec::new();
        for (i, extra) in items.into_iter().enumerate() {
            let item = extra.get(&lp.control.loop_var).cloned().unwrap_or_default();
            let mut o = ItemRun::new(&self.play, task, host, inh, extra.clone()).run();
            o.item_label = Some(self.item_label(lp, host, inh, &extra, &item));
            // Each item's result names its loop variables, as Ansible's does; its output
            // shows them, but for debug's.
            if is_debug {
                self.play.run().printer().result(host, &o, is_debug);
            }
            o.result.insert(lp.control.loop_var.clone(), item);
            o.result.insert(
                "ansible_loop_var".into(),
                Value::from(lp.control.loop_var.clone()),
            );
            if let Some(index_var) = &lp.control.index_var {
                o.result.insert(index_var.clone(), Value::from(i));
                o.result
                    .insert("ansible_index_var".into(), Value::from(index_var.clone()));
            }
            if !is_debug {
                self.play.run().printer().result(host, &o, is_debug);
            }
            let unreachable = o.status == Status::Unreachable;
            results.push(o);
            if unreachable {
                break;
            }
            if let Some(pause) = lp.control.pause.as_ref().and_then(Value::as_f64) {
                if i > 0 || pause > 0.0 {
                    std::thread::sleep(Duration::from_secs_f64(pause));
                }
            }
        }
        aggregate(results, truthy(&inh.kw.no_log))
    }

    fn item_label(
        &self,
        lp: &Loop,
        host: &str,
        inh: &Inherited,
        extra: &Map,
        item: &Value,
    ) -> String {
        if let Some(label) = &lp.control.label {
            let ctx = self.play.scope(host, inh, extra.clone()).into_context();
            if let Ok(v) = self.play.run().templar().render_value(label, &ctx) {
                return python_str(&v);
            }
        }
        python_str(item)
    }

    /// Stores a result under the task's `register` name (registered results are host facts).
    fn register(&self, task: &Task, host: &str, outcome: &Outcome) {
        let Some(name) = &task.register else { return };
        let result = outcome.registered();
        self.play.run().vars().update_host(host, |s| {
            s.set_unsafe(Map::from_iter([(name.clone(), Value::Object(result))]));
        });
    }
}
