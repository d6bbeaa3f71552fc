//! The playbook language as data: what `parse` makes of the YAML and what the executor runs.
//! Static imports (`import_tasks`, `import_role`, `roles:`, `import_playbook`) are resolved
//! while parsing; dynamic includes are kept as actions and loaded when they run.

mod load_stub;
mod origin;
mod play;
mod role;
mod task;

pub use load_stub::*;
pub use origin::Origin;
pub use play::{Play, Playbook};
pub use role::Role;
pub use task::{Action, Keywords, Loop, LoopControl, LoopSource, Task};
