//! troupe's modules. Each one looks at a target through [`Target`] and knows nothing of
//! YAML, templates or playbooks: it takes plain arguments, says what would change
//! ([`Module::query`]) and, outside check mode, makes it so ([`Module::apply`]).

pub mod accounts;
pub mod apt;
pub mod args;
pub mod clock;
pub mod command;
pub mod command_output;
pub mod cron;
pub mod crontab;
pub mod error;
pub mod group;
pub mod module;
pub mod package;
pub mod pause;
pub mod ping;
pub mod probe;
pub mod raw;
pub mod registry;
pub mod report;
pub mod service;
pub mod shell;
pub mod shell_quote;
pub mod shlex;
pub mod systemd;
pub mod target;
#[cfg(test)]
pub mod testing;
pub mod user;
pub mod wait_for;

pub use error::ModuleError;
pub use module::{Context, Module, Query};
pub use registry::{lookup, DynModule};
pub use report::{Diff, Report};
pub use target::{FileAttrs, RunOutput, Target, TargetError};
