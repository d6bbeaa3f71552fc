//! Ansible-compatible inventories: YAML, INI, TOML and host-list sources, inventory scripts,
//! `group_vars/` and `host_vars/`, host ranges, host patterns, and the variables a host gets
//! from all of it. Inventory plugins (`plugin: ...` files) are not supported.

mod error;
mod glob;
mod host_address;
mod host_list_source;
mod host_range;
mod host_vars;
mod ini_source;
mod load;
mod model;
mod pattern;
mod python_literal;
mod script_process;
mod script_source;
mod source_list;
mod toml_source;
mod vars_dir;
mod yaml_source;

#[cfg(test)]
mod tests;

pub use error::{GroupLoop, IniProblem, InventoryError, ScriptProblem, TomlProblem, YamlProblem};
pub use host_range::HostRangeError;
pub use model::{Group, Host, Inventory};
pub use pattern::Selection;
pub use source_list::configured_sources;
