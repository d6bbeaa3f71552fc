//! Variables: the layers a task sees on a host, stacked in Ansible's precedence order by one
//! builder, the magic names, and the lazy template context built over them.

mod host_state;
mod magic;
mod precedence;
mod run_vars;
mod scope;
mod scope_builder;

pub use host_state::{HostState, HostTable};
pub use magic::{loop_vars, template_vars, PlayMagic, RunMagic, OMIT};
pub use precedence::Layer;
pub use run_vars::{PlayLayers, RunVars, TaskLayers};
pub use scope::{nested_error, Scope, RECURSIVE_LOOP};
pub use scope_builder::ScopeBuilder;
