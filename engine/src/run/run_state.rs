//! What a whole run shares between plays and threads: the command line's options, the
//! variables, the connections, the output.

use std::{
    collections::HashSet,
    path::PathBuf,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc, Mutex,
    },
};

use super::{
    connections::Connections,
    fact_cache::{with_namespace, FactCache},
    tag_filter::TagFilter,
};
use crate::{
    connection::Overrides,
    inventory::Inventory,
    output::{Printer, Recap},
    playbook::{LoadOptions, Task},
    template::Templar,
    vars::{RunMagic, RunVars},
    Map,
};

/// The command line's say over a run.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    pub check: bool,
    pub diff: bool,
    pub forks: usize,
    pub limit: Option<String>,
    pub tags: TagFilter,
    pub extra_vars: Map,
    pub start_at_task: Option<String>,
    /// `--force-handlers`: handlers run on hosts that failed, unless the play says otherwise.
    pub force_handlers: bool,
    /// ansible.cfg's `error_on_missing_handler` turned off: notifying a handler that no
    /// handler answers is a warning instead of failing the host.
    pub warn_on_missing_handler: bool,
    /// ansible.cfg's `any_errors_fatal`: every play as if it said `any_errors_fatal: true`.
    pub any_errors_fatal: bool,
    /// ansible.cfg's `gathering`: `explicit` gathers facts only where a play asks.
    pub gather_by_default: bool,
    /// `--flush-cache`: the persistent fact cache starts empty.
    pub flush_cache: bool,
    pub load: LoadOptions,
    /// `-b`, `--become-user`, `-K`, `-u`, `-c`, `--private-key`, `-T`: defaults that the
    /// play and the hosts' variables may override.
    pub connection: Overrides,
}

/// One run of a playbook: options, variables, connections, output.
pub struct Run {
    opts: RunOptions,
    vars: Arc<RunVars>,
    printer: Printer,
    recap: Recap,
    /// Hosts worked on at once: `--forks`, at most the inventory's size.
    forks: usize,
    /// Hosts that failed or were unreachable in an earlier play: later plays leave them out.
    failed_hosts: Mutex<HashSet<String>>,
    connections: Connections,
    /// `--start-at-task`: still looking for the task to start at (across plays).
    seeking_start: AtomicBool,
    /// The persistent fact cache the environment configures, if any.
    fact_cache: Option<FactCache>,
    /// Results of async tasks, for `async_status`.
    async_jobs: super::async_jobs::AsyncJobs,
}

impl Run {
    pub fn new(
        opts: RunOptions,
        inventory: Inventory,
        playbook_dir: PathBuf,
        printer: Printer,
    ) -> Arc<Run> {
        // No more threads than hosts to work on: idle workers only cost.
        let forks = opts.forks.clamp(1, inventory.hosts().count().max(1));
        let magic = RunMagic {
            playbook_dir,
            check: opts.check,
            diff: opts.diff,
            forks: opts.forks,
            verbosity: printer.verbosity(),
        };
        let hosts: Vec<String> = inventory.hosts().map(|h| h.name.clone()).collect();
        let vars = RunVars::new(inventory, opts.extra_vars.clone(), magic);
        let fact_cache = FactCache::from_env();
        if let Some(cache) = &fact_cache {
            if opts.flush_cache {
                cache.flush();
            }
            for h in hosts.iter().map(String::as_str).chain(["localhost"]) {
                if let Some(facts) = cache.load(h) {
                    vars.update_host(h, |s| s.facts = Arc::new(with_namespace(facts)));
                }
            }
        }
        Arc::new(Run {
            fact_cache,
            seeking_start: AtomicBool::new(opts.start_at_task.is_some()),
            connections: Connections::new(opts.connection.clone()),
            opts,
            vars,
            printer,
            recap: Recap::default(),
            forks,
            failed_hosts: Mutex::default(),
            async_jobs: Default::default(),
        })
    }

    pub fn async_jobs(&self) -> &super::async_jobs::AsyncJobs {
        &self.async_jobs
    }

    pub fn opts(&self) -> &RunOptions {
        &self.opts
    }

    pub fn vars(&self) -> &Arc<RunVars> {
        &self.vars
    }

    pub fn templar(&self) -> &Templar {
        self.vars.templar()
    }

    pub fn printer(&self) -> &Printer {
        &self.printer
    }

    pub fn recap(&self) -> &Recap {
        &self.recap
    }

    pub fn forks(&self) -> usize {
        self.forks
    }

    pub fn connections(&self) -> &Connections {
        &self.connections
    }

    /// Whether any host was unreachable (Ansible's exit code 4 rather than 2).
    pub fn any_unreachable(&self) -> bool {
        self.recap.snapshot().values().any(|s| s.unreachable > 0)
    }

    /// `hosts` without those that failed in an earlier play.
    pub fn without_failed(&self, hosts: Vec<String>) -> Vec<String> {
        let failed = self.failed_hosts.lock().unwrap();
        hosts.into_iter().filter(|h| !failed.contains(h)).collect()
    }

    /// Adds facts to a host's facts (gathered ones, `set_fact` with `cacheable`), kept in the
    /// persistent cache when there is one.
    pub fn add_facts(&self, host: &str, facts: Map) {
        let mut all = Map::new();
        self.vars.update_host(host, |s| {
            let mut merged = (*s.facts).clone();
            let mut ns = match merged.remove("ansible_facts") {
                Some(crate::Value::Object(m)) => m,
                _ => Map::new(),
            };
            if let Some(crate::Value::Object(more)) = facts.get("ansible_facts") {
                ns.extend(more.clone());
            }
            for (k, v) in &facts {
                if k != "ansible_facts" {
                    merged.insert(k.clone(), v.clone());
                }
            }
            merged.insert("ansible_facts".into(), crate::Value::Object(ns));
            let merged = with_namespace(merged);
            all = merged.clone();
            s.facts = Arc::new(merged);
        });
        if let Some(cache) = &self.fact_cache {
            cache.store(host, &all);
        }
    }

    /// Whether a play ended with a host failed or unreachable: Ansible's exit status looks at
    /// hosts, so a failure that `rescue` or `meta: clear_host_errors` forgave does not count.
    pub fn any_failed(&self) -> bool {
        !self.failed_hosts.lock().unwrap().is_empty()
    }

    /// Leaves a failed host out of the plays that follow.
    pub fn remember_failed(&self, host: &str) {
        self.failed_hosts.lock().unwrap().insert(host.to_string());
    }

    /// Whether a task is left out by `--tags`/`--skip-tags` or `--start-at-task`.
    pub fn skips(&self, task: &Task, tags: &[String]) -> bool {
        !self.opts.tags.selects(tags) || self.before_start(task.name.as_deref())
    }

    /// `--start-at-task`: whether a task named `name` is still before the one to start at.
    fn before_start(&self, name: Option<&str>) -> bool {
        if !self.seeking_start.load(Ordering::SeqCst) {
            return false;
        }
        let wanted = self.opts.start_at_task.as_deref().unwrap_or_default();
        if name == Some(wanted) {
            self.seeking_start.store(false, Ordering::SeqCst);
            false
        } else {
            true
        }
    }
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Run")
    }
}
