//! The `subelements` lookup (`with_subelements: [list, 'a.b.list', {skip_missing: true}]`,
//! `lookup('subelements', list, 'key')`): each element paired with each item of its (possibly
//! nested) list, with the checks and messages Ansible's lookup has.

use super::python_repr;
use crate::Value;

/// Why the terms give no pairs: the message, as Ansible words it.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct SubelementsError(String);

fn terms_error(more: &str) -> SubelementsError {
    SubelementsError(format!(
        "subelements lookup expects a list of two or three items, {more}"
    ))
}

/// The `[element, item]` pairs.
pub fn subelements(value: Value) -> Result<Vec<Value>, SubelementsError> {
    let Value::Array(terms) = value else {
        return Err(terms_error(""));
    };
    if !(2..=3).contains(&terms.len()) {
        return Err(terms_error(""));
    }
    let (Some(Value::String(path)), elements) = (terms.get(1), &terms[0]) else {
        return Err(terms_error(
            "first a dict or a list, second a string pointing to the subkey",
        ));
    };
    let elements: Vec<Value> = match elements {
        Value::Array(items) => items.clone(),
        Value::Object(_) if skipped(elements) => return Ok(Vec::new()),
        Value::Object(m) => m.values().cloned().collect(),
        // Ansible makes a list of any other first term.
        other => vec![other.clone()],
    };
    let skip_missing = match terms.get(2) {
        None => false,
        Some(Value::Object(flags)) if flags.keys().all(|k| k == "skip_missing") => flags
            .get("skip_missing")
            .and_then(troupe_modules::args::boolean)
            .unwrap_or(false),
        Some(_) => {
            return Err(terms_error(
                "the optional third item must be a dict with flags ['skip_missing']",
            ))
        }
    };
    let keys: Vec<&str> = path.split('.').collect();
    let mut out = Vec::new();
    for element in elements {
        if !element.is_object() {
            return Err(SubelementsError(format!(
                "subelements lookup expects a dictionary, got '{}'",
                python_repr(&element)
            )));
        }
        if skipped(&element) {
            continue;
        }
        let mut element = element;
        let Some(list) = take_list(&mut element, &keys, skip_missing)? else {
            continue;
        };
        for item in list {
            out.push(Value::Array(vec![element.clone(), item]));
        }
    }
    Ok(out)
}

/// A registered result that was skipped as a whole.
fn skipped(v: &Value) -> bool {
    v.get("skipped").is_some_and(|s| s != &Value::Bool(false))
}

/// Removes and returns the list at `keys` inside `element` (Ansible's lookup pops it, so the
/// element paired with each item no longer holds it). `None`: missing and skipped.
fn take_list(
    element: &mut Value,
    keys: &[&str],
    skip_missing: bool,
) -> Result<Option<Vec<Value>>, SubelementsError> {
    let mut at = element;
    for (i, key) in keys.iter().enumerate() {
        let last = i + 1 == keys.len();
        let shown = python_repr(at);
        let Some(map) = at.as_object_mut() else {
            return Ok(None);
        };
        let Some(next) = map.get(*key) else {
            if skip_missing {
                return Ok(None);
            }
            return Err(SubelementsError(format!(
                "could not find '{key}' key in iterated item '{shown}'"
            )));
        };
        if last {
            let Value::Array(list) = next.clone() else {
                return Err(SubelementsError(format!(
                    "the key {key} should point to a list, got '{}'",
                    python_repr(next)
                )));
            };
            map.remove(*key);
            return Ok(Some(list));
        }
        if !next.is_object() {
            if skip_missing {
                return Ok(None);
            }
            return Err(SubelementsError(format!(
                "the key {key} should point to a dictionary, got '{}'",
                python_repr(next)
            )));
        }
        at = map.get_mut(*key).expect("just found");
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn nested_keys_pair_each_item_and_drop_the_list_from_the_element() {
        let users = json!([
            {"id": "x", "the": {"sub": {"list": ["q", "r"]}}},
            {"id": "y", "skipped": true, "the": {"sub": {"list": ["s"]}}},
        ]);
        let pairs = subelements(json!([users, "the.sub.list"])).unwrap();
        assert_eq!(
            pairs,
            vec![
                json!([{"id": "x", "the": {"sub": {}}}, "q"]),
                json!([{"id": "x", "the": {"sub": {}}}, "r"]),
            ]
        );
    }

    #[test]
    fn missing_keys_fail_unless_skipped() {
        let users = json!([{"id": "x", "a": {"b": [1]}}, {"id": "y"}]);
        let err = subelements(json!([users.clone(), "a.b"]))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("could not find 'a' key in iterated item"),
            "{err}"
        );
        let pairs = subelements(json!([users, "a.b", {"skip_missing": true}])).unwrap();
        assert_eq!(pairs.len(), 1);
        let err = subelements(json!([[{"a": 1}], "a", "wolves"]))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("the optional third item must be a dict"),
            "{err}"
        );
        let err = subelements(json!([[{"a": 1}], "a"]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("should point to a list"), "{err}");
        let err = subelements(json!([[{"a": 1}], true]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("second a string"), "{err}");
    }
}
