//! Inventory scripts (Ansible's `script` inventory plugin): an executable run with `--list`
//! prints a JSON mapping of groups, each a list of hosts or `{hosts, vars, children}`, and
//! `_meta.hostvars` with every host's variables; without `_meta.hostvars` the script is
//! asked `--host NAME` for each host.

use std::path::{Path, PathBuf};

use indexmap::IndexSet;

use super::error::{kind_of, InventoryError, ScriptProblem};
use super::model::Inventory;
use super::script_process::{self, Limits};
use crate::{Map, Value};

/// Whether Ansible would run `path` as an inventory script: an executable file that the
/// system can run (a `#!` line or a binary). Ansible tries any file that is executable or
/// starts with `#!` and falls back to the other formats when running it fails; those are
/// the files whose run can succeed.
pub fn is_script(path: &Path, head: &[u8]) -> bool {
    let runnable = head.starts_with(b"#!") || head.starts_with(b"\x7fELF");
    runnable && is_executable(path)
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let Ok(c_path) = std::ffi::CString::new(path.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: access(2) reads the NUL-terminated path and nothing else.
    unsafe { libc::access(c_path.as_ptr(), libc::X_OK) == 0 }
}

/// Runs the script at `path` and adds what it defines.
pub fn apply(
    inventory: &mut Inventory,
    path: &Path,
    limits: &Limits,
) -> Result<(), InventoryError> {
    // A bare name would be looked up in PATH; the script is the file named.
    let program = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let script = Script {
        path,
        program,
        limits,
    };
    let listing = script.json(&["--list"], &mut inventory.warnings)?;
    let fail = |problem| script.error("--list", problem);
    let groups = match listing {
        Value::Object(groups) => groups,
        other => return Err(fail(ScriptProblem::NotMapping(kind_of(&other)))),
    };
    let mut hosts = IndexSet::new();
    let mut meta = None;
    for (group, data) in groups {
        if group == "_meta" {
            meta = match data {
                Value::Object(mut m) => m.shift_remove("hostvars"),
                _ => None,
            };
            continue;
        }
        add_group(inventory, &group, data, &mut hosts).map_err(fail)?;
    }
    for host in hosts {
        let vars = match &meta {
            Some(Value::Object(all)) => all.get(&host).cloned().unwrap_or(Value::Null),
            Some(other) => return Err(fail(ScriptProblem::MetaNotMapping(kind_of(other)))),
            None => script.json(&["--host", &host], &mut inventory.warnings)?,
        };
        let vars = match vars {
            Value::Null => Map::new(),
            Value::Object(vars) => vars,
            other => {
                let found = kind_of(&other);
                return Err(fail(ScriptProblem::HostVarsNotMapping { host, found }));
            }
        };
        for (key, value) in vars {
            inventory.set_host_var(&host, &key, value);
        }
    }
    Ok(())
}

struct Script<'a> {
    path: &'a Path,
    program: PathBuf,
    limits: &'a Limits,
}

impl Script<'_> {
    /// Runs the script with `args` and reads its stdout as JSON (nothing at all is null).
    /// What a successful run writes on stderr becomes a warning, as Ansible shows it.
    fn json(&self, args: &[&str], warnings: &mut Vec<String>) -> Result<Value, InventoryError> {
        let fail = |problem| self.error(&args.join(" "), problem);
        let output = script_process::run(&self.program, args, self.limits)
            .map_err(|e| fail(ScriptProblem::Run(e)))?;
        if !output.stderr.is_empty() {
            warnings.push(format!(
                "inventory script {} {} wrote on stderr:\n{}",
                self.path.display(),
                args.join(" "),
                output.stderr.lines()
            ));
        }
        let text = String::from_utf8(output.stdout).map_err(|_| fail(ScriptProblem::NotUtf8))?;
        if text.trim().is_empty() && args[0] == "--host" {
            return Ok(Value::Null);
        }
        serde_json::from_str(&text).map_err(|error| {
            let start = match text.trim_start().lines().next() {
                None => "it printed nothing".to_string(),
                Some(line) => {
                    let line: String = line.chars().take(120).collect();
                    format!("its output began: {line:?}")
                }
            };
            fail(ScriptProblem::NotJson {
                error,
                start,
                stderr: output.stderr,
            })
        })
    }

    fn error(&self, args: &str, problem: ScriptProblem) -> InventoryError {
        InventoryError::Script {
            path: self.path.to_path_buf(),
            args: args.to_string(),
            problem,
        }
    }
}

/// One group of the `--list` output: a list of hosts, `{hosts, vars, children}`, or (an
/// old form Ansible keeps) a mapping of variables for a host named like the group.
fn add_group(
    inventory: &mut Inventory,
    group: &str,
    data: Value,
    hosts: &mut IndexSet<String>,
) -> Result<(), ScriptProblem> {
    inventory.ensure_group(group);
    let mut data = match data {
        Value::Object(map)
            if ["hosts", "vars", "children"]
                .iter()
                .any(|k| map.contains_key(*k)) =>
        {
            map
        }
        Value::Object(vars) => Map::from_iter([
            ("hosts".into(), Value::from(vec![group])),
            ("vars".into(), Value::Object(vars)),
        ]),
        hosts => Map::from_iter([("hosts".into(), hosts)]),
    };
    let section_problem = |section: &str, found: &Value| ScriptProblem::BadSection {
        group: group.to_string(),
        section: section.to_string(),
        found: kind_of(found),
    };
    match data.shift_remove("hosts") {
        None => {}
        Some(Value::Array(names)) => {
            for name in names {
                let name = name_of(group, name)?;
                inventory.add_host_to_group(&name, group);
                hosts.insert(name);
            }
        }
        Some(other) => return Err(section_problem("hosts", &other)),
    }
    match data.shift_remove("vars") {
        None => {}
        Some(Value::Object(vars)) => {
            for (key, value) in vars {
                inventory.set_group_var(group, &key, value);
            }
        }
        Some(other) => return Err(section_problem("vars", &other)),
    }
    let children = match data.shift_remove("children") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(children)) => children,
        Some(Value::Object(children)) => children.into_iter().map(|(k, _)| k.into()).collect(),
        Some(other) => return Err(section_problem("children", &other)),
    };
    for child in children {
        let child = name_of(group, child)?;
        inventory.ensure_group(&child);
        inventory.add_child(group, &child)?;
    }
    Ok(())
}

/// A host or child group name, which must be a string.
fn name_of(group: &str, name: Value) -> Result<String, ScriptProblem> {
    match name {
        Value::String(name) => Ok(name),
        other => Err(ScriptProblem::NameNotString {
            group: group.to_string(),
            found: other.to_string(),
        }),
    }
}
