//! TOML inventories (Ansible's `toml` plugin, files ending in `.toml`): a table per group
//! with optional `hosts` (a table of host patterns, each a table of variables), `vars` (a
//! table) and `children` (a list of group names).

use std::path::Path;

use super::error::{InventoryError, TomlProblem, YamlProblem};
use super::host_address;
use super::model::Inventory;
use crate::{Map, Value};

/// Adds what the TOML inventory `text`, read from `path`, defines.
pub fn apply(inventory: &mut Inventory, path: &Path, text: &str) -> Result<(), InventoryError> {
    let fail = |problem| InventoryError::TomlInventory {
        path: path.to_path_buf(),
        problem,
    };
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
        fail(TomlProblem::Syntax(e.to_string().trim_end().to_string()))
    })?;
    if table.is_empty() {
        return Err(fail(TomlProblem::Empty));
    }
    if table.get("plugin").is_some_and(truthy) {
        return Err(fail(TomlProblem::Plugin));
    }
    for (group, data) in table {
        match data {
            toml::Value::Table(sections) => add_group(inventory, &group, sections).map_err(fail)?,
            _ => inventory.warnings.push(format!(
                "{}: skipping {group:?}: it is not a valid group definition",
                path.display()
            )),
        }
    }
    Ok(())
}

fn add_group(
    inventory: &mut Inventory,
    group: &str,
    sections: toml::Table,
) -> Result<(), TomlProblem> {
    inventory.ensure_group(group);
    let bad_section = |section: String, found: &toml::Value| YamlProblem::InvalidSection {
        group: group.to_string(),
        section,
        found: found.type_str(),
    };
    for (key, data) in sections {
        match (key.as_str(), data) {
            ("vars", toml::Value::Table(vars)) => {
                for (var, value) in vars {
                    inventory.set_group_var(group, &var, to_value(value));
                }
            }
            ("children", toml::Value::Array(children)) => {
                for child in children {
                    let toml::Value::String(child) = child else {
                        return Err(TomlProblem::ChildrenNotList {
                            group: group.to_string(),
                            found: format!("{} in the list", child.type_str()),
                        });
                    };
                    inventory.ensure_group(&child);
                    inventory.add_child(group, &child).map_err(YamlProblem::from)?;
                }
            }
            ("children", other) => {
                return Err(TomlProblem::ChildrenNotList {
                    group: group.to_string(),
                    found: other.type_str().to_string(),
                })
            }
            ("hosts", toml::Value::Table(hosts)) => {
                for (entry, vars) in hosts {
                    let toml::Value::Table(vars) = vars else {
                        return Err(TomlProblem::Group(YamlProblem::HostVarsNotMapping {
                            group: group.to_string(),
                            host: entry,
                            found: vars.type_str(),
                        }));
                    };
                    let vars: Map = vars.into_iter().map(|(k, v)| (k, to_value(v))).collect();
                    let (names, port) =
                        host_address::expand_entry(&entry).map_err(YamlProblem::from)?;
                    inventory.populate_hosts(&names, port, group, &vars);
                }
            }
            ("vars" | "hosts", other) => return Err(bad_section(key, &other).into()),
            (_, _) => inventory.warnings.push(format!(
                "skipping unexpected key {key:?} in group {group:?}: only \"vars\", \"children\" and \"hosts\" are valid"
            )),
        }
    }
    Ok(())
}

/// Python's truth of a TOML value, as Ansible tests `plugin`.
fn truthy(value: &toml::Value) -> bool {
    match value {
        toml::Value::String(s) => !s.is_empty(),
        toml::Value::Integer(i) => *i != 0,
        toml::Value::Float(f) => *f != 0.0,
        toml::Value::Boolean(b) => *b,
        toml::Value::Datetime(_) => true,
        toml::Value::Array(a) => !a.is_empty(),
        toml::Value::Table(t) => !t.is_empty(),
    }
}

/// A TOML value as a variable; dates and times become their TOML text.
fn to_value(value: toml::Value) -> Value {
    match value {
        toml::Value::String(s) => Value::String(s),
        toml::Value::Integer(i) => Value::from(i),
        toml::Value::Float(f) => serde_json::Number::from_f64(f)
            .map_or_else(|| Value::String(f.to_string()), Value::Number),
        toml::Value::Boolean(b) => Value::Bool(b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(items) => Value::Array(items.into_iter().map(to_value).collect()),
        toml::Value::Table(table) => {
            Value::Object(table.into_iter().map(|(k, v)| (k, to_value(v))).collect())
        }
    }
}
