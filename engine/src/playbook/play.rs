use std::path::PathBuf;

use super::{Keywords, Origin, Task};
use crate::Value;

/// A playbook file with its `import_playbook`s flattened in order.
#[derive(Debug, Clone)]
pub struct Playbook {
    pub path: PathBuf,
    pub plays: Vec<Play>,
}

/// One play. Keywords that tasks inherit (become, environment, tags, vars...) are in `kw`.
#[derive(Debug, Clone)]
pub struct Play {
    pub name: String,
    /// Host pattern as written (may hold a template).
    pub hosts: String,
    pub origin: Origin,
    /// The directory of the playbook file that holds the play: `roles/`, `files/`,
    /// `templates/`, `group_vars/` and `host_vars/` are looked up beside it.
    pub dir: PathBuf,
    pub kw: Keywords,
    /// Paths (possibly templated) of `vars_files`, relative to `dir`. A list inside the list
    /// means "the first of these that exists", as in Ansible.
    pub vars_files: Vec<Value>,
    /// `vars_prompt`: asked before the run (the CLI answers them into `kw.vars`).
    pub vars_prompt: Vec<Prompt>,
    pub gather_facts: Option<Value>,
    pub serial: Option<Value>,
    /// `linear` (default) or `free`.
    pub strategy: Option<String>,
    pub max_fail_percentage: Option<Value>,
    pub force_handlers: Option<Value>,
    /// Host order: `inventory` (default), `reverse_inventory`, `sorted`, `reverse_sorted`,
    /// `shuffle`.
    pub order: Option<Value>,
    pub pre_tasks: Vec<Task>,
    /// One [`super::Action::Block`] per entry of `roles:`, dependencies first.
    pub roles: Vec<Task>,
    pub tasks: Vec<Task>,
    pub post_tasks: Vec<Task>,
    /// The play's handlers followed by those of its roles.
    pub handlers: Vec<Task>,
}

/// One `vars_prompt` entry.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Prompt {
    pub name: String,
    pub prompt: Option<String>,
    pub default: Option<Value>,
    /// Ansible's default: the answer is not echoed.
    #[serde(default = "yes")]
    pub private: bool,
    #[serde(default)]
    pub confirm: bool,
    /// A crypt scheme (`sha512_crypt`, `sha256_crypt`): the answer is stored hashed.
    pub encrypt: Option<String>,
    pub salt: Option<String>,
    pub salt_size: Option<usize>,
    #[serde(default)]
    pub unsafe_: bool,
}

fn yes() -> bool {
    true
}
