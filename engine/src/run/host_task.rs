//! One task over the current hosts: `when`, loops, retries, `changed_when`/`failed_when`,
//! `register`, `notify`, `run_once`, and what is printed and counted.

use std::{sync::Arc, time::Duration};

use minijinja::Value as JValue;
use troupe_modules::Target;

use super::{
    inherited::Inherited,
    loop_items::{self, LoopError},
    play::{HostEnd, PlayRun},
};
use crate::{
    connection::Become,
    output::{Outcome, Status},
    playbook::Task,
    template::{python_repr, python_str},
    vars::nested_error,
    Map, Value,
};

impl PlayRun {
    /// Runs a module or engine action on `hosts` in parallel (up to `--forks` at a time).
    pub fn run_task(
        self: &Arc<Self>,
        task: &Task,
        hosts: &[String],
        inh: &Inherited,
        handler: bool,
    ) {
        let inh = inh.child(&task.kw, task.role.as_ref());
        if !handler && self.filtered_out(task, &inh.tags) {
            return;
        }
        self.run
            .printer
            .task(&self.display_name(task, hosts.first(), &inh), handler);
        let run_once = self.truthy(&inh.kw.run_once);
        let runners: Vec<String> = if run_once {
            hosts.iter().take(1).cloned().collect()
        } else {
            hosts.to_vec()
        };
        let pending = std::sync::Mutex::new(runners.clone());
        let (finished, done) = std::sync::mpsc::channel::<()>();
        let outcomes: Vec<(String, Outcome)> = std::thread::scope(|scope| {
            if self.run.printer.is_live() {
                scope.spawn(|| self.show_progress(&pending, done));
            }
            let one = |h: &String| {
                let outcome = self.run_on_host(task, h, &inh);
                pending.lock().unwrap().retain(|p| p != h);
                (h.clone(), outcome)
            };
            let outcomes = super::fan_out::for_each(&runners, self.run.forks, one);
            drop(finished);
            outcomes
        });
        if run_once {
            // The one result counts for every host of the batch, as in Ansible.
            let (_, first) = &outcomes[0];
            for other in hosts.iter().skip(1) {
                self.register(task, other, first);
                if first.status == Status::Changed {
                    self.handlers.notify(other, &task.notify);
                    self.handlers.notify(other, &inh.notify);
                }
                if first.status == Status::Failed && !first.ignored {
                    self.note_failure(task, other, first);
                }
                self.end_on_failure(other, first);
            }
        }
        let fatal =
            self.truthy(&inh.kw.any_errors_fatal) || self.truthy(&self.play.kw.any_errors_fatal);
        if fatal && outcomes.iter().any(|(_, o)| o.is_failure()) {
            let batch = self.batch.read().unwrap().clone();
            for h in batch {
                self.end_host(&h, HostEnd::Failed);
            }
            self.end_play
                .store(true, std::sync::atomic::Ordering::SeqCst);
        }
    }

    /// On a terminal, says which hosts a task still waits for once it runs long.
    fn show_progress(
        &self,
        pending: &std::sync::Mutex<Vec<String>>,
        done: std::sync::mpsc::Receiver<()>,
    ) {
        let started = std::time::Instant::now();
        let mut shown = false;
        // The sender is dropped when the task ends, which ends the wait at once.
        while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
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
            self.run
                .printer
                .progress(&format!("... waiting {}s for {names}", waited.as_secs()));
            shown = true;
        }
        if shown {
            self.run.printer.clear_progress();
        }
    }

    fn display_name(&self, task: &Task, host: Option<&String>, inh: &Inherited) -> String {
        let action = match &task.action {
            crate::playbook::Action::Module { name, .. } => name.as_str(),
            _ => "include",
        };
        let Some(name) = &task.name else {
            return action.to_string();
        };
        let name = match host {
            Some(h) if crate::template::Templar::is_template(name) => {
                let ctx = self.scope(h, inh, Map::new()).into_context();
                match self.run.templar.render_str(name, &ctx) {
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

    /// Evaluates a boolean keyword (`run_once: "{{ x }}"` rarely templated; literals usual).
    pub fn truthy(&self, v: &Option<Value>) -> bool {
        v.as_ref()
            .and_then(troupe_modules::args::boolean)
            .unwrap_or(false)
    }

    /// Same as `truthy`, but templates are rendered in the host's scope.
    fn keyword_true(&self, v: &Option<Value>, ctx: &JValue) -> Result<bool, String> {
        match v {
            None => Ok(false),
            Some(v) => self.run.templar.is_true(v, ctx).map_err(|e| e.to_string()),
        }
    }

    /// Every condition must hold (`when` lists are and-ed).
    pub fn conditions_hold(&self, conds: &[Value], ctx: &JValue) -> Result<bool, String> {
        for c in conds {
            match self.run.templar.is_true(c, ctx) {
                Ok(true) => {}
                Ok(false) => return Ok(false),
                Err(e) => return Err(with_nested(e.to_string())),
            }
        }
        Ok(true)
    }

    /// An error message that names the task and where it is written.
    pub fn describe_error(&self, task: &Task, msg: &str) -> String {
        let name = match (&task.name, &task.action) {
            (Some(n), _) => n.as_str(),
            (None, crate::playbook::Action::Module { name, .. }) => name.as_str(),
            (None, _) => "include",
        };
        format!(
            "{} (task '{name}' at {})",
            with_nested(msg.to_string()),
            task.origin
        )
    }

    /// The loop items of a task on a host, each as the names it binds; one empty map when
    /// the task has no loop. `None` when the loop names something undefined but `when`,
    /// evaluated without an item, is false: Ansible skips such a task rather than fail it.
    pub fn loop_extras(
        &self,
        task: &Task,
        host: &str,
        inh: &Inherited,
    ) -> Result<Option<Vec<Map>>, String> {
        let Some(lp) = &task.r#loop else {
            return Ok(Some(vec![Map::new()]));
        };
        let ctx = self.scope(host, inh, Map::new()).into_context();
        let items = match loop_items::resolve(
            &lp.source,
            &self.run.templar,
            &ctx,
            inh.role.as_deref(),
            &self.play.dir,
        ) {
            Ok(items) => items,
            Err(e @ LoopError::Undefined(_)) => {
                return match self.conditions_hold(&inh.when, &ctx) {
                    Ok(false) => Ok(None),
                    _ => Err(self.describe_error(task, &e.to_string())),
                }
            }
            Err(e) => return Err(self.describe_error(task, &e.to_string())),
        };
        let total = items.len();
        Ok(Some(items
            .into_iter()
            .enumerate()
            .map(|(i, item)| {
                let mut m = Map::new();
                m.insert(lp.control.loop_var.clone(), item);
                m.insert("ansible_loop_var".into(), Value::from(lp.control.loop_var.clone()));
                if let Some(index) = &lp.control.index_var {
                    m.insert(index.clone(), Value::from(i));
                }
                if lp.control.extended {
                    m.insert(
                        "ansible_loop".into(),
                        serde_json::json!({"index": i + 1, "index0": i, "first": i == 0, "last": i + 1 == total,
                            "length": total, "revindex": total - i, "revindex0": total - i - 1}),
                    );
                }
                m
            })
            .collect()))
    }

    /// The task on one host: loop, conditions, action, retries; printed, counted, registered.
    fn run_on_host(self: &Arc<Self>, task: &Task, host: &str, inh: &Inherited) -> Outcome {
        let is_debug =
            matches!(&task.action, crate::playbook::Action::Module { name, .. } if name == "debug");
        let outcome = match &task.r#loop {
            None => {
                let o = self.run_item(task, host, inh, Map::new());
                self.run.printer.result(host, &o, is_debug);
                o
            }
            Some(lp) => match self.loop_extras(task, host, inh) {
                Err(msg) => {
                    let o = Outcome::failed(msg);
                    self.run.printer.result(host, &o, false);
                    o
                }
                Ok(None) => {
                    let o = Outcome::skipped("Conditional result was False");
                    self.run.printer.result(host, &o, false);
                    o
                }
                Ok(Some(items)) => {
                    let mut results = Vec::new();
                    for (i, extra) in items.into_iter().enumerate() {
                        let item = extra.get(&lp.control.loop_var).cloned().unwrap_or_default();
                        let mut o = self.run_item(task, host, inh, extra.clone());
                        o.item_label = Some(self.item_label(lp, host, inh, &extra, &item));
                        self.run.printer.result(host, &o, is_debug);
                        o.result.insert(lp.control.loop_var.clone(), item);
                        o.result.insert(
                            "ansible_loop_var".into(),
                            Value::from(lp.control.loop_var.clone()),
                        );
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
                    let o = aggregate(results, inh_no_log(self, inh));
                    if o.is_failure() {
                        self.run.printer.result(host, &o, false);
                    }
                    o
                }
            },
        };
        self.run.recap.count(host, &outcome);
        self.register(task, host, &outcome);
        if outcome.status == Status::Changed {
            self.handlers.notify(host, &task.notify);
            self.handlers.notify(host, &inh.notify);
        }
        if outcome.status == Status::Failed && !outcome.ignored {
            self.note_failure(task, host, &outcome);
        }
        self.end_on_failure(host, &outcome);
        outcome
    }

    fn item_label(
        &self,
        lp: &crate::playbook::Loop,
        host: &str,
        inh: &Inherited,
        extra: &Map,
        item: &Value,
    ) -> String {
        if let Some(label) = &lp.control.label {
            let ctx = self.scope(host, inh, extra.clone()).into_context();
            if let Ok(v) = self.run.templar.render_value(label, &ctx) {
                return python_str(&v);
            }
        }
        python_str(item)
    }

    /// Stores a result under the task's `register` name (registered results are host facts).
    fn register(&self, task: &Task, host: &str, outcome: &Outcome) {
        let Some(name) = &task.register else { return };
        let result = outcome.registered();
        self.run.hosts.update(host, |s| {
            Arc::make_mut(&mut s.host_facts).insert(name.clone(), Value::Object(result));
        });
    }

    /// One pass of the task (one loop item): `when`, then the action with `until` retries,
    /// then `changed_when`/`failed_when` and `ignore_errors`.
    fn run_item(self: &Arc<Self>, task: &Task, host: &str, inh: &Inherited, extra: Map) -> Outcome {
        let ctx = self.scope(host, inh, extra.clone()).into_context();
        match self.conditions_hold(&inh.when, &ctx) {
            Ok(false) => return Outcome::skipped("Conditional result was False"),
            Err(e) => return Outcome::failed(self.describe_error(task, &e)),
            Ok(true) => {}
        }
        let retries = if task.until.is_empty() {
            0
        } else {
            task.retries.as_ref().and_then(as_u64).unwrap_or(3)
        };
        let delay = task.delay.as_ref().and_then(as_u64).unwrap_or(5);
        let mut attempt = 0;
        let mut outcome = loop {
            attempt += 1;
            let mut o = self.execute(task, host, inh, &ctx);
            if o.status == Status::Unreachable {
                break o;
            }
            if let Err(msg) = self.apply_result_conditions(task, host, inh, &extra, &mut o) {
                break Outcome::failed(msg);
            }
            if task.until.is_empty() {
                break o;
            }
            let done = self
                .with_registered(task, host, inh, &extra, &o)
                .and_then(|ctx| self.conditions_hold(&task.until, &ctx));
            match done {
                Ok(true) => {
                    o.result.insert("attempts".into(), Value::from(attempt));
                    break o;
                }
                Err(e) => break Outcome::failed(self.describe_error(task, &e)),
                Ok(false) if attempt > retries => {
                    o.status = Status::Failed;
                    o.result.insert("failed".into(), Value::Bool(true));
                    o.result.insert("attempts".into(), Value::from(attempt));
                    o.result.insert(
                        "msg".into(),
                        Value::from(format!(
                            "Retried {retries} times, the condition was never met"
                        )),
                    );
                    break o;
                }
                Ok(false) => {
                    self.run.printer.listing(&format!(
                        "FAILED - RETRYING: [{host}]: {} ({} retries left).",
                        task.name.as_deref().unwrap_or(""),
                        retries + 1 - attempt
                    ));
                    std::thread::sleep(Duration::from_secs(delay));
                }
            }
        };
        if outcome.status == Status::Failed {
            match self.keyword_true(&inh.kw.ignore_errors, &ctx) {
                Ok(true) => outcome.ignored = true,
                Ok(false) => {}
                Err(e) => return Outcome::failed(self.describe_error(task, &e)),
            }
        }
        if outcome.status == Status::Unreachable
            && self
                .keyword_true(&inh.kw.ignore_unreachable, &ctx)
                .unwrap_or(false)
        {
            outcome.ignored = true;
        }
        if self.keyword_true(&inh.kw.no_log, &ctx).unwrap_or(false) {
            outcome.censored = true;
            outcome.diff = None;
        }
        outcome
    }

    /// A scope where the task's `register` name already holds this result.
    fn with_registered(
        &self,
        task: &Task,
        host: &str,
        inh: &Inherited,
        extra: &Map,
        o: &Outcome,
    ) -> Result<JValue, String> {
        let mut extra = extra.clone();
        let mut result = o.result.clone();
        result
            .entry("changed")
            .or_insert(Value::Bool(o.status == Status::Changed));
        result
            .entry("failed")
            .or_insert(Value::Bool(o.status == Status::Failed));
        if let Some(name) = &task.register {
            extra.insert(name.clone(), Value::Object(result.clone()));
        }
        for (k, v) in &result {
            // Bare result keys (rc, stdout) are usable in conditions without register, as in Ansible.
            extra.entry(k.clone()).or_insert(v.clone());
        }
        Ok(self.scope(host, inh, extra).into_context())
    }

    fn apply_result_conditions(
        &self,
        task: &Task,
        host: &str,
        inh: &Inherited,
        extra: &Map,
        o: &mut Outcome,
    ) -> Result<(), String> {
        if task.changed_when.is_none() && task.failed_when.is_empty() {
            return Ok(());
        }
        let ctx = self.with_registered(task, host, inh, extra, o)?;
        if let Some(conds) = &task.changed_when {
            let changed = self
                .conditions_hold(conds, &ctx)
                .map_err(|e| self.describe_error(task, &e))?;
            o.result.insert("changed".into(), Value::Bool(changed));
            if o.status != Status::Failed {
                o.status = if changed { Status::Changed } else { Status::Ok };
            }
        }
        if !task.failed_when.is_empty() {
            let failed = self
                .conditions_hold(&task.failed_when, &ctx)
                .map_err(|e| self.describe_error(task, &e))?;
            o.result
                .insert("failed_when_result".into(), Value::Bool(failed));
            o.result.insert("failed".into(), Value::Bool(failed));
            if failed {
                o.status = Status::Failed;
            } else if o.status == Status::Failed {
                let changed = o
                    .result
                    .get("changed")
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                o.status = if changed { Status::Changed } else { Status::Ok };
            }
        }
        Ok(())
    }

    /// The target a task on `host` acts on: the delegate's connection, become as asked.
    /// `ctx` is the task's scope (built here when the caller has none). The connection
    /// variables are only rendered when they matter: to open the connection, or for become.
    pub fn target_for(
        &self,
        host: &str,
        delegate: &str,
        inh: &Inherited,
        ctx: Option<&JValue>,
    ) -> Result<Arc<dyn Target>, Box<Outcome>> {
        let own_ctx;
        let ctx = match ctx {
            Some(ctx) => ctx,
            None => {
                own_ctx = self.scope(host, inh, Map::new()).into_context();
                &own_ctx
            }
        };
        let vars = std::cell::OnceCell::new();
        let vars = || vars.get_or_init(|| self.connection_vars(delegate, inh));
        let r#become = self
            .become_for(inh, ctx, vars)
            .map_err(|e| Box::new(Outcome::failed(e)))?;
        self.run
            .target(delegate, vars, r#become.as_ref())
            .map_err(|e| {
                self.run.forget_connection(delegate);
                Box::new(match e {
                    troupe_modules::TargetError::Unreachable(m) => {
                        Outcome::unreachable(format!("Failed to connect to the host: {m}"))
                    }
                    other => Outcome::failed(other.to_string()),
                })
            })
    }

    fn become_for<'v>(
        &self,
        inh: &Inherited,
        ctx: &JValue,
        vars: impl FnOnce() -> &'v Map,
    ) -> Result<Option<Become>, String> {
        let wanted = match &inh.kw.r#become {
            Some(v) => self
                .run
                .templar
                .is_true(v, ctx)
                .map_err(|e| e.to_string())?,
            None => self.run.opts.r#become,
        };
        if !wanted {
            return Ok(None);
        }
        let render = |v: &Option<Value>| -> Result<Option<String>, String> {
            match v {
                None => Ok(None),
                Some(v) => self
                    .run
                    .templar
                    .render_value(v, ctx)
                    .map(|v| v.as_str().map(str::to_string))
                    .map_err(|e| e.to_string()),
            }
        };
        let user = render(&inh.kw.become_user)?
            .or_else(|| self.run.opts.become_user.clone())
            .unwrap_or_else(|| "root".into());
        let method = render(&inh.kw.become_method)?.unwrap_or_else(|| "sudo".into());
        let vars = vars();
        let password = ["ansible_become_password", "ansible_become_pass"]
            .iter()
            .find_map(|k| vars.get(*k).and_then(Value::as_str).map(str::to_string))
            .or_else(|| self.run.opts.become_password.clone());
        Ok(Some(Become {
            user,
            method,
            password,
        }))
    }
}

fn as_u64(v: &Value) -> Option<u64> {
    v.as_u64().or_else(|| v.as_str()?.trim().parse().ok())
}

fn inh_no_log(play: &PlayRun, inh: &Inherited) -> bool {
    play.truthy(&inh.kw.no_log)
}

/// Adds what the nested variable lookup knew about an undefined name.
fn with_nested(msg: String) -> String {
    match nested_error() {
        Some(inner) if !msg.contains(&inner) => format!("{inner}; {msg}"),
        _ => msg,
    }
}

/// The result of a loop: `results` per item; failed if any item failed, changed if any changed.
fn aggregate(items: Vec<Outcome>, no_log: bool) -> Outcome {
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
