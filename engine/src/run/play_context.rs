//! What every part of a running play shares: the run, the play, its variables, its hosts'
//! status, its handlers and its hosts' last failures.

use std::sync::{Arc, Mutex, PoisonError};

use super::{
    failed_task::LastFailures, handlers::Handlers, host_status::HostStatus, inherited::Inherited,
    Run,
};
use crate::{
    output::Outcome,
    playbook::{Play, Role, Task},
    vars::{PlayLayers, PlayMagic, Scope, TaskLayers},
    Map,
};

/// One play's shared state while it runs.
pub struct PlayContext {
    run: Arc<Run>,
    play: Play,
    layers: PlayLayers,
    /// The play's keywords, as the outermost level tasks inherit from.
    top: Inherited,
    status: HostStatus,
    handlers: Handlers,
    failures: LastFailures,
    /// The play's host lists as variables (`ansible_play_hosts`...), built once per
    /// [`HostStatus::generation`]: every scope of every host shares them.
    play_magic: Mutex<Option<(usize, Arc<Map>)>>,
}

impl PlayContext {
    pub fn new(run: Arc<Run>, play: &Play) -> Self {
        let (role_defaults, role_vars) = public_role_vars(play);
        PlayContext {
            layers: PlayLayers {
                vars: Arc::new(play.kw.vars.clone()),
                role_defaults,
                role_vars,
            },
            top: Inherited::from_play(&play.kw),
            status: HostStatus::default(),
            handlers: Handlers::new(play.handlers.clone()),
            failures: LastFailures::default(),
            play_magic: Mutex::default(),
            play: play.clone(),
            run,
        }
    }

    pub fn run(&self) -> &Arc<Run> {
        &self.run
    }

    pub fn play(&self) -> &Play {
        &self.play
    }

    pub fn top(&self) -> &Inherited {
        &self.top
    }

    pub fn status(&self) -> &HostStatus {
        &self.status
    }

    pub fn handlers(&self) -> &Handlers {
        &self.handlers
    }

    pub fn failures(&self) -> &LastFailures {
        &self.failures
    }

    /// Variables for templating play-level keywords (hosts, name).
    pub fn play_scope(&self) -> Scope {
        self.run.vars().play_scope(self.layers.vars.clone())
    }

    /// The variables `host` sees for a task with inherited keywords `inh`; `extra` are
    /// per-task names such as the loop item.
    pub fn scope(&self, host: &str, inh: &Inherited, extra: Map) -> Scope {
        let task = TaskLayers {
            role: inh.role.as_deref(),
            vars: inh.vars.clone(),
            play: self.play_magic(),
            extra,
        };
        self.run.vars().task_scope(host, &self.layers, task)
    }

    /// The play's host lists as variables, as they are now.
    fn play_magic(&self) -> Arc<Map> {
        let generation = self.status.generation();
        let mut cached = self
            .play_magic
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some((built, vars)) = cached.as_ref() {
            if *built == generation {
                return vars.clone();
            }
        }
        let active = self.status.active(&self.status.batch());
        let vars = Arc::new(
            PlayMagic {
                name: self.play.name.clone(),
                batch: active.clone(),
                active,
                all: self.status.all(),
            }
            .vars(),
        );
        *cached = Some((generation, vars.clone()));
        vars
    }

    /// Prints and counts a host's result, and ends the host on failure.
    pub fn record(&self, host: &str, outcome: &Outcome) {
        self.run.printer().result(host, outcome, false);
        self.run.recap().count(host, outcome);
        self.status.end_on_failure(host, outcome);
    }

    /// Sets the failure variables of the hosts a `rescue` is about to run on; returns the
    /// hosts that had a failure of their own.
    pub fn show_failures(&self, hosts: &[String]) -> Vec<String> {
        let mut failed = Vec::new();
        for host in hosts {
            if let Some(failure) = self.failures.take(host) {
                failed.push(host.clone());
                self.run
                    .vars()
                    .update_host(host, |s| s.set_unsafe(failure.clone()));
            }
        }
        failed
    }
}

/// Defaults and vars of every role in the play's static task tree (`roles:`, `import_role`),
/// merged in the order the roles first appear.
fn public_role_vars(play: &Play) -> (Arc<Map>, Arc<Map>) {
    let mut roles: Vec<Arc<Role>> = Vec::new();
    for section in [&play.pre_tasks, &play.roles, &play.tasks, &play.post_tasks] {
        Task::walk(section, &mut |t| {
            if let Some(r) = &t.role {
                if !roles.iter().any(|s| Arc::ptr_eq(s, r)) {
                    roles.push(r.clone());
                }
            }
        });
    }
    let (mut defaults, mut vars) = (Map::new(), Map::new());
    for r in &roles {
        defaults.extend(r.defaults.iter().map(|(k, v)| (k.clone(), v.clone())));
        vars.extend(r.vars.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    (Arc::new(defaults), Arc::new(vars))
}
