//! The inventory itself: hosts, groups, who belongs where, and the rules Ansible keeps
//! between them (every group descends from `all`; a host in no group is `ungrouped`).

use indexmap::IndexMap;

use super::error::GroupLoop;
use super::vars_dir::{Entity, VarsDir};
use crate::{Map, Value};

pub const ALL: &str = "all";
pub const UNGROUPED: &str = "ungrouped";
/// Names that mean this machine; each is an implicit host unless the inventory lists it.
pub const LOCALHOST_NAMES: [&str; 3] = ["localhost", "127.0.0.1", "::1"];
/// A group variable that orders groups of equal depth instead of being a variable.
const GROUP_PRIORITY: &str = "ansible_group_priority";

#[derive(Debug, Clone)]
pub struct Host {
    pub name: String,
    /// The host's own variables: the inventory's, then `host_vars/` files over them.
    pub vars: Map,
    /// Variables the inventory source itself gives the host.
    pub(super) inline_vars: Map,
    /// Groups the host was put in directly, in the order it joined them.
    pub(super) groups: Vec<String>,
    /// The implicit localhost: not listed, not in `all`.
    pub(super) implicit: bool,
}

#[derive(Debug, Clone)]
pub struct Group {
    pub name: String,
    /// The group's variables: the inventory's, then `group_vars/` files over them.
    pub vars: Map,
    pub children: Vec<String>,
    /// Hosts put in this group directly (not through its children).
    pub hosts: Vec<String>,
    pub(super) inline_vars: Map,
    pub(super) parents: Vec<String>,
    pub(super) priority: i64,
}

#[derive(Debug, Clone)]
pub struct Inventory {
    /// Hosts in the order the inventory first names them.
    pub(super) hosts: IndexMap<String, Host>,
    /// Groups in the order they are created; `all` and `ungrouped` first.
    pub(super) groups: IndexMap<String, Group>,
    pub(super) implicit_localhosts: Vec<Host>,
    /// `group_vars/` and `host_vars/` beside the inventory sources, in source order.
    pub(super) source_vars: Vec<VarsDir>,
    /// The same beside playbooks, which take precedence.
    pub(super) play_vars: Vec<VarsDir>,
    pub(super) warnings: Vec<String>,
}

impl Host {
    fn new(name: &str) -> Host {
        Host {
            name: name.to_string(),
            vars: Map::new(),
            inline_vars: Map::new(),
            groups: Vec::new(),
            implicit: false,
        }
    }

    fn implicit_localhost(name: &str) -> Host {
        let mut host = Host::new(name);
        host.implicit = true;
        host.inline_vars
            .insert("ansible_connection".into(), Value::from("local"));
        host.vars = host.inline_vars.clone();
        host
    }
}

impl Group {
    fn new(name: &str) -> Group {
        Group {
            name: name.to_string(),
            vars: Map::new(),
            children: Vec::new(),
            hosts: Vec::new(),
            inline_vars: Map::new(),
            parents: Vec::new(),
            priority: 1,
        }
    }
}

impl Default for Inventory {
    fn default() -> Self {
        Self::new()
    }
}

impl Inventory {
    /// An inventory with only `all`, `ungrouped` and the implicit localhost.
    pub fn new() -> Inventory {
        let mut inventory = Inventory {
            hosts: IndexMap::new(),
            groups: IndexMap::new(),
            implicit_localhosts: LOCALHOST_NAMES
                .iter()
                .map(|n| Host::implicit_localhost(n))
                .collect(),
            source_vars: Vec::new(),
            play_vars: Vec::new(),
            warnings: Vec::new(),
        };
        inventory.ensure_group(ALL);
        inventory.ensure_group(UNGROUPED);
        inventory
            .add_child(ALL, UNGROUPED)
            .expect("ungrouped is a fresh group");
        inventory
    }

    /// A host by name; `localhost` (and `127.0.0.1`, `::1`) exist implicitly when not listed.
    pub fn host(&self, name: &str) -> Option<&Host> {
        self.hosts
            .get(name)
            .or_else(|| self.implicit_localhosts.iter().find(|h| h.name == name))
    }

    /// Listed hosts in inventory order (the implicit localhost is not listed).
    pub fn hosts(&self) -> impl Iterator<Item = &Host> {
        self.hosts.values()
    }

    pub fn group(&self, name: &str) -> Option<&Group> {
        self.groups.get(name)
    }

    /// Groups in the order the inventory creates them, `all` and `ungrouped` first.
    pub fn all_groups(&self) -> impl Iterator<Item = &Group> {
        self.groups.values()
    }

    /// Things Ansible would warn about while reading the inventory or matching patterns.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// The `groups` magic variable: every group, `all` and `ungrouped` first, with its hosts
    /// (its own, then those of its descendants, nearer generations first; `all` in
    /// inventory order).
    pub fn groups(&self) -> IndexMap<String, Vec<String>> {
        self.groups
            .keys()
            .map(|g| (g.clone(), self.group_hosts(g)))
            .collect()
    }

    /// The `group_names` magic variable: every group the host is in, directly or through a
    /// child group, sorted, without `all` (an ungrouped host is in `ungrouped`, as in Ansible).
    pub fn group_names(&self, host: &str) -> Vec<String> {
        let mut names: Vec<String> = self
            .host_groups(host)
            .into_iter()
            .filter(|g| g != ALL)
            .collect();
        names.sort();
        names
    }

    /// What Ansible's `add_host` does: adds the host if new, puts it in `groups` (created as
    /// needed, under `all`), and sets `vars` on it over any it had.
    pub fn add_host(&mut self, name: &str, groups: &[String], vars: Map) {
        self.ensure_host(name);
        for group in groups {
            self.add_host_to_group(name, group);
        }
        for (key, value) in vars {
            self.set_host_var(name, &key, value);
        }
        self.reconcile();
        let mut changed = vec![(Entity::Host, name.to_string())];
        changed.extend(groups.iter().map(|g| (Entity::Group, g.clone())));
        if let Err(e) = self.load_vars_files_for(&changed) {
            self.warnings.push(e.to_string());
        }
    }

    pub(super) fn ensure_host(&mut self, name: &str) -> &mut Host {
        self.hosts
            .entry(name.to_string())
            .or_insert_with(|| Host::new(name))
    }

    pub(super) fn ensure_group(&mut self, name: &str) -> &mut Group {
        self.groups
            .entry(name.to_string())
            .or_insert_with(|| Group::new(name))
    }

    pub(super) fn add_host_to_group(&mut self, host: &str, group: &str) {
        // A host's own list of groups is short; it and the group's list change together.
        let h = self.ensure_host(host);
        if h.groups.iter().any(|g| g == group) {
            return;
        }
        h.groups.push(group.to_string());
        self.ensure_group(group).hosts.push(host.to_string());
    }

    pub(super) fn set_host_var(&mut self, host: &str, key: &str, value: Value) {
        self.ensure_host(host)
            .inline_vars
            .insert(key.to_string(), value);
    }

    pub(super) fn set_group_var(&mut self, group: &str, key: &str, value: Value) {
        if key == GROUP_PRIORITY {
            match priority_of(&value) {
                Some(priority) => self.ensure_group(group).priority = priority,
                None => self.warnings.push(format!(
                    "group {group}: {GROUP_PRIORITY} must be an integer, ignored"
                )),
            }
            return;
        }
        self.ensure_group(group)
            .inline_vars
            .insert(key.to_string(), value);
    }

    /// Makes `child` a child group of `parent`, both created as needed.
    pub(super) fn add_child(&mut self, parent: &str, child: &str) -> Result<(), GroupLoop> {
        if parent == child || self.is_ancestor(child, parent) {
            return Err(GroupLoop {
                parent: parent.to_string(),
                child: child.to_string(),
            });
        }
        let p = self.ensure_group(parent);
        if !p.children.iter().any(|c| c == child) {
            p.children.push(child.to_string());
        }
        let c = self.ensure_group(child);
        if !c.parents.iter().any(|p| p == parent) {
            c.parents.push(parent.to_string());
        }
        Ok(())
    }

    /// Whether `ancestor` is `group` or above it.
    fn is_ancestor(&self, ancestor: &str, group: &str) -> bool {
        let mut stack = vec![group];
        let mut seen = std::collections::HashSet::new();
        while let Some(g) = stack.pop() {
            if g == ancestor {
                return true;
            }
            if seen.insert(g) {
                if let Some(group) = self.groups.get(g) {
                    stack.extend(group.parents.iter().map(String::as_str));
                }
            }
        }
        false
    }

    /// Restores Ansible's rules after groups and hosts were added: groups without a parent
    /// go under `all`; hosts in no real group are `ungrouped`, and only those.
    pub(super) fn reconcile(&mut self) {
        let orphans: Vec<String> = self
            .groups
            .values()
            .filter(|g| g.name != ALL && g.parents.is_empty())
            .map(|g| g.name.clone())
            .collect();
        for orphan in orphans {
            self.add_child(ALL, &orphan)
                .expect("a group without parents cannot be above all");
        }
        let names: Vec<String> = self.hosts.keys().cloned().collect();
        for name in names {
            let groups = &self.hosts[&name].groups;
            let in_real_group = groups.iter().any(|g| g != ALL && g != UNGROUPED);
            let in_ungrouped = groups.iter().any(|g| g == UNGROUPED);
            if in_real_group && in_ungrouped {
                self.remove_host_from_group(&name, UNGROUPED);
            } else if !in_real_group && !in_ungrouped {
                self.add_host_to_group(&name, UNGROUPED);
            }
        }
    }

    fn remove_host_from_group(&mut self, host: &str, group: &str) {
        if let Some(g) = self.groups.get_mut(group) {
            g.hosts.retain(|h| h != host);
        }
        if let Some(h) = self.hosts.get_mut(host) {
            h.groups.retain(|g| g != group);
        }
    }

    /// Hosts of a group: its own, then its descendants' generation by generation. For `all`,
    /// simply every listed host in inventory order.
    pub(super) fn group_hosts(&self, group: &str) -> Vec<String> {
        if group == ALL {
            return self.hosts.keys().cloned().collect();
        }
        let mut hosts = indexmap::IndexSet::new();
        for g in self.descendants(group) {
            hosts.extend(self.groups[g.as_str()].hosts.iter().cloned());
        }
        hosts.into_iter().collect()
    }

    /// `group` and every group below it, breadth first, each once.
    fn descendants(&self, group: &str) -> Vec<String> {
        let Some(root) = self.groups.get(group) else {
            return Vec::new();
        };
        let mut order = indexmap::IndexSet::from([root.name.clone()]);
        let mut next = 0;
        while let Some(name) = order.get_index(next) {
            let children = &self.groups[name.as_str()].children;
            order.extend(children.iter().cloned());
            next += 1;
        }
        order.into_iter().collect()
    }

    /// Every group a host is in, directly or as an ancestor of one, including `all`.
    pub(super) fn host_groups(&self, host: &str) -> Vec<String> {
        let Some(h) = self.hosts.get(host) else {
            return Vec::new();
        };
        let mut found = indexmap::IndexSet::new();
        let mut stack: Vec<&str> = h.groups.iter().map(String::as_str).collect();
        while let Some(g) = stack.pop() {
            if found.insert(g.to_string()) {
                if let Some(group) = self.groups.get(g) {
                    stack.extend(group.parents.iter().map(String::as_str));
                }
            }
        }
        found.into_iter().collect()
    }

    /// Generations between `all` and the group, by the longest path (as Ansible counts).
    pub(super) fn depth(&self, group: &str) -> usize {
        match self.groups.get(group) {
            Some(g) if g.name != ALL => g
                .parents
                .iter()
                .map(|p| self.depth(p) + 1)
                .max()
                .unwrap_or(0),
            _ => 0,
        }
    }
}

fn priority_of(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}
