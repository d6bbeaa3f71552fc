//! troupe's modules. Each one looks at a target through [`Target`] and knows nothing of
//! YAML, templates or playbooks: it takes plain arguments, says what would change
//! ([`Module::query`]) and, outside check mode, makes it so ([`Module::apply`]).
//!
//! Modules live in a folder per family (`files/`, `commands/`, `packages/`, `services/`,
//! `accounts/`, `control/`), each listing its own in its `mod.rs`; what they share is in
//! `helpers/`; [`registry`] is the one list the engine asks.

pub mod registry;

pub mod accounts;
pub mod ansible_builtin;
pub mod commands;
pub mod control;
pub mod error;
pub mod files;
pub mod helpers;
pub mod module;
pub mod packages;
pub mod report;
pub mod services;
pub mod target;
#[cfg(test)]
mod testing;

pub use error::ModuleError;
pub use helpers::{args, py_regex, python_text, replace_file, shell_text, truth};
pub use module::{Context, Module, Query};
pub use registry::{lookup, DynModule};
pub use report::{Diff, Report};
pub use target::{FileAttrs, RunOutput, Target, TargetError};
