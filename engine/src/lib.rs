//! The troupe engine: the playbook language, inventory, variables, templating, connections
//! and scheduling. `main.rs` is only the CLI entry.

pub mod action_names;
pub mod cli;
pub mod config;
pub mod connection;
pub mod inventory;
pub mod output;
pub mod playbook;
pub mod run;
pub mod template;
pub mod text_codec;
pub mod vars;
pub mod vault;
pub mod yaml;

#[cfg(test)]
mod parser_fuzz;

/// Every value in a playbook, inventory or result: JSON's data model, keys kept in order.
pub type Value = serde_json::Value;
/// A mapping of names to values.
pub type Map = serde_json::Map<String, Value>;
