//! Where `src:` of copy, template and unarchive is found on the controller, as Ansible
//! searches: the role's `files/` or `templates/`, then beside the playbook.

use std::path::{Path, PathBuf};

use crate::playbook::Role;

/// `kind` is `files` or `templates`. Returns the first existing candidate, or the list of
/// places looked at.
pub fn find(
    kind: &str,
    name: &str,
    role: Option<&Role>,
    play_dir: &Path,
) -> Result<PathBuf, Vec<PathBuf>> {
    let rel = Path::new(name);
    if rel.is_absolute() {
        return if rel.exists() {
            Ok(rel.to_path_buf())
        } else {
            Err(vec![rel.to_path_buf()])
        };
    }
    let mut candidates = Vec::new();
    if let Some(role) = role {
        candidates.push(role.path.join(kind).join(rel));
        candidates.push(role.path.join(rel));
        candidates.push(role.path.join("tasks").join(kind).join(rel));
        candidates.push(role.path.join("tasks").join(rel));
    }
    candidates.push(play_dir.join(kind).join(rel));
    candidates.push(play_dir.join(rel));
    match candidates.iter().find(|c| c.exists()) {
        Some(found) => Ok(found.clone()),
        None => Err(candidates),
    }
}
