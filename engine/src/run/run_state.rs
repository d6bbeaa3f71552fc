//! What a whole run shares between plays and threads.

use std::{
    collections::{HashMap, HashSet},
    path::PathBuf,
    sync::{Arc, Mutex, RwLock},
};

use minijinja::Value as JValue;
use troupe_modules::{Target, TargetError};

use super::{play::PlayRun, TagFilter};
use crate::{
    connection::{self, Become, Connection, ConnectionSpec},
    inventory::Inventory,
    output::{Printer, Recap},
    playbook::{LoadOptions, Playbook},
    template::{to_jinja, Templar},
    vars::{HostState, HostTable, Layer, Scope},
    Map, Value,
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
    pub load: LoadOptions,
    /// `-b`, `--become-user`, `-u`, `-c`, `--private-key`: defaults that the play may override.
    pub r#become: bool,
    pub become_user: Option<String>,
    pub become_password: Option<String>,
    pub remote_user: Option<String>,
    pub connection: Option<String>,
    pub private_key: Option<String>,
    pub timeout: Option<u64>,
}

/// A host's connection, opened on first use; locked while it opens.
type ConnectionSlot = Arc<Mutex<Option<Arc<dyn Connection>>>>;

/// One run of a playbook: inventory, host states, connections, output.
pub struct Run {
    pub opts: RunOptions,
    pub inventory: RwLock<Inventory>,
    pub hosts: HostTable,
    pub templar: Arc<Templar>,
    pub printer: Printer,
    pub recap: Recap,
    pub playbook_dir: PathBuf,
    pub extra_vars: Arc<Map>,
    /// Hosts worked on at once: `--forks`, at most the inventory's size.
    pub forks: usize,
    /// Hosts that failed or were unreachable in an earlier play: later plays leave them out.
    pub failed_hosts: Mutex<HashSet<String>>,
    /// One slot per host, locked while connecting so concurrent tasks (e.g. several hosts
    /// delegating to one) share a single connection.
    connections: Mutex<HashMap<String, ConnectionSlot>>,
    groups: RwLock<Option<JValue>>,
    /// `--start-at-task`: still looking for the task to start at (across plays).
    pub seeking_start: std::sync::atomic::AtomicBool,
}

impl Run {
    pub fn new(
        opts: RunOptions,
        inventory: Inventory,
        playbook_dir: PathBuf,
        printer: Printer,
    ) -> Arc<Run> {
        let hosts = HostTable::default();
        for h in inventory.hosts() {
            let state = HostState {
                inventory_vars: Arc::new(inventory.host_vars(&h.name)),
                ..HostState::default()
            };
            hosts.insert(&h.name, state);
        }
        // No more threads than hosts to work on: idle workers only cost.
        let forks = opts.forks.clamp(1, inventory.hosts().count().max(1));
        let opts_seeking = opts.start_at_task.is_some();
        Arc::new(Run {
            extra_vars: Arc::new(opts.extra_vars.clone()),
            opts,
            inventory: RwLock::new(inventory),
            hosts,
            templar: Arc::new(Templar::new()),
            printer,
            recap: Recap::default(),
            playbook_dir,
            forks,
            failed_hosts: Mutex::default(),
            connections: Mutex::default(),
            groups: RwLock::default(),
            seeking_start: std::sync::atomic::AtomicBool::new(opts_seeking),
        })
    }

    /// Runs every play until one ends with a whole batch failed; returns whether all hosts
    /// succeeded.
    pub fn execute(self: &Arc<Self>, playbook: &Playbook) -> bool {
        super::interrupt::guard(self);
        for play in &playbook.plays {
            if !PlayRun::new(self.clone(), play).run() {
                break;
            }
        }
        super::interrupt::hold_if_interrupted();
        self.printer.recap(&self.recap.snapshot());
        self.close();
        self.recap.success()
    }

    /// Whether any host was unreachable (Ansible's exit code 4 rather than 2).
    pub fn any_unreachable(&self) -> bool {
        self.recap.snapshot().values().any(|s| s.unreachable > 0)
    }

    /// The state of a host, created on first sight (delegates, `add_host`, implicit localhost).
    pub fn host_state(&self, name: &str) -> Arc<RwLock<HostState>> {
        if let Some(h) = self.hosts.get(name) {
            return h;
        }
        let vars = self.inventory.read().unwrap().host_vars(name);
        self.hosts.insert(
            name,
            HostState {
                inventory_vars: Arc::new(vars),
                ..HostState::default()
            },
        );
        self.hosts.get(name).expect("just inserted")
    }

    /// `groups` as templates see it; rebuilt after `add_host`/`group_by`.
    pub fn groups_value(&self) -> JValue {
        if let Some(g) = self.groups.read().unwrap().as_ref() {
            return g.clone();
        }
        let groups = self.inventory.read().unwrap().groups();
        let value = to_jinja(&serde_json::to_value(groups).unwrap_or_default());
        *self.groups.write().unwrap() = Some(value.clone());
        value
    }

    pub fn inventory_changed(&self) {
        *self.groups.write().unwrap() = None;
    }

    /// The variables of a host outside any play (`hostvars[host]`): inventory, facts,
    /// set_fact and registered values, extra vars.
    pub fn host_scope(self: &Arc<Self>, host: &str) -> Scope {
        let state = self.host_state(host);
        let s = state.read().unwrap();
        let mut scope = Scope::new(self.templar.clone());
        scope
            .push(Layer::Inventory, s.inventory_vars.clone())
            .push(Layer::Facts, s.facts.clone())
            .push(Layer::VarsFiles, s.vars_files.clone())
            .push(Layer::IncludeVars, s.include_vars.clone())
            .push(Layer::HostFacts, s.host_facts.clone())
            .push(Layer::Magic, Arc::new(self.host_magic(host)))
            .push(Layer::ExtraVars, self.extra_vars.clone());
        self.add_objects(&mut scope);
        scope
    }

    /// Names every scope of a host has: `inventory_hostname`, `group_names`...
    pub fn host_magic(&self, host: &str) -> Map {
        let inv = self.inventory.read().unwrap();
        let mut m = Map::new();
        m.insert("inventory_hostname".into(), Value::from(host));
        m.insert(
            "inventory_hostname_short".into(),
            Value::from(host.split('.').next().unwrap_or(host)),
        );
        m.insert("group_names".into(), Value::from(inv.group_names(host)));
        m.insert(
            "playbook_dir".into(),
            Value::from(self.playbook_dir.display().to_string()),
        );
        m.insert("ansible_check_mode".into(), Value::Bool(self.opts.check));
        m.insert("ansible_diff_mode".into(), Value::Bool(self.opts.diff));
        m.insert("ansible_forks".into(), Value::from(self.opts.forks));
        m.insert(
            "ansible_verbosity".into(),
            Value::from(self.printer.verbosity()),
        );
        m.insert("omit".into(), Value::from(OMIT));
        m.insert(
            "ansible_version".into(),
            serde_json::json!({"full": "2.17.0", "major": 2, "minor": 17, "revision": 0, "string": "2.17.0 (troupe)"}),
        );
        m
    }

    /// `hostvars` and `groups`, shared by every scope.
    pub fn add_objects(self: &Arc<Self>, scope: &mut Scope) {
        scope.object(
            "hostvars",
            JValue::from_object(HostVars { run: self.clone() }),
        );
        scope.object("groups", self.groups_value());
    }

    /// A target for `host`, connecting on first use; `vars` gives the host's rendered
    /// connection variables (asked for only to connect).
    pub fn target<'v>(
        &self,
        host: &str,
        vars: impl FnOnce() -> &'v Map,
        r#become: Option<&Become>,
    ) -> Result<Arc<dyn Target>, TargetError> {
        let slot = self
            .connections
            .lock()
            .unwrap()
            .entry(host.to_string())
            .or_default()
            .clone();
        let mut slot = slot.lock().unwrap();
        let conn = match slot.as_ref() {
            Some(c) => c.clone(),
            None => {
                let vars = vars();
                let mut spec = ConnectionSpec::from_vars(host, vars);
                self.apply_cli_connection(&mut spec, vars);
                let conn = connection::open(host, &spec)?;
                *slot = Some(conn.clone());
                conn
            }
        };
        drop(slot);
        conn.target(r#become)
    }

    fn apply_cli_connection(&self, spec: &mut ConnectionSpec, vars: &Map) {
        if !vars.contains_key("ansible_connection") {
            if let Some(c) = &self.opts.connection {
                spec.kind = c.clone();
            }
        }
        if spec.user.is_none() {
            spec.user = self.opts.remote_user.clone();
        }
        if spec.private_key.is_none() {
            spec.private_key = self.opts.private_key.clone();
        }
        if let Some(t) = self.opts.timeout {
            spec.timeout_secs = t;
        }
    }

    /// Drops a broken connection so the next task reconnects.
    pub fn forget_connection(&self, host: &str) {
        let slot = self.connections.lock().unwrap().remove(host);
        if let Some(c) = slot.and_then(|s| s.lock().unwrap().take()) {
            c.close();
        }
    }

    /// Kills every connection at once (Ctrl-C): commands in flight are not waited for.
    pub fn abort(&self) {
        let open: Vec<_> = self
            .connections
            .lock()
            .unwrap()
            .drain()
            .filter_map(|(_, slot)| slot.try_lock().ok()?.take())
            .collect();
        std::thread::scope(|scope| {
            for c in &open {
                scope.spawn(move || c.abort());
            }
        });
    }

    /// Closes every connection, all hosts at once (each waits for its shells to end).
    pub fn close(&self) {
        let open: Vec<_> = self
            .connections
            .lock()
            .unwrap()
            .drain()
            .filter_map(|(_, slot)| slot.lock().unwrap().take())
            .collect();
        std::thread::scope(|scope| {
            for c in &open {
                scope.spawn(move || c.close());
            }
        });
    }
}

/// The placeholder `omit` renders to; arguments equal to it are dropped.
pub const OMIT: &str = "__omit_place_holder__troupe";

/// `hostvars`: every host's variables, built when a template asks for them.
#[derive(Debug)]
struct HostVars {
    run: Arc<Run>,
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Run")
    }
}

impl minijinja::value::Object for HostVars {
    fn repr(self: &Arc<Self>) -> minijinja::value::ObjectRepr {
        minijinja::value::ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &JValue) -> Option<JValue> {
        let host = key.as_str()?;
        self.run.hosts.get(host)?;
        Some(self.run.host_scope(host).into_context())
    }

    fn enumerate(self: &Arc<Self>) -> minijinja::value::Enumerator {
        minijinja::value::Enumerator::Values(
            self.run
                .hosts
                .names()
                .into_iter()
                .map(JValue::from)
                .collect(),
        )
    }
}
