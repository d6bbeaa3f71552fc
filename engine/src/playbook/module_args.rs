//! A task's action and its arguments: `copy: {src: a}`, `copy: src=a dest=b`,
//! `shell: echo hi chdir=/tmp`, `action: copy src=a`, `local_action: {module: copy, ...}`.

use super::{closest::did_you_mean, kv::parse_kv, parse_error::Source, ParseError};
use crate::action_names::{is_action, ENGINE_ACTIONS, MODULES};
use crate::yaml::{Node, NodeValue};
use crate::{Map, Value};

/// Modules whose string form is a free text (`_raw_params`), with the `k=v` options that may
/// still be written in it.
const FREE_FORM: &[(&str, &[&str])] = &[
    ("command", RAW_COMMAND_KEYS),
    ("shell", RAW_COMMAND_KEYS),
    ("raw", RAW_COMMAND_KEYS),
    ("script", RAW_COMMAND_KEYS),
    ("include_tasks", &["file"]),
    ("import_tasks", &["file"]),
    (
        "include_vars",
        &[
            "file",
            "name",
            "dir",
            "depth",
            "files_matching",
            "ignore_files",
            "extensions",
            "hash_behaviour",
        ],
    ),
    ("meta", &[]),
];

const RAW_COMMAND_KEYS: &[&str] = &["creates", "removes", "chdir", "executable", "warn", "stdin"];

/// A module name without its `ansible.builtin.` prefix.
pub fn short_name(name: &str) -> &str {
    name.strip_prefix("ansible.builtin.").unwrap_or(name)
}

/// The arguments written after a module name: a mapping, a `k=v` string or nothing.
pub fn module_args(src: &Source, module: &str, node: &Node) -> Result<Map, ParseError> {
    match &node.value {
        NodeValue::Null => Ok(Map::new()),
        NodeValue::Map(_) => Ok(node.to_map().unwrap_or_default()),
        NodeValue::Str(text) => string_args(src, module, text, node),
        NodeValue::Number(n) => string_args(src, module, &n.to_string(), node),
        _ => Err(src.at(
            node,
            format!(
                "the arguments of '{module}' must be a mapping or a 'key=value' string, not {}",
                node.kind()
            ),
        )),
    }
}

fn string_args(src: &Source, module: &str, text: &str, node: &Node) -> Result<Map, ParseError> {
    let raw_keys = FREE_FORM
        .iter()
        .find(|(m, _)| *m == module)
        .map(|(_, keys)| *keys);
    let parsed = parse_kv(text, raw_keys.is_some(), raw_keys.unwrap_or(&[]));
    if let Some(stray) = parsed.stray.first() {
        return Err(src.at(
            node,
            format!("'{module}' takes key=value arguments, but '{stray}' is not of that form"),
        ));
    }
    let mut args = Map::new();
    if let Some(raw) = parsed.raw {
        args.insert("_raw_params".into(), Value::String(raw));
    }
    args.extend(parsed.options);
    Ok(args)
}

/// `action:`/`local_action:`: the module is the first word of a string, or `module:` of a
/// mapping. Returns the short name and the arguments.
pub fn action_keyword(src: &Source, key: &str, node: &Node) -> Result<(String, Map), ParseError> {
    let (module, rest) = match &node.value {
        NodeValue::Str(text) => {
            let text = text.trim_start();
            let end = text.find(char::is_whitespace).unwrap_or(text.len());
            let rest = Node::synthetic(
                NodeValue::Str(text[end..].trim().to_string()),
                node.line,
                node.column,
            );
            (text[..end].to_string(), rest)
        }
        NodeValue::Map(entries) => {
            let module = node.get("module").and_then(Node::as_str).ok_or_else(|| {
                src.at(node, format!("'{key}' as a mapping needs a 'module' name"))
            })?;
            let others = entries
                .iter()
                .filter(|e| e.key != "module")
                .cloned()
                .collect();
            (
                module.to_string(),
                Node::synthetic(NodeValue::Map(others), node.line, node.column),
            )
        }
        _ => {
            return Err(src.at(
                node,
                format!(
                    "'{key}' must be a module name with its arguments, not {}",
                    node.kind()
                ),
            ))
        }
    };
    if !is_action(&module) {
        return Err(unknown_module(src, node.line, node.column, &module));
    }
    let name = short_name(&module).to_string();
    let args = if rest.as_str() == Some("") {
        Map::new()
    } else {
        module_args(src, &name, &rest)?
    };
    Ok((name, args))
}

/// "unknown module 'x'", with the nearest known name.
pub fn unknown_module(src: &Source, line: usize, column: usize, name: &str) -> ParseError {
    let known = ENGINE_ACTIONS.iter().chain(MODULES).copied();
    src.error(
        line,
        column,
        format!(
            "unknown module '{name}'{}",
            did_you_mean(short_name(name), known)
        ),
    )
}
