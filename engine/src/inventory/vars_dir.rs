//! `group_vars/` and `host_vars/` directories: for a group or host `name`, the first of
//! `name`, `name.yml`, `name.yaml`, `name.json` that exists; if that is a directory, every
//! YAML/JSON (or extension-less) file below it in name order, later files winning.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use super::error::{kind_of, InventoryError};
use super::model::Inventory;
use crate::{Map, Value};

const VARS_EXTENSIONS: [&str; 3] = ["yml", "yaml", "json"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Entity {
    Group,
    Host,
}

impl Entity {
    fn subdir(self) -> &'static str {
        match self {
            Entity::Group => "group_vars",
            Entity::Host => "host_vars",
        }
    }
}

/// The variables files of one directory, read for the groups and hosts that exist.
#[derive(Debug, Clone)]
pub struct VarsDir {
    root: PathBuf,
    loaded: HashMap<(Entity, String), Map>,
    /// Names in `group_vars/` and `host_vars/`, listed once rather than probed per name.
    listings: HashMap<Entity, HashSet<String>>,
}

impl VarsDir {
    pub fn new(root: &Path) -> VarsDir {
        VarsDir {
            root: root.to_path_buf(),
            loaded: HashMap::new(),
            listings: HashMap::new(),
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The variables files give `name`, if any.
    pub fn vars(&self, entity: Entity, name: &str) -> Option<&Map> {
        self.loaded.get(&(entity, name.to_string()))
    }

    /// Reads the files for `name` unless already read.
    fn load(&mut self, entity: Entity, name: &str) -> Result<(), InventoryError> {
        let key = (entity, name.to_string());
        if self.loaded.contains_key(&key) {
            return Ok(());
        }
        let dir = self.root.join(entity.subdir());
        let listing = self
            .listings
            .entry(entity)
            .or_insert_with(|| list_names(&dir));
        let mut vars = Map::new();
        for file in find_vars_files(&dir, listing, name) {
            vars.extend(load_vars_file(&file)?);
        }
        self.loaded.insert(key, vars);
        Ok(())
    }
}

impl Inventory {
    /// Reads `group_vars/` and `host_vars/` in `dir` (a playbook's directory); they take
    /// precedence over those beside the inventory, as in Ansible.
    pub fn add_vars_dir(&mut self, dir: &Path) -> Result<(), InventoryError> {
        if !self.play_vars.iter().any(|d| d.root() == dir) {
            self.play_vars.push(VarsDir::new(dir));
        }
        self.load_vars_files()
    }

    pub(super) fn add_source_vars_dir(&mut self, dir: &Path) {
        if !self.source_vars.iter().any(|d| d.root() == dir) {
            self.source_vars.push(VarsDir::new(dir));
        }
    }

    /// Reads the variables files of every group and host in every vars directory, then
    /// refreshes the merged `vars` of hosts and groups.
    pub(super) fn load_vars_files(&mut self) -> Result<(), InventoryError> {
        let groups = self.groups.keys().map(|g| (Entity::Group, g.clone()));
        let hosts = self
            .hosts
            .keys()
            .chain(self.implicit_localhosts.iter().map(|h| &h.name));
        let wanted: Vec<(Entity, String)> = groups
            .chain(hosts.map(|h| (Entity::Host, h.clone())))
            .collect();
        self.load_vars_files_for(&wanted)
    }

    /// Reads the variables files of these groups and hosts and refreshes their `vars`.
    pub(super) fn load_vars_files_for(
        &mut self,
        wanted: &[(Entity, String)],
    ) -> Result<(), InventoryError> {
        for dir in self.source_vars.iter_mut().chain(self.play_vars.iter_mut()) {
            for (entity, name) in wanted {
                dir.load(*entity, name)?;
            }
        }
        for (entity, name) in wanted {
            self.refresh_merged_vars(*entity, name);
        }
        Ok(())
    }
}

/// The files that hold `name`'s variables in `dir`, in the order they apply.
fn find_vars_files(dir: &Path, listing: &HashSet<String>, name: &str) -> Vec<PathBuf> {
    let candidates = std::iter::once(name.to_string())
        .chain(VARS_EXTENSIONS.iter().map(|ext| format!("{name}.{ext}")));
    for candidate in candidates.filter(|c| listing.contains(c)) {
        let path = dir.join(candidate);
        if path.is_dir() {
            return files_below(&path);
        }
        if path.exists() {
            return vec![path];
        }
    }
    Vec::new()
}

fn list_names(dir: &Path) -> HashSet<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return HashSet::new();
    };
    entries
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

/// Variables files in a vars directory, recursively, in name order; hidden files, backups
/// (`~`) and other extensions are skipped.
fn files_below(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut names: Vec<_> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.file_name())
        .collect();
    names.sort();
    let mut files = Vec::new();
    for name in names {
        let text = name.to_string_lossy();
        if text.starts_with('.') || text.ends_with('~') {
            continue;
        }
        let path = dir.join(&name);
        let extension = path.extension().map(|e| e.to_string_lossy().into_owned());
        match extension {
            None if path.is_dir() => files.extend(files_below(&path)),
            None => files.push(path),
            Some(ext) if path.is_file() && VARS_EXTENSIONS.contains(&ext.as_str()) => {
                files.push(path)
            }
            Some(_) => {}
        }
    }
    files
}

fn load_vars_file(path: &Path) -> Result<Map, InventoryError> {
    match crate::yaml::load_value(path)? {
        Value::Null => Ok(Map::new()),
        Value::Object(map) => Ok(map),
        other => Err(InventoryError::VarsNotMapping {
            path: path.to_path_buf(),
            found: kind_of(&other),
        }),
    }
}
