//! Host lists given in place of an inventory file: `-i 'web1,web2:2222,'`, `-i 'localhost,'`,
//! `-i 'web[1:3],'` (Ansible's `host_list` and `advanced_host_list` plugins). A source that
//! is not an existing path and has a comma is one. Every host is ungrouped.

use super::host_address;
use super::model::{Inventory, UNGROUPED};
use crate::Map;

/// Adds each host of the comma-separated `list`, ranges expanded, a `:port` kept as
/// `ansible_port`. An entry that does not read as an address (a malformed range) is a host
/// name as written, as Ansible leaves it; a host already in the inventory is left alone.
pub fn apply(inventory: &mut Inventory, list: &str) {
    for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let (names, port) =
            host_address::expand_entry(entry).unwrap_or_else(|_| (vec![entry.to_string()], None));
        for name in names {
            if inventory.hosts.contains_key(&name) {
                continue;
            }
            inventory.populate_hosts(std::slice::from_ref(&name), port, UNGROUPED, &Map::new());
        }
    }
}
