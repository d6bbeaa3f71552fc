//! One pass of a task on one host (one loop item): `when`, then the action with `until`
//! retries, then `changed_when`/`failed_when`, `ignore_errors`, `ignore_unreachable` and
//! `no_log`.

use std::time::Duration;

use minijinja::Value as JValue;

use super::{
    actions,
    conditions::{all_hold, first_false, keyword_true},
    inherited::Inherited,
    play_context::PlayContext,
    step::Step,
    task_error::TaskError,
};
use crate::{
    output::{Outcome, Status},
    playbook::Task,
    Map, Value,
};

/// A task on a host with one loop item's names (`extra`; empty without a loop).
pub struct ItemRun<'a> {
    play: &'a PlayContext,
    task: &'a Task,
    host: &'a str,
    inh: &'a Inherited,
    extra: Map,
}

impl<'a> ItemRun<'a> {
    pub fn new(
        play: &'a PlayContext,
        task: &'a Task,
        host: &'a str,
        inh: &'a Inherited,
        extra: Map,
    ) -> Self {
        ItemRun {
            play,
            task,
            host,
            inh,
            extra,
        }
    }

    pub fn run(&self) -> Outcome {
        let (task, inh) = (self.task, self.inh);
        let templar = self.play.run().templar();
        let fail = |e: TaskError| Outcome::failed(e.in_task(task).to_string());
        let ctx = self
            .play
            .scope(self.host, inh, self.extra.clone())
            .into_context();
        match first_false(templar, &inh.when, &ctx) {
            Ok(Some(condition)) => {
                let mut skipped = Outcome::skipped("Conditional result was False");
                skipped
                    .result
                    .insert("false_condition".into(), condition.clone());
                return skipped;
            }
            Err(e) => return fail(e),
            Ok(None) => {}
        }
        // Templated as Ansible does (`retries: "{{ timeout | int }}"`); `retries` a whole
        // number, `delay` seconds that may have a fraction (`delay: 0.5`).
        let number = |keyword, value: Option<&Value>, default: f64, whole: bool| match value {
            None => Ok(default),
            Some(v) => {
                let v = templar.render_value(v, &ctx).map_err(TaskError::template)?;
                as_f64(&v)
                    .filter(|n| *n >= 0.0 && (!whole || n.fract() == 0.0))
                    .ok_or_else(|| TaskError::NotANumber {
                        keyword,
                        whole,
                        value: v.as_str().map_or_else(|| v.to_string(), str::to_owned),
                    })
            }
        };
        // As Ansible: `retries` alone retries until the task succeeds, `until` alone
        // retries 3 times; the result says `attempts`, also to changed_when/failed_when.
        let retries = match (&task.retries, task.until.is_empty()) {
            (Some(r), _) => number("retries", Some(r), 0.0, true),
            (None, false) => Ok(3.0),
            (None, true) => Ok(0.0),
        };
        let (attempts, delay) = match (retries, number("delay", task.delay.as_ref(), 5.0, false)) {
            (Ok(retries), Ok(delay)) => (retries as u64 + 1, delay),
            (Err(e), _) | (_, Err(e)) => return fail(e),
        };
        let mut attempt = 0;
        let mut outcome = loop {
            attempt += 1;
            let mut o = match Step::new(self.play, task, self.host, inh, &ctx, &self.extra) {
                Ok(step) => actions::execute(&step),
                Err(e) => break fail(e),
            };
            if o.status == Status::Unreachable {
                break o;
            }
            if attempts > 1 {
                o.result.insert("attempts".into(), Value::from(attempt));
            }
            if let Err(e) = self.apply_result_conditions(&mut o) {
                break fail(e);
            }
            if attempts == 1 {
                break o;
            }
            let done = if task.until.is_empty() {
                Ok(o.status != Status::Failed)
            } else {
                all_hold(templar, &task.until, &self.with_registered(&o))
            };
            match done {
                Ok(true) => break o,
                Err(e) => break fail(e),
                // Ansible's count once every attempt is spent: the retries.
                Ok(false) if attempt >= attempts => {
                    // A failed_when that held the task ok keeps it so, as Ansible's
                    // result says failed_when_result before failed.
                    let held_ok = o.result.get("failed_when_result") == Some(&Value::Bool(false));
                    if !held_ok {
                        o.status = Status::Failed;
                    }
                    o.result.insert("failed".into(), Value::Bool(true));
                    o.result
                        .insert("attempts".into(), Value::from(attempts - 1));
                    o.result.entry("msg").or_insert_with(|| {
                        Value::from(format!(
                            "Retried {} times, the condition was never met",
                            attempts - 1
                        ))
                    });
                    break o;
                }
                Ok(false) => {
                    self.play.run().printer().listing(&format!(
                        "FAILED - RETRYING: [{}]: {} ({} retries left).",
                        self.host,
                        task.name.as_deref().unwrap_or(""),
                        attempts - attempt
                    ));
                    std::thread::sleep(Duration::from_secs_f64(delay));
                }
            }
        };
        if outcome.status == Status::Failed {
            match keyword_true(templar, &inh.kw.ignore_errors, &ctx) {
                Ok(true) => outcome.ignored = true,
                Ok(false) => {}
                Err(e) => return fail(e),
            }
        }
        if outcome.status == Status::Unreachable
            && keyword_true(templar, &inh.kw.ignore_unreachable, &ctx).unwrap_or(false)
        {
            outcome.ignored = true;
        }
        if keyword_true(templar, &inh.kw.no_log, &ctx).unwrap_or(false) {
            outcome.censored = true;
            outcome.diff = None;
        }
        outcome
    }

    /// A scope where the task's `register` name already holds this result.
    fn with_registered(&self, o: &Outcome) -> JValue {
        let mut extra = self.extra.clone();
        let mut result = o.result.clone();
        result
            .entry("changed")
            .or_insert(Value::Bool(o.status == Status::Changed));
        result
            .entry("failed")
            .or_insert(Value::Bool(o.status == Status::Failed));
        if let Some(name) = &self.task.register {
            extra.insert(name.clone(), Value::Object(result.clone()));
        }
        for (k, v) in &result {
            // Bare result keys (rc, stdout) are usable in conditions without register, as in Ansible.
            extra.entry(k.clone()).or_insert(v.clone());
        }
        self.play.scope(self.host, self.inh, extra).into_context()
    }

    fn apply_result_conditions(&self, o: &mut Outcome) -> Result<(), TaskError> {
        let task = self.task;
        if task.changed_when.is_none() && task.failed_when.is_empty() {
            return Ok(());
        }
        let templar = self.play.run().templar();
        let ctx = self.with_registered(o);
        if let Some(conds) = &task.changed_when {
            let changed = all_hold(templar, conds, &ctx)?;
            o.result.insert("changed".into(), Value::Bool(changed));
            if o.status != Status::Failed {
                o.status = if changed { Status::Changed } else { Status::Ok };
            }
        }
        if !task.failed_when.is_empty() {
            let failed = all_hold(templar, &task.failed_when, &ctx)?;
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
}

fn as_f64(v: &Value) -> Option<f64> {
    v.as_f64().or_else(|| v.as_str()?.trim().parse().ok())
}
