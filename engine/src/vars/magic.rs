//! Magic variables: the names Ansible defines itself, by what they describe (the run, the
//! host, the play, the task's role, a loop item, a template being rendered). Every scope takes
//! them from here.

use std::path::{Path, PathBuf};

use crate::{
    playbook::{LoopControl, Role},
    Map, Value,
};

/// The placeholder `omit` renders to; arguments equal to it are dropped.
pub const OMIT: &str = "__omit_place_holder__troupe";

/// What the command line says about the whole run.
#[derive(Debug, Clone, Default)]
pub struct RunMagic {
    pub playbook_dir: PathBuf,
    pub check: bool,
    pub diff: bool,
    pub forks: usize,
    pub verbosity: u8,
}

impl RunMagic {
    /// Names every scope of a host has: `inventory_hostname`, `group_names`...
    pub fn for_host(&self, host: &str, group_names: Vec<String>) -> Map {
        let mut m = Map::new();
        m.insert("inventory_hostname".into(), Value::from(host));
        m.insert(
            "inventory_hostname_short".into(),
            Value::from(host.split('.').next().unwrap_or(host)),
        );
        m.insert("group_names".into(), Value::from(group_names));
        m.insert(
            "playbook_dir".into(),
            Value::from(self.playbook_dir.display().to_string()),
        );
        // Where relative files are looked for; a role's own directory comes first in its
        // tasks (see `role_vars`).
        m.insert(
            "ansible_search_path".into(),
            Value::from(vec![self.playbook_dir.display().to_string()]),
        );
        m.insert("ansible_check_mode".into(), Value::Bool(self.check));
        m.insert("ansible_diff_mode".into(), Value::Bool(self.diff));
        m.insert("ansible_forks".into(), Value::from(self.forks));
        m.insert("ansible_verbosity".into(), Value::from(self.verbosity));
        m.insert("omit".into(), Value::from(OMIT));
        m.insert(
            "ansible_version".into(),
            serde_json::json!({"full": "2.17.0", "major": 2, "minor": 17, "revision": 0, "string": "2.17.0 (troupe)"}),
        );
        m
    }
}

/// The play's hosts as a task sees them.
#[derive(Debug, Clone, Default)]
pub struct PlayMagic {
    pub name: String,
    /// The current serial batch, without the hosts that failed (as Ansible's).
    pub batch: Vec<String>,
    /// Hosts of the batch still taking part.
    pub active: Vec<String>,
    /// Every host the play targets.
    pub all: Vec<String>,
}

impl PlayMagic {
    pub fn vars(self) -> Map {
        let mut m = Map::new();
        let active = Value::from(self.active);
        m.insert("play_hosts".into(), active.clone());
        m.insert("ansible_play_hosts".into(), active);
        m.insert("ansible_play_batch".into(), Value::from(self.batch));
        m.insert("ansible_play_hosts_all".into(), Value::from(self.all));
        m.insert("ansible_play_name".into(), Value::from(self.name));
        m
    }
}

/// `role_name` and `role_path` of the role a task belongs to.
pub fn role_vars(role: &Role) -> Map {
    let mut m = Map::new();
    m.insert("role_name".into(), Value::from(role.name.clone()));
    m.insert(
        "role_path".into(),
        Value::from(role.path.display().to_string()),
    );
    m.insert(
        "ansible_search_path".into(),
        Value::from(vec![
            role.path.display().to_string(),
            role.path.join("tasks").display().to_string(),
        ]),
    );
    m
}

/// The names item `index` of a loop binds: the loop variable, `ansible_loop_var`, the
/// `index_var`, and `ansible_loop` when the loop is extended (with the items before and after
/// it, and all of them unless `extended_allitems: false`).
pub fn loop_vars(control: &LoopControl, items: &[Value], index: usize) -> Map {
    let total = items.len();
    let mut m = Map::new();
    m.insert(control.loop_var.clone(), items[index].clone());
    m.insert(
        "ansible_loop_var".into(),
        Value::from(control.loop_var.clone()),
    );
    if let Some(name) = &control.index_var {
        m.insert(name.clone(), Value::from(index));
    }
    if control.extended {
        let mut info = serde_json::json!({"index": index + 1, "index0": index, "first": index == 0,
            "last": index + 1 == total, "length": total, "revindex": total - index,
            "revindex0": total - index - 1});
        if let Value::Object(info) = &mut info {
            if control.extended_allitems {
                info.insert("allitems".into(), Value::Array(items.to_vec()));
            }
            if let Some(prev) = index.checked_sub(1).and_then(|i| items.get(i)) {
                info.insert("previtem".into(), prev.clone());
            }
            if let Some(next) = items.get(index + 1) {
                info.insert("nextitem".into(), next.clone());
            }
        }
        m.insert("ansible_loop".into(), info);
    }
    m
}

/// What the `template` action adds while it renders `path` for `host`.
pub fn template_vars(path: &Path, host: &str, dest: Option<&str>) -> Map {
    let mut m = Map::new();
    if let Some(dest) = dest {
        m.insert("template_destpath".into(), Value::from(dest));
    }
    m.insert(
        "template_path".into(),
        Value::from(path.display().to_string()),
    );
    m.insert(
        "template_fullpath".into(),
        Value::from(path.display().to_string()),
    );
    m.insert("template_host".into(), Value::from(host));
    m.insert("ansible_managed".into(), Value::from("Ansible managed"));
    m
}
