//! Modules that run commands: `command`, `shell`, `raw`, `script`.

crate::registry::family! {
    command::Command,
    shell::Shell,
    raw::Raw,
    script::Script,
}

/// The `key=value` options the command modules still read from their free-form string.
pub const RAW_COMMAND_KEYS: &[&str] =
    &["creates", "removes", "chdir", "executable", "warn", "stdin"];
pub mod command_output;
