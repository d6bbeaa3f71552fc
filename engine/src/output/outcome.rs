use crate::{Map, Value};

/// How one task ended on one host (or for one loop item).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Ok,
    Changed,
    Skipped,
    Failed,
    Unreachable,
}

/// A result key (Ansible's) asking the output to show the result without `-v`; never
/// registered or printed itself.
pub const VERBOSE_ALWAYS: &str = "_ansible_verbose_always";

/// One task's result on one host, as printed and as `register` stores it.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub status: Status,
    /// The registered result (`changed`, `failed`, `msg`, `rc`, `stdout`, `results`...).
    pub result: Map,
    /// A failure that `ignore_errors` let through.
    pub ignored: bool,
    /// Unified diff text to show with `--diff`.
    pub diff: Option<String>,
    /// The host the task ran on when delegated.
    pub delegated_to: Option<String>,
    /// The loop item's label.
    pub item_label: Option<String>,
    /// `no_log`: print nothing of the result.
    pub censored: bool,
}

impl Outcome {
    pub fn new(status: Status, result: Map) -> Self {
        Outcome {
            status,
            result,
            ignored: false,
            diff: None,
            delegated_to: None,
            item_label: None,
            censored: false,
        }
    }

    pub fn failed(msg: impl Into<String>) -> Self {
        let mut result = Map::new();
        result.insert("failed".into(), Value::Bool(true));
        result.insert("msg".into(), Value::String(msg.into()));
        Outcome::new(Status::Failed, result)
    }

    pub fn unreachable(msg: impl Into<String>) -> Self {
        let mut result = Map::new();
        result.insert("unreachable".into(), Value::Bool(true));
        result.insert("msg".into(), Value::String(msg.into()));
        Outcome::new(Status::Unreachable, result)
    }

    pub fn skipped(reason: &str) -> Self {
        let mut result = Map::new();
        result.insert("changed".into(), Value::Bool(false));
        result.insert("skipped".into(), Value::Bool(true));
        result.insert("skip_reason".into(), Value::String(reason.into()));
        Outcome::new(Status::Skipped, result)
    }

    /// Adds a warning to the result's `warnings`, printed as `[WARNING]`.
    pub fn warn(&mut self, warning: &str) {
        let list = self
            .result
            .entry("warnings")
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(items) = list {
            items.push(Value::from(warning));
        }
    }

    pub fn is_failure(&self) -> bool {
        matches!(self.status, Status::Failed | Status::Unreachable) && !self.ignored
    }

    /// The result as `register` stores it: `changed` and `failed` always present, `skipped`
    /// when skipped.
    pub fn registered(&self) -> Map {
        let mut result = self.result.clone();
        result.remove(VERBOSE_ALWAYS);
        result
            .entry("changed")
            .or_insert(Value::Bool(self.status == Status::Changed));
        result
            .entry("failed")
            .or_insert(Value::Bool(self.status == Status::Failed));
        if self.status == Status::Skipped {
            result.insert("skipped".into(), Value::Bool(true));
        }
        result
    }

    pub fn msg(&self) -> Option<&str> {
        self.result.get("msg").and_then(Value::as_str)
    }
}
