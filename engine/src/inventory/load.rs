//! Loading inventory sources, each as Ansible's default inventory plugins would take it: a
//! comma-separated host list, an inventory script, a YAML, INI or TOML file, or a directory
//! of any of these; then the `group_vars/` and `host_vars/` beside each source.

use std::path::{Path, PathBuf};

use super::error::{kind_of, InventoryError, YamlProblem};
use super::model::Inventory;
use super::script_process::Limits;
use super::{host_list_source, ini_source, script_source, toml_source, yaml_source};
use crate::{Map, Value};

/// File endings Ansible skips when reading a directory of inventory files.
const IGNORED_ENDINGS: [&str; 12] = [
    ".pyc", ".pyo", ".swp", ".bak", "~", ".rpm", ".md", ".txt", ".rst", ".orig", ".cfg", ".retry",
];
/// Entries of an inventory directory that are never inventory files.
const IGNORED_NAMES: [&str; 3] = ["host_vars", "group_vars", "vars_plugins"];

enum Format {
    Yaml,
    Ini,
    Toml,
    /// No extension: YAML if it reads as a YAML mapping, otherwise INI.
    Either,
}

impl Inventory {
    /// Loads inventory sources in order: YAML, INI or TOML files, inventory scripts (run
    /// with `--list`), directories of these (files in name order, recursively, skipping
    /// hidden and backup files), or comma-separated host lists (`"a,b,"`). `group_vars/`
    /// and `host_vars/` beside each file (or inside each directory) are read too.
    pub fn load(sources: &[PathBuf]) -> Result<Inventory, InventoryError> {
        let mut inventory = Inventory::new();
        for source in sources {
            inventory.load_source(source)?;
        }
        inventory.reconcile();
        inventory.load_vars_files()?;
        Ok(inventory)
    }

    fn load_source(&mut self, source: &Path) -> Result<(), InventoryError> {
        if source.is_dir() {
            self.load_dir(source)?;
            self.add_source_vars_dir(source);
        } else if source.is_file() {
            self.load_file(source)?;
            let dir = source.parent().filter(|p| !p.as_os_str().is_empty());
            self.add_source_vars_dir(dir.unwrap_or(Path::new(".")));
        } else {
            match source.to_str().filter(|s| s.contains(',')) {
                Some(list) => host_list_source::apply(self, list),
                None => return Err(InventoryError::SourceNotFound(source.to_path_buf())),
            }
        }
        Ok(())
    }

    fn load_dir(&mut self, dir: &Path) -> Result<(), InventoryError> {
        let read_error = |source| InventoryError::Read {
            path: dir.to_path_buf(),
            source,
        };
        let mut names = std::fs::read_dir(dir)
            .map_err(read_error)?
            .map(|entry| entry.map(|e| e.file_name()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(read_error)?;
        names.sort();
        for name in names {
            let text = name.to_string_lossy();
            let ignored = text.starts_with('.')
                || IGNORED_NAMES.contains(&text.as_ref())
                || IGNORED_ENDINGS.iter().any(|ending| text.ends_with(ending));
            if ignored {
                continue;
            }
            let path = dir.join(&name);
            if path.is_dir() {
                self.load_dir(&path)?;
            } else {
                self.load_file(&path)?;
            }
        }
        Ok(())
    }

    fn load_file(&mut self, path: &Path) -> Result<(), InventoryError> {
        let bytes = std::fs::read(path).map_err(|source| InventoryError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        if script_source::is_script(path, &bytes) {
            return script_source::apply(self, path, &Limits::default());
        }
        let text = String::from_utf8_lossy(&bytes);
        let text = crate::yaml::unvault(&text, path)?;
        match format_of(path) {
            Format::Yaml => {
                let data = crate::yaml::from_str(&text, path)?;
                yaml_source::apply(self, path, data)
            }
            Format::Ini => ini_source::apply(self, path, &text),
            Format::Toml => toml_source::apply(self, path, &text),
            Format::Either => match crate::yaml::from_str::<Value>(&text, path) {
                Ok(data @ Value::Object(_)) => yaml_source::apply(self, path, data),
                Ok(other) => ini_source::apply(self, path, &text).map_err(|as_ini| {
                    let problem = YamlProblem::NotMapping(kind_of(&other));
                    let as_yaml = InventoryError::YamlInventory {
                        path: path.to_path_buf(),
                        problem,
                    };
                    unparsable(path, as_yaml, as_ini)
                }),
                Err(as_yaml) => ini_source::apply(self, path, &text)
                    .map_err(|as_ini| unparsable(path, as_yaml.into(), as_ini)),
            },
        }
    }

    /// Puts hosts read from a source in `group`, with the entry's port and variables.
    pub(super) fn populate_hosts(
        &mut self,
        names: &[String],
        port: Option<u64>,
        group: &str,
        vars: &Map,
    ) {
        for name in names {
            self.add_host_to_group(name, group);
            if let Some(port) = port {
                self.set_host_var(name, "ansible_port", Value::from(port));
            }
            for (key, value) in vars {
                self.set_host_var(name, key, value.clone());
            }
        }
    }
}

fn format_of(path: &Path) -> Format {
    match path.extension().and_then(|e| e.to_str()) {
        Some("yml" | "yaml" | "json") => Format::Yaml,
        // Ansible offers a .toml file to its ini plugin first, which rejects nearly every
        // TOML inventory; reading it as TOML straight away gives what the file means.
        Some("toml") => Format::Toml,
        None => Format::Either,
        Some(_) => Format::Ini,
    }
}

fn unparsable(path: &Path, as_yaml: InventoryError, as_ini: InventoryError) -> InventoryError {
    InventoryError::Unparsable {
        path: path.to_path_buf(),
        as_yaml: Box::new(as_yaml),
        as_ini: Box::new(as_ini),
    }
}
