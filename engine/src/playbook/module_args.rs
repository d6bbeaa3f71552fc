//! A task's action and its arguments: `copy: {src: a}`, `copy: src=a dest=b`,
//! `shell: echo hi chdir=/tmp`, `action: copy src=a`, `local_action: {module: copy, ...}`.

use super::{closest::did_you_mean, kv::parse_kv, parse_error::Source, ParseError};
use crate::action_names::{accepts, free_form, known_names, PluginDirs};
use crate::yaml::{Node, NodeValue};
use crate::{Map, Value};
use troupe_modules::registry::short_name;

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
    let raw_keys = free_form(module);
    let mut parsed = parse_kv(text, raw_keys.is_some(), raw_keys.unwrap_or(&[]));
    if !parsed.stray.is_empty() && !runs_here(module) {
        // An action troupe cannot run or has yet to name (`"{{ mod }}"`): its task fails or
        // is resolved when it runs, so its words are kept rather than refused here.
        parsed = parse_kv(text, true, &[]);
    }
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

/// Whether `module` is an engine action or a troupe module (not a name to be templated, a
/// module troupe lacks or a custom plugin).
fn runs_here(module: &str) -> bool {
    crate::action_names::resolve(module, &PluginDirs::none()).is_ok()
}

/// `action:`/`local_action:`: the module is the first word of a string, or `module:` of a
/// mapping. Returns the short name and the arguments.
pub fn action_keyword(
    src: &Source,
    key: &str,
    node: &Node,
    plugins: &PluginDirs,
) -> Result<(String, Map), ParseError> {
    let (module, rest) = match &node.value {
        NodeValue::Str(text) => {
            let text = text.trim_start();
            let end = first_word_end(text);
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
    if !accepts(&module, plugins) {
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
    let known = known_names();
    src.error(
        line,
        column,
        format!(
            "unknown module '{name}'{}",
            did_you_mean(short_name(name), known)
        ),
    )
}

/// Where the first word of an `action:` string ends; a templated name (`{{ mod }}`) is one
/// word even with spaces inside its braces.
fn first_word_end(text: &str) -> usize {
    let mut from = 0;
    while let Some(open) = text[from..].find("{{").map(|i| from + i) {
        let before_space = text[from..open].find(char::is_whitespace).map(|i| from + i);
        if before_space.is_some() {
            break;
        }
        match text[open..].find("}}") {
            Some(close) => from = open + close + 2,
            None => break,
        }
    }
    text[from..]
        .find(char::is_whitespace)
        .map_or(text.len(), |i| from + i)
}

#[cfg(test)]
mod tests {
    use super::first_word_end;

    #[test]
    fn a_templated_module_name_is_one_word() {
        let word = |t: &'static str| &t[..first_word_end(t)];
        assert_eq!(word("copy src=a"), "copy");
        assert_eq!(word("{{ mod }} src=a"), "{{ mod }}");
        assert_eq!(
            word("ansible.builtin.{{ m }}_x a=1"),
            "ansible.builtin.{{ m }}_x"
        );
        assert_eq!(word("ping"), "ping");
    }
}
