//! A host's inventory variables in Ansible's precedence order, lowest first:
//! `all` and then the host's groups as the inventory sets them; `group_vars/all` beside the
//! inventory, then beside the playbook; the host's groups' `group_vars/` beside the inventory,
//! then beside the playbook; the host's own inventory variables; `host_vars/` beside the
//! inventory, then beside the playbook. Groups apply parents before children (by depth), then
//! by `ansible_group_priority`, then by name; a later source replaces a variable whole.

use super::model::{Inventory, ALL};
use super::vars_dir::{Entity, VarsDir};
use crate::Map;

impl Inventory {
    /// The variables the inventory gives `host`, merged in Ansible's order, as a new map.
    /// Empty for a host the inventory does not know.
    pub fn host_vars(&self, host: &str) -> Map {
        let Some(h) = self.host(host) else {
            return Map::new();
        };
        let groups = self.groups_by_precedence(host);
        let mut vars = self.groups[ALL].inline_vars.clone();
        for g in &groups {
            vars.extend(self.groups[g.as_str()].inline_vars.clone());
        }
        let file_layers = |vars: &mut Map, dirs: &[VarsDir], entity: Entity, names: &[String]| {
            for dir in dirs {
                for name in names {
                    if let Some(file_vars) = dir.vars(entity, name) {
                        vars.extend(file_vars.clone());
                    }
                }
            }
        };
        let all = [ALL.to_string()];
        file_layers(&mut vars, &self.source_vars, Entity::Group, &all);
        file_layers(&mut vars, &self.play_vars, Entity::Group, &all);
        file_layers(&mut vars, &self.source_vars, Entity::Group, &groups);
        file_layers(&mut vars, &self.play_vars, Entity::Group, &groups);
        vars.extend(h.inline_vars.clone());
        let this = [h.name.clone()];
        file_layers(&mut vars, &self.source_vars, Entity::Host, &this);
        file_layers(&mut vars, &self.play_vars, Entity::Host, &this);
        vars
    }

    /// The host's groups other than `all`, in the order their variables apply.
    fn groups_by_precedence(&self, host: &str) -> Vec<String> {
        let mut groups: Vec<(usize, i64, String)> = self
            .host_groups(host)
            .into_iter()
            .filter(|g| g != ALL)
            .map(|g| (self.depth(&g), self.groups[g.as_str()].priority, g))
            .collect();
        groups.sort();
        groups.into_iter().map(|(_, _, g)| g).collect()
    }

    /// Recomputes a host's or group's `vars`: its inventory variables with its own variables
    /// files over them.
    pub(super) fn refresh_merged_vars(&mut self, entity: Entity, name: &str) {
        let inline = match entity {
            Entity::Host => self.host(name).map(|h| &h.inline_vars),
            Entity::Group => self.groups.get(name).map(|g| &g.inline_vars),
        };
        let Some(mut vars) = inline.cloned() else {
            return;
        };
        for dir in self.source_vars.iter().chain(self.play_vars.iter()) {
            if let Some(file_vars) = dir.vars(entity, name) {
                vars.extend(file_vars.clone());
            }
        }
        let target = match entity {
            Entity::Host => self
                .hosts
                .get_mut(name)
                .or_else(|| self.implicit_localhosts.iter_mut().find(|h| h.name == name))
                .map(|h| &mut h.vars),
            Entity::Group => self.groups.get_mut(name).map(|g| &mut g.vars),
        };
        if let Some(target) = target {
            *target = vars;
        }
    }
}
