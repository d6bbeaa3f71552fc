//! One play's life cycle: its hosts, `serial` batches, facts, `vars_files`, its sections
//! (pre_tasks, roles, tasks, post_tasks) with handler flushes between them, the `free`
//! strategy, and the failure rules that end the play or the run.

use std::sync::Arc;

use super::{
    actions::setup, fan_out, host_status::HostEnd, play_context::PlayContext, serial, vars_files,
    walker::Walker, Run,
};
use crate::{
    inventory::InventoryError,
    playbook::{Play, Task},
    template::TemplateError,
    Value,
};

/// Why a play cannot choose its hosts.
#[derive(Debug, thiserror::Error)]
pub enum PlayError {
    #[error("{origin}: hosts: {error}")]
    Hosts {
        origin: crate::playbook::Origin,
        error: Box<TemplateError>,
    },
    #[error("{0}")]
    Inventory(#[from] InventoryError),
}

/// What follows a serial batch.
enum BatchEnd {
    Continue,
    /// `meta: end_play`: the next play still runs.
    EndPlay,
    /// Every host of the batch failed, or more than `max_fail_percentage`: the playbook ends.
    EndRun,
}

/// One play while it runs.
pub struct PlayRun {
    ctx: Arc<PlayContext>,
    walker: Walker,
    free: bool,
}

impl PlayRun {
    pub fn new(run: Arc<Run>, play: &Play) -> PlayRun {
        let ctx = Arc::new(PlayContext::new(run, play));
        PlayRun {
            walker: Walker::new(ctx.clone()),
            free: play.strategy.as_deref() == Some("free"),
            ctx,
        }
    }

    /// Runs the play; returns false when the run must stop: a fatal error before any host ran,
    /// or a whole batch failed (Ansible then ends the playbook).
    pub fn run(self) -> bool {
        let run = self.ctx.run().clone();
        run.printer().play(&self.play_name());
        match self.select_hosts() {
            Ok(hosts) => self.ctx.status().set_all(run.without_failed(hosts)),
            Err(e) => {
                run.printer().fatal(&e.to_string());
                return false;
            }
        }
        let all = self.ctx.status().all();
        if all.is_empty() {
            run.printer().warning("no hosts matched");
            return true;
        }
        for batch in serial::batches(&all, self.ctx.play().serial.as_ref()) {
            self.ctx.status().set_batch(batch.clone());
            let end = self.run_batch(&batch);
            self.remember_failed_hosts(&batch);
            match end {
                BatchEnd::Continue => {}
                BatchEnd::EndPlay => break,
                BatchEnd::EndRun => return false,
            }
        }
        true
    }

    fn remember_failed_hosts(&self, batch: &[String]) {
        for h in batch {
            if matches!(
                self.ctx.status().ended_as(h),
                Some(HostEnd::Failed | HostEnd::Unreachable)
            ) {
                self.ctx.run().remember_failed(h);
            }
        }
    }

    fn play_name(&self) -> String {
        let play = self.ctx.play();
        if play.name.is_empty() {
            return play.hosts.clone();
        }
        let scope = self.ctx.play_scope();
        self.ctx
            .run()
            .templar()
            .render_str(&play.name, &scope.into_context())
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| v.to_string())
            })
            .unwrap_or_else(|_| play.name.clone())
    }

    fn select_hosts(&self) -> Result<Vec<String>, PlayError> {
        let play = self.ctx.play();
        let run = self.ctx.run();
        let pattern = run
            .templar()
            .render_str(&play.hosts, &self.ctx.play_scope().into_context())
            .map_err(|error| PlayError::Hosts {
                origin: play.origin.clone(),
                error: Box::new(error),
            })?;
        let pattern = match pattern {
            Value::String(s) => s,
            Value::Array(a) => a
                .iter()
                .filter_map(|v| v.as_str())
                .collect::<Vec<_>>()
                .join(","),
            other => other.to_string(),
        };
        let vars = run.vars();
        let mut hosts = vars.select(&pattern)?;
        if let Some(limit) = &run.opts().limit {
            let allowed = vars.select(limit)?;
            hosts.retain(|h| allowed.contains(h));
        }
        Ok(hosts)
    }

    /// One serial batch through every section, and what comes after it.
    fn run_batch(&self, batch: &[String]) -> BatchEnd {
        let (ctx, status) = (&self.ctx, self.ctx.status());
        for h in batch {
            ctx.run().recap().touch(h);
        }
        vars_files::load(ctx, batch);
        if self.gather_facts_wanted() {
            self.gather_facts(batch);
        }
        let play = ctx.play();
        let sections: [&[Task]; 4] = [&play.pre_tasks, &play.roles, &play.tasks, &play.post_tasks];
        for (i, section) in sections.iter().enumerate() {
            if status.play_ended() {
                break;
            }
            if self.free {
                self.run_free(section);
            } else {
                self.walker
                    .run_tasks(section, &status.active(batch), ctx.top());
            }
            // Handlers flush after pre_tasks, after roles+tasks, after post_tasks.
            if i != 1 {
                self.walker.flush_handlers(batch);
            }
        }
        let failed = batch
            .iter()
            .filter(|h| status.ended_as(h).is_some_and(|e| e != HostEnd::Ended))
            .count();
        if failed > 0 && self.too_many_failed(batch, failed) {
            return BatchEnd::EndRun;
        }
        if status.play_ended() {
            BatchEnd::EndPlay
        } else {
            BatchEnd::Continue
        }
    }

    fn too_many_failed(&self, batch: &[String], failed: usize) -> bool {
        if let Some(max) = self
            .ctx
            .play()
            .max_fail_percentage
            .as_ref()
            .and_then(|v| v.as_f64().or_else(|| v.as_str()?.parse().ok()))
        {
            return (failed as f64) * 100.0 / (batch.len() as f64) > max;
        }
        failed == batch.len()
    }

    /// `strategy: free`: each host runs the section on its own, as fast as it can.
    fn run_free(&self, tasks: &[Task]) {
        let status = self.ctx.status();
        let hosts = status.active(&status.batch());
        fan_out::for_each(&hosts, self.ctx.run().forks(), |h| {
            self.walker
                .run_tasks(tasks, std::slice::from_ref(h), self.ctx.top())
        });
    }

    fn gather_facts_wanted(&self) -> bool {
        match &self.ctx.play().gather_facts {
            None => self.ctx.run().opts().gather_by_default,
            Some(v) => troupe_modules::args::boolean(v).unwrap_or(true),
        }
    }

    fn gather_facts(&self, batch: &[String]) {
        let run = self.ctx.run();
        let mut with_always = self.ctx.top().tags.clone();
        with_always.push("always".into());
        if !run.opts().tags.selects(&with_always) {
            return;
        }
        run.printer().task("Gathering Facts", false);
        let hosts = self.ctx.status().active(batch);
        fan_out::for_each(&hosts, run.forks(), |h| {
            let outcome = setup::gather(&self.ctx, h);
            self.ctx.record(h, &outcome);
        });
    }
}
