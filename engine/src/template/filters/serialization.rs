//! `to_json`, `to_nice_json`, `from_json`, `to_yaml`, `to_nice_yaml`, `from_yaml`,
//! `from_yaml_all`. JSON is written the way Python's `json.dumps` writes it (`", "` and
//! `": "` separators, `\uXXXX` for non-ASCII), so checksums of rendered files match Ansible's.

use std::fmt::Write;
use std::path::Path;

use minijinja::value::Kwargs;
use minijinja::{Environment, Error, State, Value as JValue};

use super::{failure, require_defined};
use crate::template::convert::{from_jinja, to_jinja};
use crate::template::python_repr::python_float;
use crate::{Map, Value};

pub(super) fn register(env: &mut Environment<'static>) {
    env.add_filter("to_json", to_json);
    env.add_filter("to_nice_json", to_nice_json);
    env.add_filter("from_json", from_json);
    env.add_filter("to_yaml", to_yaml);
    env.add_filter("to_nice_yaml", to_nice_yaml);
    env.add_filter("from_yaml", from_yaml);
    env.add_filter("from_yaml_all", from_yaml_all);
}

/// The layout options of Python's `json.dumps`.
struct JsonStyle {
    indent: Option<usize>,
    sort_keys: bool,
    ensure_ascii: bool,
    /// Between items: `", "` without indent, `","` with it (Ansible passes that for nice JSON).
    item_separator: &'static str,
}

fn to_json(state: &State, v: &JValue, kwargs: Kwargs) -> Result<String, Error> {
    require_defined(state, v)?;
    let indent = kwargs.get::<Option<usize>>("indent")?;
    let style = JsonStyle {
        indent,
        sort_keys: kwargs.get::<Option<bool>>("sort_keys")?.unwrap_or(false),
        ensure_ascii: kwargs.get::<Option<bool>>("ensure_ascii")?.unwrap_or(true),
        item_separator: if indent.is_some() { "," } else { ", " },
    };
    Ok(python_json(&from_jinja(v), &style))
}

/// Ansible's `to_nice_json`: indent 4, sorted keys.
fn to_nice_json(state: &State, v: &JValue, kwargs: Kwargs) -> Result<String, Error> {
    require_defined(state, v)?;
    let style = JsonStyle {
        indent: Some(kwargs.get::<Option<usize>>("indent")?.unwrap_or(4)),
        sort_keys: kwargs.get::<Option<bool>>("sort_keys")?.unwrap_or(true),
        ensure_ascii: kwargs.get::<Option<bool>>("ensure_ascii")?.unwrap_or(true),
        item_separator: ",",
    };
    Ok(python_json(&from_jinja(v), &style))
}

/// `json.dumps(v)` with Python's defaults: what `copy` writes for list or dict `content`.
pub fn to_json_text(v: &Value) -> String {
    let style = JsonStyle {
        indent: None,
        sort_keys: false,
        ensure_ascii: true,
        item_separator: ", ",
    };
    python_json(v, &style)
}

fn python_json(v: &Value, style: &JsonStyle) -> String {
    let mut out = String::new();
    write_json(&mut out, v, style, 0);
    out
}

fn write_json(out: &mut String, v: &Value, style: &JsonStyle, depth: usize) {
    let newline = |out: &mut String, depth: usize| {
        if let Some(width) = style.indent {
            out.push('\n');
            out.push_str(&" ".repeat(width * depth));
        }
    };
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) if n.is_f64() => {
            let f = n.as_f64().unwrap_or(f64::NAN);
            out.push_str(&match python_float(f).as_str() {
                "nan" => "NaN".to_owned(),
                "inf" => "Infinity".to_owned(),
                "-inf" => "-Infinity".to_owned(),
                s => s.to_owned(),
            })
        }
        Value::Number(n) => {
            let _ = write!(out, "{n}");
        }
        Value::String(s) => write_json_str(out, s, style.ensure_ascii),
        Value::Array(items) if items.is_empty() => out.push_str("[]"),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(style.item_separator);
                }
                newline(out, depth + 1);
                write_json(out, item, style, depth + 1);
            }
            newline(out, depth);
            out.push(']');
        }
        Value::Object(map) if map.is_empty() => out.push_str("{}"),
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            if style.sort_keys {
                entries.sort_by(|a, b| a.0.cmp(b.0));
            }
            out.push('{');
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push_str(style.item_separator);
                }
                newline(out, depth + 1);
                write_json_str(out, k, style.ensure_ascii);
                out.push_str(": ");
                write_json(out, v, style, depth + 1);
            }
            newline(out, depth);
            out.push('}');
        }
    }
}

fn write_json_str(out: &mut String, s: &str, ensure_ascii: bool) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (ensure_ascii && !c.is_ascii()) => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn from_json(state: &State, text: &JValue) -> Result<JValue, Error> {
    require_defined(state, text)?;
    let text = text
        .as_str()
        .ok_or_else(|| failure("from_json expects a string"))?;
    let v: Value = serde_json::from_str(text).map_err(|e| failure(format!("from_json: {e}")))?;
    Ok(to_jinja(&v))
}

/// PyYAML sorts keys by default; so does Ansible's YAML output.
fn sorted(v: Value) -> Value {
    match v {
        Value::Object(map) => {
            let mut entries: Vec<_> = map.into_iter().map(|(k, v)| (k, sorted(v))).collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().collect::<Map>())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

/// A value as PyYAML lays it out. With `flow_leaves` (PyYAML's `default_flow_style=None`, what
/// `to_yaml` uses) a list or dict holding no collections is written inline: `{a: 1, b: 2}`.
struct PyYaml<'a> {
    value: &'a Value,
    flow_leaves: bool,
}

impl serde::Serialize for PyYaml<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let is_scalar = |v: &Value| !matches!(v, Value::Array(_) | Value::Object(_));
        let node = |value| PyYaml {
            value,
            flow_leaves: self.flow_leaves,
        };
        match self.value {
            Value::Array(items) if self.flow_leaves && items.iter().all(is_scalar) => {
                serde_saphyr::FlowSeq(items).serialize(s)
            }
            Value::Object(map) if self.flow_leaves && map.values().all(is_scalar) => {
                serde_saphyr::FlowMap(map).serialize(s)
            }
            Value::Array(items) => s.collect_seq(items.iter().map(node)),
            Value::Object(map) => s.collect_map(map.iter().map(|(k, v)| (k, node(v)))),
            scalar => scalar.serialize(s),
        }
    }
}

fn yaml(v: &JValue, indent: usize, flow_leaves: bool) -> Result<String, Error> {
    let mut options = serde_saphyr::SerializerOptions::default();
    options.indent_step = indent;
    options.prefer_block_scalars = false;
    let value = sorted(from_jinja(v));
    let node = PyYaml {
        value: &value,
        flow_leaves,
    };
    serde_saphyr::to_string_with_options(&node, options)
        .map_err(|e| failure(format!("to_yaml: {e}")))
}

/// PyYAML's `default_flow_style=None`: inline leaves, unless the caller says otherwise.
fn to_yaml(state: &State, v: &JValue, kwargs: Kwargs) -> Result<String, Error> {
    require_defined(state, v)?;
    let flow = kwargs.get::<Option<bool>>("default_flow_style")?;
    yaml(
        v,
        kwargs.get::<Option<usize>>("indent")?.unwrap_or(2),
        flow.is_none(),
    )
}

fn to_nice_yaml(state: &State, v: &JValue, kwargs: Kwargs) -> Result<String, Error> {
    require_defined(state, v)?;
    yaml(
        v,
        kwargs.get::<Option<usize>>("indent")?.unwrap_or(4),
        false,
    )
}

fn parse_yaml(text: &str) -> Result<Value, Error> {
    crate::yaml::from_str(text, Path::new("<from_yaml>"))
        .map_err(|e| failure(format!("from_yaml: {e}")))
}

fn from_yaml(state: &State, text: &JValue) -> Result<JValue, Error> {
    require_defined(state, text)?;
    let text = text
        .as_str()
        .ok_or_else(|| failure("from_yaml expects a string"))?;
    Ok(to_jinja(&parse_yaml(text)?))
}

/// Each `---` document of a stream, as a list.
fn from_yaml_all(state: &State, text: &JValue) -> Result<JValue, Error> {
    require_defined(state, text)?;
    let text = text
        .as_str()
        .ok_or_else(|| failure("from_yaml_all expects a string"))?;
    let mut docs = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        if line.trim_end() == "---" || line.starts_with("--- ") {
            if !current.trim().is_empty() {
                docs.push(parse_yaml(&current)?);
            }
            current = line.strip_prefix("---").unwrap_or("").to_owned();
            current.push('\n');
        } else {
            current.push_str(line);
            current.push('\n');
        }
    }
    if !current.trim().is_empty() {
        docs.push(parse_yaml(&current)?);
    }
    Ok(to_jinja(&Value::Array(docs)))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::template::templar::tests::{native, render, render_err};

    #[test]
    fn to_json_matches_python_dumps() {
        let ctx = json!({"d": {"b": [1, 2.5, true, null], "a": "é\n"}});
        assert_eq!(
            render("{{ d | to_json }}", ctx.clone()),
            r#"{"b": [1, 2.5, true, null], "a": "\u00e9\n"}"#
        );
        assert_eq!(
            render("{{ d | to_json(sort_keys=true) }}", ctx.clone()),
            r#"{"a": "\u00e9\n", "b": [1, 2.5, true, null]}"#
        );
    }

    #[test]
    fn to_nice_json_indents_four_and_sorts() {
        let ctx = json!({"d": {"b": [1], "a": {}, "c": []}});
        assert_eq!(
            render("{{ d | to_nice_json }}", ctx),
            "{\n    \"a\": {},\n    \"b\": [\n        1\n    ],\n    \"c\": []\n}"
        );
    }

    #[test]
    fn from_json_and_yaml_parse() {
        let ctx = json!({"j": "{\"a\": [1, 2]}", "y": "a: yes\nb:\n  - 1\n  - two\n", "stream": "---\na: 1\n---\nb: 2\n"});
        assert_eq!(
            native("{{ j | from_json }}", ctx.clone()),
            json!({"a": [1, 2]})
        );
        assert_eq!(native("{{ (j | from_json).a[1] }}", ctx.clone()), json!(2));
        assert_eq!(
            native("{{ y | from_yaml }}", ctx.clone()),
            json!({"a": true, "b": [1, "two"]})
        );
        assert_eq!(
            native("{{ stream | from_yaml_all }}", ctx.clone()),
            json!([{"a": 1}, {"b": 2}])
        );
        assert!(render_err("{{ '{bad' | from_json }}", ctx).contains("from_json"));
    }

    #[test]
    fn yaml_output_round_trips_sorted() {
        let ctx = json!({"d": {"z": 1, "a": ["x", "yes"], "m": {"k": "v"}}});
        let text = render("{{ d | to_nice_yaml }}", ctx.clone());
        assert!(text.starts_with("a:"), "{text}");
        assert!(text.contains("    k: v"), "{text}");
        let back = native("{{ d | to_yaml | from_yaml }}", ctx.clone());
        assert_eq!(back, ctx["d"]);
    }

    #[test]
    fn to_yaml_writes_leaf_collections_inline() {
        let ctx = json!({"d": {"z": [1, 2], "a": {"k": "v", "x": null}, "m": {"deep": [[]]}}});
        assert_eq!(
            render("{{ d | to_yaml }}", ctx.clone()),
            "a: {k: v, x: null}\nm:\n  deep:\n  - []\nz: [1, 2]\n"
        );
        assert_eq!(
            render("{{ d.a | to_yaml(default_flow_style=false) }}", ctx),
            "k: v\nx: null\n"
        );
    }
}
