//! What a module tells the engine after it ran (or would have run).

use serde_json::{Map, Value};

/// The result of one module run, as `register` sees it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Report {
    pub changed: bool,
    /// Set when the module ran and failed (a non-zero exit, an assertion...): the message.
    pub failed: Option<String>,
    /// Set when the module chose not to act (`creates` exists, check mode can't tell...).
    pub skipped: bool,
    /// Module-specific return values (`rc`, `stdout`, `stat`, `dest`...), as Ansible names them.
    pub fields: Map<String, Value>,
    /// Before and after, for `--diff`.
    pub diff: Option<Diff>,
}

impl Report {
    pub fn ok() -> Self {
        Self::default()
    }
    pub fn changed() -> Self {
        Report {
            changed: true,
            ..Self::default()
        }
    }
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.fields.insert(key.to_string(), value.into());
        self
    }
    pub fn fail(mut self, msg: impl Into<String>) -> Self {
        self.failed = Some(msg.into());
        self
    }
    /// A warning for the user, in the result's `warnings` (printed as `[WARNING]: ...`).
    pub fn warn(mut self, msg: impl Into<String>) -> Self {
        let list = self
            .fields
            .entry("warnings")
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(items) = list {
            items.push(Value::from(msg.into()));
        }
        self
    }
}

/// Text before and after a change. The engine renders it as a unified diff.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Diff {
    pub before: String,
    pub after: String,
    /// What the texts are, e.g. the path (shown in the diff header).
    pub before_header: String,
    pub after_header: String,
}
