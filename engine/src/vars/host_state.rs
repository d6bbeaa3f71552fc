//! What the run knows about each host, shared between threads.

use std::{
    collections::HashSet,
    sync::{Arc, RwLock},
};

use indexmap::IndexMap;

use crate::Map;

/// The variables and status of one host across the whole run.
#[derive(Default)]
pub struct HostState {
    pub inventory_vars: Arc<Map>,
    /// Gathered facts, as injected top-level `ansible_*` names plus `ansible_facts`.
    pub facts: Arc<Map>,
    /// `set_fact` results and registered variables.
    pub host_facts: Arc<Map>,
    pub include_vars: Arc<Map>,
    /// `vars_files` of the current play, read for this host.
    pub vars_files: Arc<Map>,
    /// Names in `host_facts` whose values are data, never templated again: registered
    /// results and failure variables (Ansible marks them unsafe).
    pub unsafe_names: Arc<HashSet<String>>,
}

impl HostState {
    /// `set_fact`: values that later lookups may template.
    pub fn set_facts(&mut self, facts: Map) {
        if self.unsafe_names.iter().any(|n| facts.contains_key(n)) {
            Arc::make_mut(&mut self.unsafe_names).retain(|n| !facts.contains_key(n));
        }
        Arc::make_mut(&mut self.host_facts).extend(facts);
    }

    /// `register` and the failure variables: values kept as data.
    pub fn set_unsafe(&mut self, values: Map) {
        Arc::make_mut(&mut self.unsafe_names).extend(values.keys().cloned());
        Arc::make_mut(&mut self.host_facts).extend(values);
    }
}

/// Every inventory host's state, by name, in inventory order.
#[derive(Default)]
pub struct HostTable {
    hosts: RwLock<IndexMap<String, Arc<RwLock<HostState>>>>,
}

impl HostTable {
    pub fn insert(&self, name: &str, state: HostState) {
        self.hosts
            .write()
            .unwrap()
            .insert(name.to_string(), Arc::new(RwLock::new(state)));
    }

    pub fn get(&self, name: &str) -> Option<Arc<RwLock<HostState>>> {
        self.hosts.read().unwrap().get(name).cloned()
    }

    pub fn names(&self) -> Vec<String> {
        self.hosts.read().unwrap().keys().cloned().collect()
    }

    /// Applies `f` to a host's state (set_fact, register, include_vars).
    pub fn update(&self, name: &str, f: impl FnOnce(&mut HostState)) {
        if let Some(h) = self.get(name) {
            f(&mut h.write().unwrap());
        }
    }
}
