//! Every host's variables across a run, and the scopes built over them: the inventory, each
//! host's state, extra vars, and the run's magic names. Ansible's VariableManager.

use std::sync::{Arc, RwLock, RwLockReadGuard};

use minijinja::value::{Enumerator, Object, ObjectRepr};
use minijinja::Value as JValue;

use super::{
    magic::{role_vars, RunMagic},
    HostState, HostTable, Layer, Scope, ScopeBuilder,
};
use crate::{
    inventory::{Inventory, InventoryError},
    playbook::Role,
    template::{to_jinja, Templar},
    Map,
};

/// The variables of a whole run.
pub struct RunVars {
    templar: Arc<Templar>,
    inventory: RwLock<Inventory>,
    hosts: HostTable,
    extra_vars: Arc<Map>,
    magic: RunMagic,
    /// `groups` as templates see it; rebuilt after `add_host`/`group_by`.
    groups: RwLock<Option<JValue>>,
}

/// What a play adds to its hosts' variables.
#[derive(Debug, Clone, Default)]
pub struct PlayLayers {
    pub vars: Arc<Map>,
    /// The merged defaults and vars of the roles the play loads statically (public roles).
    pub role_defaults: Arc<Map>,
    pub role_vars: Arc<Map>,
}

/// What a task adds: its role, the `vars:` it inherits, the play's hosts, and per-task names
/// such as the loop item.
pub struct TaskLayers<'a> {
    pub role: Option<&'a Role>,
    pub vars: Arc<Map>,
    /// The play's host lists (see [`super::PlayMagic`]).
    pub play: Arc<Map>,
    pub extra: Map,
}

impl RunVars {
    pub fn new(inventory: Inventory, extra_vars: Map, magic: RunMagic) -> Arc<RunVars> {
        let hosts = HostTable::default();
        for h in inventory.hosts() {
            let state = HostState {
                inventory_vars: Arc::new(inventory.host_vars(&h.name)),
                ..HostState::default()
            };
            hosts.insert(&h.name, state);
        }
        Arc::new(RunVars {
            templar: Arc::new(Templar::new()),
            inventory: RwLock::new(inventory),
            hosts,
            extra_vars: Arc::new(extra_vars),
            magic,
            groups: RwLock::default(),
        })
    }

    pub fn templar(&self) -> &Arc<Templar> {
        &self.templar
    }

    pub fn inventory(&self) -> RwLockReadGuard<'_, Inventory> {
        self.inventory.read().unwrap()
    }

    /// Hosts of the inventory matching `pattern`.
    pub fn select(&self, pattern: &str) -> Result<Vec<String>, InventoryError> {
        self.inventory().select(pattern)
    }

    /// Applies `f` to a host's state (set_fact, register, include_vars, facts), created on
    /// first sight like any host's.
    pub fn update_host(&self, name: &str, f: impl FnOnce(&mut HostState)) {
        f(&mut self.host_state(name).write().unwrap())
    }

    /// `add_host`: the host joins the inventory (and `groups`) with `vars`.
    pub fn add_host(&self, name: &str, groups: &[String], vars: Map) {
        self.inventory.write().unwrap().add_host(name, groups, vars);
        let vars = self.inventory().host_vars(name);
        self.host_state(name).write().unwrap().inventory_vars = Arc::new(vars);
        *self.groups.write().unwrap() = None;
    }

    /// `group_by`: the host joins `groups` (its variables stay as they are).
    pub fn add_to_groups(&self, host: &str, groups: &[String]) {
        self.inventory
            .write()
            .unwrap()
            .add_host(host, groups, Map::new());
        *self.groups.write().unwrap() = None;
    }

    /// The state of a host, created on first sight (delegates, `add_host`, implicit localhost).
    fn host_state(&self, name: &str) -> Arc<RwLock<HostState>> {
        if let Some(h) = self.hosts.get(name) {
            return h;
        }
        let vars = self.inventory().host_vars(name);
        self.hosts.insert(
            name,
            HostState {
                inventory_vars: Arc::new(vars),
                ..HostState::default()
            },
        );
        self.hosts.get(name).expect("just inserted")
    }

    fn groups_value(&self) -> JValue {
        if let Some(g) = self.groups.read().unwrap().as_ref() {
            return g.clone();
        }
        let groups = self.inventory().groups();
        let value = to_jinja(&serde_json::to_value(groups).unwrap_or_default());
        *self.groups.write().unwrap() = Some(value.clone());
        value
    }

    /// Variables for templating play-level keywords (hosts, name): extra vars and play vars.
    pub fn play_scope(&self, play_vars: Arc<Map>) -> Scope {
        let mut b = ScopeBuilder::new(self.templar.clone());
        b.layer(Layer::PlayVars, play_vars)
            .layer(Layer::ExtraVars, self.extra_vars.clone());
        b.build()
    }

    /// The variables of a host outside any play (`hostvars[host]`): inventory, facts,
    /// set_fact and registered values, extra vars.
    pub fn host_scope(self: &Arc<Self>, host: &str) -> Scope {
        let mut b = ScopeBuilder::new(self.templar.clone());
        self.host_layers(host, &mut b);
        b.build()
    }

    /// The variables `host` sees for a task of a play.
    pub fn task_scope(self: &Arc<Self>, host: &str, play: &PlayLayers, task: TaskLayers) -> Scope {
        let mut b = ScopeBuilder::new(self.templar.clone());
        self.host_layers(host, &mut b);
        // A task sees the address it connects to as `ansible_host` even when the inventory
        // names none (Ansible's play context sets it), below every variable that sets one.
        b.layer(
            Layer::RoleDefaults,
            Arc::new(Map::from_iter([(
                "ansible_host".to_string(),
                crate::Value::from(host),
            )])),
        );
        // Roles the play loads statically are public: their defaults and vars reach every
        // task, and a task's own role comes on top.
        b.layer(Layer::RoleDefaults, play.role_defaults.clone())
            .layer(Layer::PlayVars, play.vars.clone())
            .layer(Layer::RoleVars, play.role_vars.clone())
            .layer(Layer::TaskVars, task.vars)
            .layer(Layer::Magic, task.play);
        if let Some(role) = task.role {
            b.layer(Layer::RoleDefaults, role.defaults.clone())
                .layer(Layer::RoleVars, role.vars.clone())
                .magic(role_vars(role));
        }
        b.magic(task.extra);
        b.build()
    }

    /// The layers every scope of a host has, and `hostvars` and `groups`.
    fn host_layers(self: &Arc<Self>, host: &str, b: &mut ScopeBuilder) {
        let state = self.host_state(host);
        let s = state.read().unwrap();
        let group_names = self.inventory().group_names(host);
        b.layer(Layer::Inventory, s.inventory_vars.clone())
            .layer(Layer::Facts, s.facts.clone())
            .layer(Layer::VarsFiles, s.vars_files.clone())
            .layer(Layer::IncludeVars, s.include_vars.clone())
            .layer(Layer::HostFacts, s.host_facts.clone())
            .unsafe_names(s.unsafe_names.clone())
            .magic(self.magic.for_host(host, group_names))
            .layer(Layer::ExtraVars, self.extra_vars.clone())
            .object(
                "hostvars",
                JValue::from_object(HostVars { vars: self.clone() }),
            )
            .object("groups", self.groups_value());
    }
}

impl std::fmt::Debug for RunVars {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RunVars")
    }
}

/// `hostvars`: every host's variables, built when a template asks for them.
#[derive(Debug)]
struct HostVars {
    vars: Arc<RunVars>,
}

impl Object for HostVars {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &JValue) -> Option<JValue> {
        let host = key.as_str()?;
        self.vars.hosts.get(host)?;
        Some(self.vars.host_scope(host).into_context())
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Values(
            self.vars
                .hosts
                .names()
                .into_iter()
                .map(JValue::from)
                .collect(),
        )
    }
}
