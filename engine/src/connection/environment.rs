//! A task's `environment:` applied to every command a module runs.

use std::io::{Read, Write};
use std::sync::Arc;

use troupe_modules::{FileAttrs, RunOutput, Target, TargetError};

use crate::{Map, Value};
use troupe_modules::shell_text::quote as shell_quote;

/// A variable name a shell cannot export.
#[derive(Debug, thiserror::Error)]
#[error("invalid environment variable name '{0}'")]
pub struct InvalidVariableName(pub String);

/// Runs every command of `inner` with some variables exported.
pub struct WithEnvironment {
    inner: Arc<dyn Target>,
    /// `export K='v'` lines put before each script.
    prefix: String,
}

impl WithEnvironment {
    /// Values are turned to text as Ansible does (`true` → `True`, `null` → `None`).
    pub fn new(inner: Arc<dyn Target>, vars: &Map) -> Result<Self, InvalidVariableName> {
        let mut prefix = String::new();
        for (name, value) in vars {
            if !is_variable_name(name) {
                return Err(InvalidVariableName(name.clone()));
            }
            prefix += &format!("export {name}={}\n", shell_quote(&as_text(value)));
        }
        Ok(WithEnvironment { inner, prefix })
    }
}

fn is_variable_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

fn as_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Null => "None".into(),
        other => other.to_string(),
    }
}

impl Target for WithEnvironment {
    fn name(&self) -> &str {
        self.inner.name()
    }
    fn run(&self, script: &str, stdin: Option<&[u8]>) -> Result<RunOutput, TargetError> {
        self.inner.run(&format!("{}{script}", self.prefix), stdin)
    }
    fn put(
        &self,
        path: &str,
        content: &mut dyn Read,
        len: u64,
        attrs: &FileAttrs,
    ) -> Result<(), TargetError> {
        self.inner.put(path, content, len, attrs)
    }
    fn get(&self, path: &str, sink: &mut dyn Write) -> Result<bool, TargetError> {
        self.inner.get(path, sink)
    }
}
