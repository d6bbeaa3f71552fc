//! The keywords each level of a playbook accepts, and reading their values into
//! [`Keywords`] with the shapes Ansible allows.

use super::{parse_error::Source, Keywords, ParseError};
use crate::yaml::{Entry, Node, NodeValue};
use crate::{Map, Value};

/// Inherited keywords a play accepts.
pub const PLAY_SHARED: &[&str] = &[
    "tags",
    "vars",
    "become",
    "become_user",
    "become_method",
    "environment",
    "ignore_errors",
    "ignore_unreachable",
    "no_log",
    "check_mode",
    "diff",
    "any_errors_fatal",
    "connection",
    "remote_user",
    "throttle",
    "module_defaults",
];

/// Inherited keywords that blocks, tasks and role uses accept on top of a play's.
pub const TASK_SHARED_EXTRA: &[&str] = &[
    "when",
    "delegate_to",
    "delegate_facts",
    "run_once",
    "timeout",
];

/// Keys a play may have besides [`PLAY_SHARED`].
pub const PLAY_OWN: &[&str] = &[
    "name",
    "hosts",
    "vars_files",
    "vars_prompt",
    "roles",
    "pre_tasks",
    "tasks",
    "post_tasks",
    "handlers",
    "gather_facts",
    "serial",
    "strategy",
    "max_fail_percentage",
    "force_handlers",
    "order",
    "collections",
    "debugger",
];

/// Keys a task may have besides the shared ones and its action.
pub const TASK_OWN: &[&str] = &[
    "name",
    "loop",
    "loop_control",
    "register",
    "notify",
    "listen",
    "failed_when",
    "changed_when",
    "until",
    "retries",
    "delay",
    "async",
    "poll",
    "args",
    "action",
    "local_action",
    "debugger",
    "collections",
];

/// Keys a block may have besides the shared ones.
pub const BLOCK_OWN: &[&str] = &[
    "name",
    "block",
    "rescue",
    "always",
    "notify",
    "debugger",
    "collections",
];

/// Keys accepted and ignored: they change nothing troupe does.
pub const IGNORED: &[&str] = &["collections", "debugger"];

pub fn is_task_shared(key: &str) -> bool {
    PLAY_SHARED.contains(&key) || TASK_SHARED_EXTRA.contains(&key)
}

/// Whether `key` names a task keyword (including `with_<lookup>` loops).
pub fn is_task_keyword(key: &str) -> bool {
    is_task_shared(key) || TASK_OWN.contains(&key) || loop_lookup(key).is_some()
}

/// `with_items` → `items`.
pub fn loop_lookup(key: &str) -> Option<&str> {
    key.strip_prefix("with_").filter(|name| !name.is_empty())
}

/// Stores an inherited keyword; the caller has checked that `entry.key` is one.
pub fn set_shared(kw: &mut Keywords, src: &Source, entry: &Entry) -> Result<(), ParseError> {
    let v = &entry.value;
    let key = entry.key.as_str();
    match key {
        "when" => kw.when = conditions(src, key, v)?,
        "tags" => kw.tags = tags(src, v)?,
        "vars" => kw.vars = vars(src, key, v)?,
        "environment" => kw.environment = Some(environment(src, v)?),
        "module_defaults" => kw.module_defaults = module_defaults(src, v)?,
        _ => {
            let slot = match key {
                "become" => &mut kw.r#become,
                "become_user" => &mut kw.become_user,
                "become_method" => &mut kw.become_method,
                "ignore_errors" => &mut kw.ignore_errors,
                "ignore_unreachable" => &mut kw.ignore_unreachable,
                "no_log" => &mut kw.no_log,
                "check_mode" => &mut kw.check_mode,
                "diff" => &mut kw.diff,
                "delegate_to" => &mut kw.delegate_to,
                "delegate_facts" => &mut kw.delegate_facts,
                "run_once" => &mut kw.run_once,
                "any_errors_fatal" => &mut kw.any_errors_fatal,
                "connection" => &mut kw.connection,
                "remote_user" => &mut kw.remote_user,
                "throttle" => &mut kw.throttle,
                "timeout" => &mut kw.timeout,
                _ => unreachable!("'{key}' is not a shared keyword"),
            };
            *slot = Some(scalar(src, key, v)?);
        }
    }
    Ok(())
}

/// `module_defaults`: a mapping of module names (or `group/...`) to their default arguments,
/// or a list of such mappings (merged in order).
pub fn module_defaults(src: &Source, node: &Node) -> Result<Vec<(String, Map)>, ParseError> {
    let mut out = Vec::new();
    let mut add = |n: &Node| -> Result<(), ParseError> {
        match n.to_value() {
            Value::Object(m) => {
                for (module, args) in m {
                    match args {
                        Value::Object(a) => out.push((module, a)),
                        Value::Null => out.push((module, Map::new())),
                        other => {
                            return Err(src.at(
                                n,
                                format!(
                                    "module_defaults for '{module}' must be a mapping of arguments, not {other}"
                                ),
                            ))
                        }
                    }
                }
                Ok(())
            }
            Value::Null => Ok(()),
            _ => Err(src.at(
                n,
                format!(
                    "'module_defaults' must be a mapping of module names to arguments, or a list of them, not {}",
                    n.kind()
                ),
            )),
        }
    };
    match &node.value {
        NodeValue::Seq(items) => {
            for item in items {
                add(item)?;
            }
        }
        _ => add(node)?,
    }
    Ok(out)
}

/// `when`, `failed_when`, `until`...: a string, boolean or number, or a list of them.
pub fn conditions(src: &Source, key: &str, node: &Node) -> Result<Vec<Value>, ParseError> {
    match &node.value {
        NodeValue::Null => Ok(Vec::new()),
        NodeValue::Seq(items) => items.iter().map(|item| condition(src, key, item)).collect(),
        _ => Ok(vec![condition(src, key, node)?]),
    }
}

fn condition(src: &Source, key: &str, node: &Node) -> Result<Value, ParseError> {
    match &node.value {
        // An empty item holds, as with Ansible.
        NodeValue::Str(_) | NodeValue::Bool(_) | NodeValue::Number(_) | NodeValue::Null => {
            Ok(node.to_value())
        }
        _ => Err(src.at(
            node,
            format!(
                "'{key}' must be a condition (a string or boolean) or a list of them, not {}",
                node.kind()
            ),
        )),
    }
}

/// `tags`: a string (comma-separated), a number, or a list of them.
pub fn tags(src: &Source, node: &Node) -> Result<Vec<String>, ParseError> {
    let shape_error = |n: &Node| {
        src.at(
            n,
            format!(
                "'tags' must be a string, a comma-separated string or a list, not {}",
                n.kind()
            ),
        )
    };
    match &node.value {
        NodeValue::Null => Ok(Vec::new()),
        NodeValue::Str(s) => Ok(s
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(String::from)
            .collect()),
        NodeValue::Number(n) => Ok(vec![n.to_string()]),
        NodeValue::Seq(items) => items
            .iter()
            .map(|item| match &item.value {
                NodeValue::Str(s) => Ok(s.trim().to_string()),
                NodeValue::Number(n) => Ok(n.to_string()),
                _ => Err(shape_error(item)),
            })
            .collect(),
        _ => Err(shape_error(node)),
    }
}

/// `vars`: a mapping (or, as Ansible also takes, a list of mappings merged in order).
pub fn vars(src: &Source, key: &str, node: &Node) -> Result<Map, ParseError> {
    match &node.value {
        NodeValue::Null => Ok(Map::new()),
        NodeValue::Map(_) => Ok(node.to_map().unwrap_or_default()),
        NodeValue::Seq(items) => {
            let mut merged = Map::new();
            for item in items {
                if item.as_map().is_none() {
                    return Err(src.at(
                        item,
                        format!("'{key}' must be a mapping, not a list of {}", item.kind()),
                    ));
                }
                merged.extend(item.to_map().unwrap_or_default());
            }
            Ok(merged)
        }
        _ => Err(src.at(
            node,
            format!(
                "'{key}' must be a mapping of names to values, not {}",
                node.kind()
            ),
        )),
    }
}

/// `environment`: a mapping, a list of mappings, or a template naming one.
fn environment(src: &Source, node: &Node) -> Result<Value, ParseError> {
    match &node.value {
        NodeValue::Map(_) | NodeValue::Str(_) | NodeValue::Null => Ok(node.to_value()),
        NodeValue::Seq(items)
            if items
                .iter()
                .all(|i| i.as_map().is_some() || i.as_str().is_some()) =>
        {
            Ok(node.to_value())
        }
        _ => Err(src.at(
            node,
            format!(
                "'environment' must be a mapping of variable names to values, not {}",
                node.kind()
            ),
        )),
    }
}

/// A single value (string, number, boolean), as written.
pub fn scalar(src: &Source, key: &str, node: &Node) -> Result<Value, ParseError> {
    match &node.value {
        NodeValue::Seq(_) | NodeValue::Map(_) => Err(src.at(
            node,
            format!("'{key}' must be a single value, not {}", node.kind()),
        )),
        _ => Ok(node.to_value()),
    }
}

/// A string (numbers are taken as their text).
pub fn string(src: &Source, key: &str, node: &Node) -> Result<String, ParseError> {
    match &node.value {
        NodeValue::Str(s) => Ok(s.clone()),
        NodeValue::Number(n) => Ok(n.to_string()),
        _ => Err(src.at(
            node,
            format!("'{key}' must be a string, not {}", node.kind()),
        )),
    }
}

/// A string or a list of strings.
pub fn string_list(src: &Source, key: &str, node: &Node) -> Result<Vec<String>, ParseError> {
    match &node.value {
        NodeValue::Null => Ok(Vec::new()),
        NodeValue::Seq(items) => items.iter().map(|i| string(src, key, i)).collect(),
        NodeValue::Str(_) | NodeValue::Number(_) => Ok(vec![string(src, key, node)?]),
        _ => Err(src.at(
            node,
            format!(
                "'{key}' must be a string or a list of strings, not {}",
                node.kind()
            ),
        )),
    }
}

/// The entries of a mapping, or an error naming what was expected.
pub fn mapping<'n>(src: &Source, what: &str, node: &'n Node) -> Result<&'n [Entry], ParseError> {
    node.as_map().ok_or_else(|| {
        src.at(
            node,
            format!("{what} must be a mapping, not {}", node.kind()),
        )
    })
}

/// The items of a list (null is empty), or an error naming what was expected.
pub fn list<'n>(src: &Source, what: &str, node: &'n Node) -> Result<&'n [Node], ParseError> {
    if node.is_null() {
        return Ok(&[]);
    }
    node.as_seq()
        .ok_or_else(|| src.at(node, format!("{what} must be a list, not {}", node.kind())))
}
