//! What can go wrong reading an inventory or matching a host pattern.

use std::path::PathBuf;

use super::host_range::HostRangeError;
use super::script_process::{RunProblem, Stderr};
use crate::yaml::YamlError;
use crate::Value;
use troupe_modules::shell_text::SplitError;

#[derive(Debug, thiserror::Error)]
pub enum InventoryError {
    #[error("inventory source {0} does not exist and is not a comma-separated host list (a host list has a comma: 'host1,' or 'host1,host2')")]
    SourceNotFound(PathBuf),
    #[error("{path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Yaml(#[from] YamlError),
    #[error("{path}:{line}: {problem}")]
    Ini {
        path: PathBuf,
        line: usize,
        problem: IniProblem,
    },
    #[error("{path}: {problem}")]
    YamlInventory { path: PathBuf, problem: YamlProblem },
    #[error(
        "{path} is neither a YAML nor an INI inventory\n  as YAML: {as_yaml}\n  as INI: {as_ini}"
    )]
    Unparsable {
        path: PathBuf,
        as_yaml: Box<InventoryError>,
        as_ini: Box<InventoryError>,
    },
    #[error("inventory script {path} {args}: {problem}")]
    Script {
        path: PathBuf,
        /// What the script was run with: `--list` or `--host NAME`.
        args: String,
        problem: ScriptProblem,
    },
    #[error("{path}: {problem}")]
    TomlInventory { path: PathBuf, problem: TomlProblem },
    #[error("{path}: variables must be a mapping, found {found}")]
    VarsNotMapping { path: PathBuf, found: &'static str },
    #[error("invalid host pattern {pattern:?}: {source}")]
    BadPattern {
        pattern: String,
        source: Box<regex::Error>,
    },
    #[error("no hosts matched the subscripted pattern {0:?}")]
    SubscriptOutOfRange(String),
}

/// A problem on one line of an INI inventory.
#[derive(Debug, thiserror::Error)]
pub enum IniProblem {
    #[error("section [{section}] has unknown type: {kind}")]
    UnknownSectionType { section: String, kind: String },
    #[error("invalid section entry {0:?}: section names cannot contain spaces or other invalid characters")]
    InvalidSection(String),
    #[error("expected key=value, got: {0}")]
    ExpectedKeyValue(String),
    #[error("expected key=value host variable assignment, got: {0}")]
    ExpectedHostVar(String),
    #[error("expected group name, got: {0}")]
    ExpectedGroupName(String),
    #[error("cannot read host definition {line:?}: {source}")]
    HostLine { line: String, source: SplitError },
    #[error(
        "invalid host pattern {0:?}: ending in ':' is not allowed, ':' only introduces a port"
    )]
    TrailingColon(String),
    #[error("invalid host pattern {0:?}: '---' is normally a sign this is a YAML file")]
    LooksLikeYaml(String),
    #[error(transparent)]
    HostRange(#[from] HostRangeError),
    #[error("section [{0}:vars] not valid for undefined group {0}")]
    VarsForUndefinedGroup(String),
    #[error("section [{parent}:children] includes undefined group {child}")]
    UndefinedChild { parent: String, child: String },
    #[error(transparent)]
    Loop(#[from] GroupLoop),
}

/// A YAML inventory whose structure is not an inventory's (and a TOML group's problems
/// that are the same).
#[derive(Debug, thiserror::Error)]
pub enum YamlProblem {
    #[error("YAML inventory has invalid structure, it should be a mapping of groups, found {0}")]
    NotMapping(&'static str),
    #[error("this is an inventory plugin configuration (plugin: {0}); inventory plugins are not supported")]
    Plugin(String),
    #[error("invalid {section:?} entry for group {group:?}: requires a mapping, found {found}")]
    InvalidSection {
        group: String,
        section: String,
        found: &'static str,
    },
    #[error("host {host:?} in group {group:?}: variables must be a mapping, found {found}")]
    HostVarsNotMapping {
        group: String,
        host: String,
        found: &'static str,
    },
    #[error(transparent)]
    HostRange(#[from] HostRangeError),
    #[error(transparent)]
    Loop(#[from] GroupLoop),
}

/// An inventory script that failed, or printed something that is not an inventory.
#[derive(Debug, thiserror::Error)]
pub enum ScriptProblem {
    #[error(transparent)]
    Run(RunProblem),
    #[error("printed output that is not UTF-8")]
    NotUtf8,
    #[error("did not print JSON ({error}); {start}{stderr}")]
    NotJson {
        error: serde_json::Error,
        /// What it printed first, described for the message.
        start: String,
        stderr: Stderr,
    },
    #[error("printed {0}, not a mapping of groups")]
    NotMapping(&'static str),
    #[error("group {group:?}: {section:?} must be {}, found {found}", wanted(.section))]
    BadSection {
        group: String,
        section: String,
        found: &'static str,
    },
    #[error("group {group:?}: host and group names must be strings, found {found}")]
    NameNotString { group: String, found: String },
    #[error("\"_meta\": \"hostvars\" must be a mapping of host names, found {0}")]
    MetaNotMapping(&'static str),
    #[error("the variables of host {host:?} must be a mapping, found {found}")]
    HostVarsNotMapping { host: String, found: &'static str },
    #[error(transparent)]
    Loop(#[from] GroupLoop),
}

fn wanted(section: &str) -> &'static str {
    match section {
        "vars" => "a mapping",
        _ => "a list",
    }
}

/// A TOML inventory that does not parse or whose structure is not an inventory's.
#[derive(Debug, thiserror::Error)]
pub enum TomlProblem {
    #[error("TOML inventory is invalid: {0}")]
    Syntax(String),
    #[error("TOML inventory is empty")]
    Empty,
    #[error("this is an inventory plugin configuration, not a TOML inventory; inventory plugins are not supported")]
    Plugin,
    #[error("invalid \"children\" entry for group {group:?}: requires a list of group names, found {found}")]
    ChildrenNotList { group: String, found: String },
    /// What a TOML group gets wrong as a YAML group would.
    #[error(transparent)]
    Group(#[from] YamlProblem),
}

/// Making a group its own ancestor.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("adding group {child:?} as a child of {parent:?} creates a loop")]
pub struct GroupLoop {
    pub parent: String,
    pub child: String,
}

/// How messages name the kind of a value that was not the expected one.
pub fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}
