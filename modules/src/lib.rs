//! troupe's modules. Each one looks at a target through [`Target`] and knows nothing of
//! YAML, templates or playbooks: it takes plain arguments, says what would change
//! ([`Module::query`]) and, outside check mode, makes it so ([`Module::apply`]).

pub mod accounts;
pub mod apt;
pub mod archive;
pub mod archive_format;
pub mod args;
pub mod blockinfile;
pub mod clock;
pub mod command;
pub mod command_output;
pub mod copy;
pub mod cron;
pub mod crontab;
pub mod error;
pub mod fetch;
pub mod file;
pub mod file_attrs;
pub mod file_times;
pub mod file_write;
pub mod find;
pub mod group;
pub mod lineinfile;
pub mod module;
pub mod package;
pub mod pause;
pub mod ping;
pub mod probe;
pub mod py_regex;
pub mod raw;
pub mod registry;
pub mod remote_file;
pub mod replace;
pub mod report;
pub mod service;
pub mod shell;
pub mod shell_quote;
pub mod shlex;
pub mod slurp;
pub mod stat;
pub mod systemd;
pub mod target;
#[cfg(test)]
mod testing;
pub mod text_edit;
pub mod unarchive;
pub mod user;
pub mod wait_for;

pub use error::ModuleError;
pub use module::{Context, Module, Query};
pub use registry::{lookup, DynModule};
pub use report::{Diff, Report};
pub use target::{FileAttrs, RunOutput, Target, TargetError};
