//! Ansible-compatible inventories: YAML, INI and host-list sources, `group_vars/` and
//! `host_vars/`, host ranges, host patterns, and the variables a host gets from all of it.
//! Dynamic inventory (scripts, inventory plugins) is not supported.

mod error;
mod glob;
mod host_address;
mod host_range;
mod host_vars;
mod ini_source;
mod load;
mod model;
mod pattern;
mod python_literal;
mod vars_dir;
mod yaml_source;

#[cfg(test)]
mod tests;

pub use error::{GroupLoop, IniProblem, InventoryError, YamlProblem};
pub use host_range::HostRangeError;
pub use model::{Group, Host, Inventory};
pub use pattern::Selection;
