//! The playbook language as data: what `parse` makes of the YAML and what the executor runs.
//! Static imports (`import_tasks`, `import_role`, `roles:`, `import_playbook`) are resolved
//! while parsing; dynamic includes are kept as actions and loaded when they run.

mod closest;
mod keywords;
pub(crate) mod kv;
mod loader;
mod module_args;
mod origin;
mod parse_error;
mod parse_play;
mod parse_role;
mod parse_task;
mod play;
mod role;
mod task;

pub use loader::{load_tasks_file, LoadOptions};
pub use origin::Origin;
pub use parse_error::ParseError;
pub use parse_play::load_playbook;
pub use parse_role::{load_role, LoadedRole, RoleFrom};
pub use play::{Play, Playbook, Prompt};
pub use role::Role;
pub use task::{Action, Apply, Keywords, Loop, LoopControl, LoopSource, Task};

#[cfg(test)]
mod tests;
