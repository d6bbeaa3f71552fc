use std::{path::PathBuf, sync::Arc};

use crate::Map;

/// A role as loaded from its directory. Tasks are not kept here: a role use becomes a block
/// of tasks carrying an `Arc<Role>`, so that `files/`, `templates/`, `defaults/` and `vars/`
/// are found for each task.
#[derive(Debug, Clone)]
pub struct Role {
    pub name: String,
    pub path: PathBuf,
    /// `defaults/main.yml` (or the file named by `defaults_from`).
    pub defaults: Arc<Map>,
    /// `vars/main.yml` (or `vars_from`).
    pub vars: Arc<Map>,
}

impl Role {
    /// `ns.col.role` for a role of a collection (`.../ansible_collections/ns/col/roles/role`).
    pub fn fqcn(&self) -> Option<String> {
        let parts: Vec<String> = self
            .path
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        match parts.as_slice() {
            [.., root, ns, col, roles, role]
                if root == "ansible_collections" && roles == "roles" =>
            {
                Some(format!("{ns}.{col}.{role}"))
            }
            _ => None,
        }
    }
}
