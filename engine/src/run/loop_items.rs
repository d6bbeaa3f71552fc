//! The items of `loop:` and the `with_*` forms.

use std::path::Path;

use minijinja::Value as JValue;

use super::file_lookup;
use crate::{
    playbook::{LoopSource, Role},
    template::{python_repr, Templar, TemplateError},
    Map, Value,
};

/// Why a loop has no list of items.
#[derive(Debug, thiserror::Error)]
pub enum LoopError {
    /// The source uses an undefined variable. Ansible lets a false `when` (evaluated without
    /// the item) skip such a task rather than fail it.
    #[error("{0}")]
    Undefined(String),
    /// The source rendered to something that is not a list of items, or did not render.
    #[error("{0}")]
    Invalid(String),
}

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
        LoopSource::Lookup { name, value } => Ok(lookup(name, render(value)?)?),
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
        "list" => Ok(match value {
            Value::Array(a) => a,
            o => vec![o],
        }),
        "sequence" => sequence(&value),
        "together" => {
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
        "subelements" => {
            let Value::Array(args) = value else {
                return Err(LoopError::Invalid(
                    "with_subelements expects [list, 'key']".into(),
                ));
            };
            let (Some(Value::Array(list)), Some(Value::String(key))) =
                (args.first().cloned(), args.get(1).cloned())
            else {
                return Err(LoopError::Invalid(
                    "with_subelements expects [list, 'key']".into(),
                ));
            };
            let mut out = Vec::new();
            for elem in list {
                if let Some(Value::Array(subs)) = elem.get(&key) {
                    for s in subs {
                        out.push(Value::Array(vec![elem.clone(), s.clone()]));
                    }
                }
            }
            Ok(out)
        }
        "first_found" => {
            let files: Vec<Value> = match value {
                Value::Array(a) => a,
                o => vec![o],
            };
            let found = files
                .iter()
                .filter_map(Value::as_str)
                .find(|f| Path::new(f).exists());
            found.map(|f| vec![Value::from(f)]).ok_or_else(|| {
                LoopError::Invalid("No file was found when using first_found.".into())
            })
        }
        "indexed_items" => Ok(match value {
            Value::Array(a) => a
                .into_iter()
                .enumerate()
                .map(|(i, v)| Value::Array(vec![Value::from(i), v]))
                .collect(),
            o => vec![o],
        }),
        other => Err(LoopError::Invalid(format!(
            "the loop lookup 'with_{other}' is not supported by troupe"
        ))),
    }
}

/// `with_sequence: start=1 end=5 stride=1 format=web%02d` (or `count=`).
fn sequence(value: &Value) -> Result<Vec<Value>, LoopError> {
    let spec = value.as_str().unwrap_or_default();
    let mut kv = Map::new();
    for part in spec.split_whitespace() {
        if let Some((k, v)) = part.split_once('=') {
            kv.insert(k.to_string(), Value::from(v));
        } else if let Some((a, b)) = part.split_once('-') {
            kv.insert("start".into(), Value::from(a));
            kv.insert("end".into(), Value::from(b));
        } else {
            kv.insert("end".into(), Value::from(part));
        }
    }
    let num = |k: &str, d: i64| {
        kv.get(k)
            .and_then(Value::as_str)
            .map(|s| {
                s.parse::<i64>()
                    .map_err(|_| LoopError::Invalid(format!("with_sequence: bad {k} {s:?}")))
            })
            .unwrap_or(Ok(d))
    };
    let start = num("start", 1)?;
    let stride = num("stride", 1)?;
    let end = match kv.get("count") {
        Some(_) => start + (num("count", 0)? - 1) * stride,
        None => num("end", start)?,
    };
    let format = kv
        .get("format")
        .and_then(Value::as_str)
        .unwrap_or("%d")
        .to_string();
    if stride == 0 {
        return Err(LoopError::Invalid(
            "with_sequence: stride must not be 0".into(),
        ));
    }
    let mut out = Vec::new();
    let mut i = start;
    while (stride > 0 && i <= end) || (stride < 0 && i >= end) {
        out.push(Value::from(printf_int(&format, i)));
        i += stride;
    }
    Ok(out)
}

/// Enough of printf for sequence formats: `%d`, `%02d`, `%x`, `%o`.
fn printf_int(format: &str, n: i64) -> String {
    let re = regex::Regex::new(r"%(0?)(\d*)([dxXo])").expect("valid regex");
    re.replace(format, |c: &regex::Captures| {
        let width: usize = c[2].parse().unwrap_or(0);
        let s = match &c[3] {
            "x" => format!("{n:x}"),
            "X" => format!("{n:X}"),
            "o" => format!("{n:o}"),
            _ => n.to_string(),
        };
        if c[1].is_empty() {
            format!("{s:>width$}")
        } else {
            format!("{s:0>width$}")
        }
    })
    .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequences() {
        let v = sequence(&Value::from("start=1 end=3 format=web%02d")).unwrap();
        assert_eq!(
            v,
            vec![
                Value::from("web01"),
                Value::from("web02"),
                Value::from("web03")
            ]
        );
        assert_eq!(
            sequence(&Value::from("count=2 start=4")).unwrap(),
            vec![Value::from("4"), Value::from("5")]
        );
    }

    #[test]
    fn nested_and_together() {
        let v = lookup("nested", serde_json::json!([["a", "b"], [1, 2]])).unwrap();
        assert_eq!(v.len(), 4);
        let v = lookup("together", serde_json::json!([["a", "b"], [1]])).unwrap();
        assert_eq!(v[1], serde_json::json!(["b", null]));
    }
}
