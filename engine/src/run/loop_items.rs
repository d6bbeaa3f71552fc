//! The items of `loop:` and the `with_*` forms.

use std::path::Path;

use minijinja::Value as JValue;

use super::loop_error::LoopError;
use super::{file_lookup, loop_sequence::sequence};
use crate::{
    playbook::{LoopSource, Role},
    template::{python_repr, Templar, TemplateError},
    Value,
};

/// Renders a loop's source and turns it into the list of items, or says why it can't.
pub fn resolve(
    source: &LoopSource,
    templar: &Templar,
    ctx: &JValue,
    role: Option<&Role>,
    play_dir: &Path,
) -> Result<Vec<Value>, LoopError> {
    let render = |v: &Value| {
        templar.render_value(v, ctx).map_err(|e| match e {
            TemplateError::Undefined { .. } => LoopError::Undefined(e.to_string()),
            _ => LoopError::Invalid(e.to_string()),
        })
    };
    match source {
        LoopSource::Items { value, flatten } => match render(value)? {
            Value::Array(items) if *flatten => Ok(items
                .into_iter()
                .flat_map(|i| match i {
                    Value::Array(inner) => inner,
                    other => vec![other],
                })
                .collect()),
            Value::Array(items) => Ok(items),
            Value::Null if *flatten => Ok(Vec::new()),
            other if *flatten => Ok(vec![other]),
            other => Err(LoopError::Invalid(format!(
                "Invalid data passed to 'loop', it requires a list, got this instead: {}. Hint: If you passed a list/dict of just one element, try adding wantlist=True to your lookup invocation or use q/query instead of lookup.",
                python_repr(&other)
            ))),
        },
        LoopSource::Dict(value) => match render(value)? {
            Value::Object(m) => Ok(m.into_iter().map(|(k, v)| serde_json::json!({"key": k, "value": v})).collect()),
            other => Err(LoopError::Invalid(format!("with_dict expects a dict, got {}", python_repr(&other)))),
        },
        LoopSource::Fileglob(value) => {
            let patterns = match render(value)? {
                Value::Array(a) => a,
                other => vec![other],
            };
            let mut out = Vec::new();
            for p in patterns {
                let p = p.as_str().map(str::to_string).unwrap_or_else(|| p.to_string());
                let (dir, file) = match p.rsplit_once('/') {
                    Some((d, f)) => (d.to_string(), f.to_string()),
                    None => (String::new(), p.clone()),
                };
                let base = if Path::new(&p).is_absolute() {
                    Path::new(&dir).to_path_buf()
                } else {
                    match file_lookup::find("files", if dir.is_empty() { "." } else { &dir }, role, play_dir) {
                        Ok(d) => d,
                        Err(_) => continue,
                    }
                };
                let pattern = base.join(file).display().to_string();
                let mut found: Vec<String> = glob::glob(&pattern)
                    .map_err(|e| LoopError::Invalid(e.to_string()))?
                    .filter_map(Result::ok)
                    .filter(|p| p.is_file())
                    .map(|p| p.display().to_string())
                    .collect();
                found.sort();
                out.extend(found.into_iter().map(Value::from));
            }
            Ok(out)
        }
        LoopSource::Lookup { name, value } if NATIVE.contains(&name.as_str()) => {
            lookup(name, render(value)?)
        }
        LoopSource::Lookup { name, value } => query(templar, ctx, name, render(value)?),
    }
}

/// The `with_*` lookups done here; any other goes to the template's `query()`.
const NATIVE: &[&str] = &[
    "list",
    "sequence",
    "subelements",
    "together",
    "nested",
    "cartesian",
    "indexed_items",
];

/// `with_<name>: terms` as Ansible runs it: the lookup plugin over the terms (a list's items,
/// or the one value), one loop item per result.
fn query(
    templar: &Templar,
    ctx: &JValue,
    name: &str,
    value: Value,
) -> Result<Vec<Value>, LoopError> {
    let terms = match value {
        Value::Array(items) => items,
        other => vec![other],
    };
    let mut args = vec![python_repr(&Value::from(name))];
    args.extend(terms.iter().map(python_repr));
    match templar.eval(&format!("query({})", args.join(", ")), ctx) {
        Ok(Value::Array(items)) => Ok(items),
        Ok(other) => Ok(vec![other]),
        Err(e) => Err(LoopError::Invalid(e.to_string())),
    }
}

/// The `with_<lookup>` forms troupe supports.
fn lookup(name: &str, value: Value) -> Result<Vec<Value>, LoopError> {
    let lists = |v: Value| -> Vec<Vec<Value>> {
        match v {
            Value::Array(a) => a
                .into_iter()
                .map(|x| match x {
                    Value::Array(i) => i,
                    o => vec![o],
                })
                .collect(),
            other => vec![vec![other]],
        }
    };
    match name {
        "list" => match value {
            Value::Array(a) => Ok(a),
            Value::Object(_) => Err(LoopError::Invalid("with_list expects a list".into())),
            o => Ok(vec![o]),
        },
        "sequence" => sequence(&value),
        "subelements" => {
            crate::template::subelements(value).map_err(|e| LoopError::Invalid(e.to_string()))
        }
        "together" => {
            if value.as_array().is_some_and(Vec::is_empty) {
                return Err(LoopError::Invalid(
                    "with_together requires at least one element in each list".into(),
                ));
            }
            let l = lists(value);
            let n = l.iter().map(Vec::len).max().unwrap_or(0);
            Ok((0..n)
                .map(|i| {
                    Value::Array(
                        l.iter()
                            .map(|x| x.get(i).cloned().unwrap_or(Value::Null))
                            .collect(),
                    )
                })
                .collect())
        }
        "nested" | "cartesian" => {
            let mut acc: Vec<Vec<Value>> = vec![Vec::new()];
            for list in lists(value) {
                acc = acc
                    .into_iter()
                    .flat_map(|prefix| {
                        list.iter().map(move |x| {
                            let mut p = prefix.clone();
                            p.push(x.clone());
                            p
                        })
                    })
                    .collect();
            }
            Ok(acc.into_iter().map(Value::Array).collect())
        }
        "indexed_items" => match value {
            Value::Array(a) => Ok(a
                .into_iter()
                .enumerate()
                .map(|(i, v)| Value::Array(vec![Value::from(i), v]))
                .collect()),
            _ => Err(LoopError::Invalid(
                "with_indexed_items expects a list".into(),
            )),
        },
        other => Err(LoopError::Invalid(format!(
            "the loop lookup 'with_{other}' is not supported by troupe"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_and_together() {
        let v = lookup("nested", serde_json::json!([["a", "b"], [1, 2]])).unwrap();
        assert_eq!(v.len(), 4);
        let v = lookup("together", serde_json::json!([["a", "b"], [1]])).unwrap();
        assert_eq!(v[1], serde_json::json!(["b", null]));
    }
}
