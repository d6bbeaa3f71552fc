//! Variables: the layers a task sees on a host, in Ansible's precedence order, and the
//! lazy template context built over them.

mod host_state;
mod precedence;
mod scope;

pub use host_state::{HostState, HostTable};
pub use precedence::Layer;
pub use scope::{nested_error, Scope};
