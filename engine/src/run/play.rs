//! One play: its hosts in `serial` batches, its sections, handler flushes and failure rules.

use std::{
    collections::{HashMap, HashSet},
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc, Mutex, RwLock,
    },
};

use indexmap::IndexSet;

use super::{facts, handlers::Handlers, inherited::Inherited, Run};
use crate::{
    output::Outcome,
    playbook::{Play, Task},
    template::from_jinja,
    vars::{Layer, Scope},
    yaml, Map, Value,
};

/// Why a host stopped taking part in the play.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostEnd {
    Failed,
    Unreachable,
    /// `meta: end_host`.
    Ended,
}

/// What follows a serial batch.
enum BatchEnd {
    Continue,
    /// `meta: end_play`: the next play still runs.
    EndPlay,
    /// Every host of the batch failed, or more than `max_fail_percentage`: the playbook ends.
    EndRun,
}

/// State of one play while it runs.
pub struct PlayRun {
    pub run: Arc<Run>,
    pub play: Play,
    pub play_vars: Arc<Map>,
    /// The merged defaults and vars of the roles the play loads statically.
    pub public_roles: (Arc<Map>, Arc<Map>),
    pub top: Inherited,
    /// Every host the play targets, and the current serial batch.
    pub all_hosts: Vec<String>,
    pub batch: RwLock<Vec<String>>,
    pub ended: Mutex<HashMap<String, HostEnd>>,
    /// Each failed host's `ansible_failed_task`/`ansible_failed_result`, until a rescue.
    pub last_failure: Mutex<HashMap<String, Map>>,
    pub handlers: Handlers,
    pub end_play: AtomicBool,
    pub free: bool,
}

impl PlayRun {
    pub fn new(run: Arc<Run>, play: &Play) -> PlayRun {
        let top = Inherited::from_play(&play.kw);
        PlayRun {
            play_vars: Arc::new(play.kw.vars.clone()),
            public_roles: public_role_vars(play),
            top,
            handlers: Handlers::new(play.handlers.clone()),
            free: play.strategy.as_deref() == Some("free"),
            play: play.clone(),
            run,
            all_hosts: Vec::new(),
            batch: RwLock::default(),
            ended: Mutex::default(),
            last_failure: Mutex::default(),
            end_play: AtomicBool::new(false),
        }
    }

    /// Runs the play; returns false when the run must stop: a fatal error before any host ran,
    /// or a whole batch failed (Ansible then ends the playbook).
    pub fn run(self) -> bool {
        let mut this = self;
        let name = this.play_name();
        this.run.printer.play(&name);
        match this.select_hosts() {
            Ok(hosts) => {
                let failed = this.run.failed_hosts.lock().unwrap();
                this.all_hosts = hosts.into_iter().filter(|h| !failed.contains(h)).collect();
            }
            Err(msg) => {
                this.run.printer.fatal(&msg);
                return false;
            }
        }
        if this.all_hosts.is_empty() {
            this.run.printer.warning("no hosts matched");
            return true;
        }
        let this = Arc::new(this);
        for batch in this.batches() {
            *this.batch.write().unwrap() = batch.clone();
            let end = this.run_batch(&batch);
            this.remember_failed_hosts(&batch);
            match end {
                BatchEnd::Continue => {}
                BatchEnd::EndPlay => break,
                BatchEnd::EndRun => return false,
            }
        }
        true
    }

    fn remember_failed_hosts(&self, batch: &[String]) {
        let mut failed = self.run.failed_hosts.lock().unwrap();
        for h in batch {
            if matches!(
                self.ended_as(h),
                Some(HostEnd::Failed | HostEnd::Unreachable)
            ) {
                failed.insert(h.clone());
            }
        }
    }

    fn play_name(&self) -> String {
        if self.play.name.is_empty() {
            self.play.hosts.clone()
        } else {
            let scope = self.play_scope();
            self.run
                .templar
                .render_str(&self.play.name, &scope.into_context())
                .map(|v| {
                    v.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| v.to_string())
                })
                .unwrap_or_else(|_| self.play.name.clone())
        }
    }

    /// Variables for templating play-level keywords (hosts, name): extra vars and play vars.
    fn play_scope(&self) -> Scope {
        let mut scope = Scope::new(self.run.templar.clone());
        scope
            .push(Layer::PlayVars, self.play_vars.clone())
            .push(Layer::ExtraVars, self.run.extra_vars.clone());
        scope
    }

    fn select_hosts(&self) -> Result<Vec<String>, String> {
        let pattern = self
            .run
            .templar
            .render_str(&self.play.hosts, &self.play_scope().into_context())
            .map_err(|e| format!("{}: hosts: {e}", self.play.origin))?;
        let pattern = match pattern {
            Value::String(s) => s,
            Value::Array(a) => a
                .iter()
                .filter_map(|v| v.as_str())
                .collect::<Vec<_>>()
                .join(","),
            other => other.to_string(),
        };
        let inv = self.run.inventory.read().unwrap();
        let mut hosts = inv.select(&pattern).map_err(|e| e.to_string())?;
        if let Some(limit) = &self.run.opts.limit {
            let allowed: HashSet<String> = inv
                .select(limit)
                .map_err(|e| e.to_string())?
                .into_iter()
                .collect();
            hosts.retain(|h| allowed.contains(h));
        }
        Ok(hosts)
    }

    /// `serial`: a number, a percentage, or a list of them (the last repeats).
    fn batches(&self) -> Vec<Vec<String>> {
        let total = self.all_hosts.len();
        let sizes: Vec<Value> = match &self.play.serial {
            None => return vec![self.all_hosts.clone()],
            Some(Value::Array(a)) => a.clone(),
            Some(v) => vec![v.clone()],
        };
        let size_of = |v: &Value| -> usize {
            let n = match v {
                Value::String(s) if s.trim().ends_with('%') => {
                    let pct: f64 = s.trim().trim_end_matches('%').parse().unwrap_or(100.0);
                    ((total as f64) * pct / 100.0) as usize
                }
                Value::String(s) => s.trim().parse().unwrap_or(total),
                Value::Number(n) => n.as_u64().unwrap_or(total as u64) as usize,
                _ => total,
            };
            if n == 0 {
                total.max(1)
            } else {
                n
            }
        };
        let mut out = Vec::new();
        let mut rest = &self.all_hosts[..];
        let mut i = 0;
        while !rest.is_empty() {
            let n = size_of(&sizes[i.min(sizes.len() - 1)])
                .min(rest.len())
                .max(1);
            out.push(rest[..n].to_vec());
            rest = &rest[n..];
            i += 1;
        }
        out
    }

    /// One serial batch through every section, and what comes after it.
    fn run_batch(self: &Arc<Self>, batch: &[String]) -> BatchEnd {
        for h in batch {
            self.run.recap.touch(h);
        }
        self.load_vars_files(batch);
        if self.gather_facts_wanted() {
            self.gather_facts(batch);
        }
        let sections: [&[Task]; 4] = [
            &self.play.pre_tasks,
            &self.play.roles,
            &self.play.tasks,
            &self.play.post_tasks,
        ];
        for (i, section) in sections.iter().enumerate() {
            if self.end_play.load(Ordering::SeqCst) {
                break;
            }
            if self.free {
                self.run_free(section);
            } else {
                self.run_tasks(section, &self.active(batch), &self.top.clone());
            }
            // Handlers flush after pre_tasks, after roles+tasks, after post_tasks.
            if i != 1 {
                self.flush_handlers(batch);
            }
        }
        let failed = batch
            .iter()
            .filter(|h| self.ended_as(h).is_some_and(|e| e != HostEnd::Ended))
            .count();
        if failed > 0 && self.too_many_failed(batch, failed) {
            return BatchEnd::EndRun;
        }
        if self.end_play.load(Ordering::SeqCst) {
            BatchEnd::EndPlay
        } else {
            BatchEnd::Continue
        }
    }

    fn too_many_failed(&self, batch: &[String], failed: usize) -> bool {
        if let Some(max) = self
            .play
            .max_fail_percentage
            .as_ref()
            .and_then(|v| v.as_f64().or_else(|| v.as_str()?.parse().ok()))
        {
            return (failed as f64) * 100.0 / (batch.len() as f64) > max;
        }
        failed == batch.len()
    }

    /// `strategy: free`: each host runs the section on its own, as fast as it can.
    fn run_free(self: &Arc<Self>, tasks: &[Task]) {
        let hosts = self.active(&self.batch.read().unwrap());
        let top = self.top.clone();
        super::fan_out::for_each(&hosts, self.run.forks, |h| {
            self.run_tasks(tasks, std::slice::from_ref(h), &top)
        });
    }

    /// Hosts of `among` still taking part.
    pub fn active(&self, among: &[String]) -> Vec<String> {
        let ended = self.ended.lock().unwrap();
        among
            .iter()
            .filter(|h| !ended.contains_key(*h))
            .cloned()
            .collect()
    }

    pub fn ended_as(&self, host: &str) -> Option<HostEnd> {
        self.ended.lock().unwrap().get(host).copied()
    }

    pub fn end_host(&self, host: &str, why: HostEnd) {
        self.ended
            .lock()
            .unwrap()
            .entry(host.to_string())
            .or_insert(why);
    }

    /// Un-fails a host whose failure a `rescue` handled.
    pub fn rescue_host(&self, host: &str) {
        let mut ended = self.ended.lock().unwrap();
        if ended.get(host) == Some(&HostEnd::Failed) {
            ended.remove(host);
        }
    }

    fn gather_facts_wanted(&self) -> bool {
        match &self.play.gather_facts {
            None => true,
            Some(v) => troupe_modules::args::boolean(v).unwrap_or(true),
        }
    }

    fn gather_facts(self: &Arc<Self>, batch: &[String]) {
        let tags = self.top.tags.clone();
        let mut with_always = tags.clone();
        with_always.push("always".into());
        if !self.run.opts.tags.selects(&with_always) {
            return;
        }
        self.run.printer.task("Gathering Facts", false);
        let hosts = self.active(batch);
        super::fan_out::for_each(&hosts, self.run.forks, |h| {
            let outcome = self.gather_host_facts(h);
            self.record(h, &outcome);
        });
    }

    /// Runs fact gathering on one host and stores the facts.
    pub fn gather_host_facts(self: &Arc<Self>, host: &str) -> Outcome {
        let top = self.top.clone();
        let target = match self.target_for(host, host, &top, None) {
            Ok(t) => t,
            Err(o) => return *o,
        };
        match facts::gather(target.as_ref()) {
            Ok(f) => {
                self.run.hosts.update(host, |s| {
                    let mut merged = (*s.facts).clone();
                    merged.extend(f.clone());
                    s.facts = Arc::new(merged);
                });
                let mut result = Map::new();
                result.insert("changed".into(), Value::Bool(false));
                Outcome::new(crate::output::Status::Ok, result)
            }
            Err(e) => {
                self.run.forget_connection(host);
                Outcome::unreachable(e.to_string())
            }
        }
    }

    /// Prints and counts a host's result, and ends the host on failure.
    pub fn record(&self, host: &str, outcome: &Outcome) {
        self.run.printer.result(host, outcome, false);
        self.run.recap.count(host, outcome);
        self.end_on_failure(host, outcome);
    }

    pub fn end_on_failure(&self, host: &str, outcome: &Outcome) {
        match outcome.status {
            crate::output::Status::Unreachable if !outcome.ignored => {
                self.end_host(host, HostEnd::Unreachable)
            }
            crate::output::Status::Failed if !outcome.ignored => {
                self.end_host(host, HostEnd::Failed)
            }
            _ => {}
        }
    }

    /// `vars_files`, read per host (their names may use host variables).
    fn load_vars_files(self: &Arc<Self>, batch: &[String]) {
        if self.play.vars_files.is_empty() {
            return;
        }
        for host in batch {
            let mut merged = Map::new();
            let scope = self.scope(host, &self.top, Map::new());
            let ctx = scope.into_context();
            for entry in &self.play.vars_files {
                let candidates: Vec<Value> = match entry {
                    Value::Array(a) => a.clone(),
                    v => vec![v.clone()],
                };
                let mut loaded = false;
                let mut looked = Vec::new();
                for c in &candidates {
                    let name = match self.run.templar.render_value(c, &ctx) {
                        Ok(Value::String(s)) => s,
                        Ok(other) => other.to_string(),
                        Err(e) => {
                            self.fail_host_now(host, &format!("vars_files: {e}"));
                            continue;
                        }
                    };
                    let path = self.play.dir.join(&name);
                    looked.push(path.display().to_string());
                    if path.exists() {
                        match yaml::load_value(&path) {
                            Ok(Value::Object(m)) => merged.extend(m),
                            Ok(Value::Null) => {}
                            Ok(_) => self.fail_host_now(
                                host,
                                &format!("{}: vars file must be a mapping", path.display()),
                            ),
                            Err(e) => self.fail_host_now(host, &e.to_string()),
                        }
                        loaded = true;
                        break;
                    }
                }
                if !loaded {
                    self.fail_host_now(
                        host,
                        &format!("vars file not found; looked for: {}", looked.join(", ")),
                    );
                }
            }
            self.run
                .hosts
                .update(host, |s| s.vars_files = Arc::new(merged));
        }
    }

    fn fail_host_now(&self, host: &str, msg: &str) {
        self.record(host, &Outcome::failed(msg));
    }

    /// The variables `host` sees for a task with inherited keywords `inh`; `extra` are
    /// per-task names such as the loop item.
    pub fn scope(&self, host: &str, inh: &Inherited, extra: Map) -> Scope {
        let state = self.run.host_state(host);
        let s = state.read().unwrap();
        let mut scope = Scope::new(self.run.templar.clone());
        // Roles the play loads statically are public: their defaults and vars reach every
        // task, and a task's own role comes on top.
        scope.push(Layer::RoleDefaults, self.public_roles.0.clone());
        if let Some(role) = &inh.role {
            scope.push(Layer::RoleDefaults, role.defaults.clone());
        }
        scope
            .push(Layer::Inventory, s.inventory_vars.clone())
            .push(Layer::Facts, s.facts.clone())
            .push(Layer::PlayVars, self.play_vars.clone())
            .push(Layer::VarsFiles, s.vars_files.clone());
        scope.push(Layer::RoleVars, self.public_roles.1.clone());
        if let Some(role) = &inh.role {
            scope.push(Layer::RoleVars, role.vars.clone());
        }
        let mut magic = self.run.host_magic(host);
        let batch = self.batch.read().unwrap().clone();
        let active = Value::from(self.active(&batch));
        magic.insert("play_hosts".into(), active.clone());
        magic.insert("ansible_play_hosts".into(), active);
        magic.insert("ansible_play_batch".into(), Value::from(batch));
        magic.insert(
            "ansible_play_hosts_all".into(),
            Value::from(self.all_hosts.clone()),
        );
        magic.insert(
            "ansible_play_name".into(),
            Value::from(self.play.name.clone()),
        );
        if let Some(role) = &inh.role {
            magic.insert("role_name".into(), Value::from(role.name.clone()));
            magic.insert(
                "role_path".into(),
                Value::from(role.path.display().to_string()),
            );
        }
        magic.extend(extra);
        scope
            .push(Layer::TaskVars, inh.vars.clone())
            .push(Layer::IncludeVars, s.include_vars.clone())
            .push(Layer::HostFacts, s.host_facts.clone())
            .push(Layer::Magic, Arc::new(magic))
            .push(Layer::ExtraVars, self.run.extra_vars.clone());
        self.run.add_objects(&mut scope);
        scope
    }

    /// Connection variables of `host` (`ansible_*`), rendered in its scope.
    pub fn connection_vars(&self, host: &str, inh: &Inherited) -> Map {
        let scope = Arc::new(self.scope(host, inh, Map::new()));
        let ctx = minijinja::Value::from_dyn_object(scope.clone());
        let mut out = Map::new();
        let names: IndexSet<String> = [
            "ansible_connection",
            "ansible_host",
            "ansible_port",
            "ansible_user",
            "ansible_ssh_user",
            "ansible_ssh_private_key_file",
            "ansible_private_key_file",
            "ansible_ssh_common_args",
            "ansible_ssh_extra_args",
            "ansible_timeout",
            "ansible_host_key_checking",
            "ansible_control_path_dir",
            "ansible_control_path",
            "ansible_become_password",
            "ansible_become_pass",
            "ansible_password",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for name in names {
            if let Some(v) = ctx.get_attr(&name).ok().filter(|v| !v.is_undefined()) {
                out.insert(name, from_jinja(&v));
            }
        }
        // The `connection:` and `remote_user:` keywords apply where no variable says otherwise
        // (in Ansible, connection variables win over keywords).
        for (keyword, var) in [
            (&inh.kw.connection, "ansible_connection"),
            (&inh.kw.remote_user, "ansible_user"),
        ] {
            if let (Some(v), false) = (keyword, out.contains_key(var)) {
                if let Ok(rendered) = self.run.templar.render_value(v, &ctx) {
                    out.insert(var.to_string(), rendered);
                }
            }
        }
        out
    }

    pub fn flush_handlers(self: &Arc<Self>, batch: &[String]) {
        let force = self
            .play
            .force_handlers
            .as_ref()
            .and_then(troupe_modules::args::boolean)
            .unwrap_or(false);
        let hosts: Vec<String> = if force {
            batch
                .iter()
                .filter(|h| self.ended_as(h) != Some(HostEnd::Unreachable))
                .cloned()
                .collect()
        } else {
            self.active(batch)
        };
        Handlers::flush(self, &hosts);
    }
}

/// Defaults and vars of every role in the play's static task tree (`roles:`, `import_role`),
/// merged in the order the roles first appear.
fn public_role_vars(play: &Play) -> (Arc<Map>, Arc<Map>) {
    let mut roles: Vec<Arc<crate::playbook::Role>> = Vec::new();
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
