//! Inventory sources as configuration names them. On the command line each `-i` value is one
//! source (the source itself decides whether its commas make it a host list); the
//! `ANSIBLE_INVENTORY` variable and ansible.cfg's `inventory` setting are comma-separated
//! lists of paths, as Ansible reads them.

use std::path::PathBuf;

/// The sources of a configured `inventory` value: `"hosts,more/inventory.yml"`.
pub fn configured_sources(value: &str) -> Vec<PathBuf> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(PathBuf::from)
        .collect()
}
