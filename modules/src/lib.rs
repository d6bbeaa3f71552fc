//! troupe's modules. Each one looks at a target through [`Target`] and knows nothing of
//! YAML, templates or playbooks: it takes plain arguments, says what would change
//! ([`Module::query`]) and, outside check mode, makes it so ([`Module::apply`]).

pub mod archive;
pub mod archive_format;
pub mod args;
pub mod blockinfile;
pub mod copy;
pub mod error;
pub mod fetch;
pub mod file;
pub mod file_attrs;
pub mod file_write;
pub mod find;
pub mod lineinfile;
pub mod module;
pub mod py_regex;
pub mod registry;
pub mod remote_file;
pub mod replace;
pub mod report;
pub mod shell_quote;
pub mod slurp;
pub mod stat;
pub mod target;
#[cfg(test)]
mod testing;
pub mod text_edit;
pub mod unarchive;

pub use error::ModuleError;
pub use module::{Context, Module, Query};
pub use registry::{lookup, DynModule};
pub use report::{Diff, Report};
pub use target::{FileAttrs, RunOutput, Target, TargetError};
