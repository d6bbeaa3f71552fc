//! YAML (and JSON) inventories: a mapping of groups, each with optional `hosts` (host ->
//! variables or null), `vars` and `children` (more groups, same shape), usually under `all`.

use std::path::Path;

use super::error::{kind_of, InventoryError, YamlProblem};
use super::host_address;
use super::model::Inventory;
use crate::{Map, Value};

/// Adds what the YAML inventory `data`, read from `path`, defines.
pub fn apply(inventory: &mut Inventory, path: &Path, data: Value) -> Result<(), InventoryError> {
    let problem = |problem| InventoryError::YamlInventory {
        path: path.to_path_buf(),
        problem,
    };
    let groups = match data {
        Value::Object(groups) => groups,
        Value::Null => return Ok(()),
        other => return Err(problem(YamlProblem::NotMapping(kind_of(&other)))),
    };
    if let Some(plugin) = groups.get("plugin").filter(|p| !p.is_null()) {
        let name = plugin
            .as_str()
            .map_or_else(|| plugin.to_string(), str::to_string);
        return Err(problem(YamlProblem::Plugin(name)));
    }
    let mut reader = Reader { inventory, path };
    for (name, data) in groups {
        reader.group(&name, data).map_err(problem)?;
    }
    Ok(())
}

struct Reader<'a> {
    inventory: &'a mut Inventory,
    path: &'a Path,
}

impl Reader<'_> {
    /// Reads one group definition; false when it is not one (Ansible skips it with a warning).
    fn group(&mut self, name: &str, data: Value) -> Result<bool, YamlProblem> {
        let sections = match data {
            Value::Object(sections) => sections,
            Value::Null => Map::new(),
            _ => {
                self.warn(format!(
                    "skipping {name:?}: it is not a valid group definition"
                ));
                return Ok(false);
            }
        };
        self.inventory.ensure_group(name);
        for (key, section) in sections {
            let entries = match section {
                Value::Null => continue,
                // A lone name stands for a mapping with just that key.
                Value::String(single) => Map::from_iter([(single, Value::Null)]),
                Value::Object(entries) => entries,
                other if matches!(key.as_str(), "vars" | "children" | "hosts") => {
                    let found = kind_of(&other);
                    return Err(YamlProblem::InvalidSection {
                        group: name.into(),
                        section: key,
                        found,
                    });
                }
                other => {
                    self.warn(format!(
                        "skipping key {key:?} in group {name:?}: it is {}",
                        kind_of(&other)
                    ));
                    continue;
                }
            };
            match key.as_str() {
                "vars" => {
                    for (var, value) in entries {
                        self.inventory.set_group_var(name, &var, value);
                    }
                }
                "children" => {
                    for (child, data) in entries {
                        if self.group(&child, data)? {
                            self.inventory.add_child(name, &child)?;
                        }
                    }
                }
                "hosts" => {
                    for (entry, vars) in entries {
                        self.hosts(name, &entry, vars)?;
                    }
                }
                _ => self.warn(format!(
                    "skipping unexpected key {key:?} in group {name:?}: only \"vars\", \"children\" and \"hosts\" are valid"
                )),
            }
        }
        Ok(true)
    }

    fn hosts(&mut self, group: &str, entry: &str, vars: Value) -> Result<(), YamlProblem> {
        let vars = match vars {
            Value::Null => Map::new(),
            Value::Object(vars) => vars,
            other => {
                let found = kind_of(&other);
                return Err(YamlProblem::HostVarsNotMapping {
                    group: group.into(),
                    host: entry.into(),
                    found,
                });
            }
        };
        let (names, port) = host_address::expand_entry(entry)?;
        self.inventory.populate_hosts(&names, port, group, &vars);
        Ok(())
    }

    fn warn(&mut self, message: String) {
        let message = format!("{}: {message}", self.path.display());
        self.inventory.warnings.push(message);
    }
}
