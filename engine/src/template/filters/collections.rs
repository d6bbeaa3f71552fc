//! Filters over lists and dicts: `combine`, `dict2items`, `items2dict`, `flatten`, the set
//! filters (`difference`, `union`, `intersect`, `symmetric_difference`), `extract`,
//! `subelements`, `product`; and `dict()` that also takes a list of pairs.

use minijinja::value::{Kwargs, Rest, ValueKind};
use minijinja::{Environment, Error, State, Value as JValue};

use super::{failure, require_defined};
use crate::template::convert::{from_jinja, to_jinja};
use crate::{Map, Value};

pub(super) fn register(env: &mut Environment<'static>) {
    env.add_filter("combine", combine);
    env.add_filter("dict2items", dict2items);
    env.add_filter("items2dict", items2dict);
    env.add_filter("flatten", flatten);
    env.add_filter("difference", difference);
    env.add_filter("union", union);
    env.add_filter("intersect", intersect);
    env.add_filter("symmetric_difference", symmetric_difference);
    env.add_filter("extract", extract);
    env.add_filter("subelements", subelements);
    env.add_filter("product", product);
    env.add_function("dict", dict);
}

/// `a | product(b, c)`: every combination, one item from each list, as lists.
fn product(first: JValue, others: Rest<JValue>) -> Result<JValue, Error> {
    let mut combos: Vec<Vec<JValue>> = vec![Vec::new()];
    for list in std::iter::once(&first).chain(others.iter()) {
        let items: Vec<JValue> = list.try_iter()?.collect();
        combos = combos
            .into_iter()
            .flat_map(|combo| {
                items.iter().map(move |item| {
                    let mut next = combo.clone();
                    next.push(item.clone());
                    next
                })
            })
            .collect();
    }
    Ok(JValue::from(
        combos.into_iter().map(JValue::from).collect::<Vec<_>>(),
    ))
}

/// Python's `dict()`: keyword arguments, a mapping, or a list of key/value pairs.
fn dict(pairs: Option<JValue>, kwargs: Kwargs) -> Result<JValue, Error> {
    let mut out: Vec<(JValue, JValue)> = Vec::new();
    match pairs {
        None => {}
        Some(m) if m.kind() == ValueKind::Map => {
            for key in m.try_iter()? {
                let value = m.get_item(&key)?;
                out.push((key, value));
            }
        }
        Some(list) => {
            for pair in list.try_iter()? {
                let mut kv = pair.try_iter()?;
                match (kv.next(), kv.next(), kv.next()) {
                    (Some(k), Some(v), None) => out.push((k, v)),
                    _ => return Err(failure(format!("dict(): {pair} is not a key/value pair"))),
                }
            }
        }
    }
    for key in kwargs.args() {
        out.push((JValue::from(key), kwargs.get::<JValue>(key)?));
    }
    let map: Map = out
        .into_iter()
        .map(|(k, v)| {
            (
                k.as_str().map_or_else(|| k.to_string(), str::to_owned),
                from_jinja(&v),
            )
        })
        .collect();
    Ok(to_jinja(&Value::Object(map)))
}

/// How `combine` merges two lists found under the same key.
#[derive(Clone, Copy)]
enum ListMerge {
    Replace,
    Keep,
    Append,
    Prepend,
    AppendRp,
    PrependRp,
}

impl ListMerge {
    fn parse(s: &str) -> Result<Self, Error> {
        Ok(match s {
            "replace" => Self::Replace,
            "keep" => Self::Keep,
            "append" => Self::Append,
            "prepend" => Self::Prepend,
            "append_rp" => Self::AppendRp,
            "prepend_rp" => Self::PrependRp,
            other => return Err(failure(format!("combine: unknown list_merge '{other}'"))),
        })
    }

    fn merge(self, old: &[Value], new: &[Value]) -> Vec<Value> {
        let old_not_in_new = || old.iter().filter(|x| !new.contains(x)).cloned();
        match self {
            Self::Replace => new.to_vec(),
            Self::Keep => old.to_vec(),
            Self::Append => old.iter().chain(new).cloned().collect(),
            Self::Prepend => new.iter().chain(old).cloned().collect(),
            Self::AppendRp => old_not_in_new().chain(new.iter().cloned()).collect(),
            Self::PrependRp => new.iter().cloned().chain(old_not_in_new()).collect(),
        }
    }
}

/// Ansible's `merge_hash`: mappings merged recursively, anything else replaced.
pub(crate) fn merge_hash(into: &mut Map, from: &Map) {
    merge_maps(into, from, true, ListMerge::Replace)
}

fn merge_maps(into: &mut Map, from: &Map, recursive: bool, lists: ListMerge) {
    for (key, new) in from {
        match (into.get_mut(key), new) {
            (Some(Value::Object(old)), Value::Object(new)) if recursive => {
                merge_maps(old, new, recursive, lists)
            }
            (Some(Value::Array(old)), Value::Array(new)) => *old = lists.merge(old, new),
            _ => {
                into.insert(key.clone(), new.clone());
            }
        }
    }
}

/// `a | combine(b, c, recursive=True, list_merge='append')`; lists of dicts count as their items.
fn combine(
    state: &State,
    base: &JValue,
    others: Rest<JValue>,
    kwargs: Kwargs,
) -> Result<JValue, Error> {
    let recursive = kwargs.get::<Option<bool>>("recursive")?.unwrap_or(false);
    let lists = ListMerge::parse(
        kwargs
            .get::<Option<&str>>("list_merge")?
            .unwrap_or("replace"),
    )?;
    if kwargs
        .args()
        .any(|k| !matches!(k, "recursive" | "list_merge"))
    {
        return Err(failure(
            "'recursive' and 'list_merge' are the only valid keyword arguments",
        ));
    }
    let mut result = Map::new();
    for term in std::iter::once(base).chain(others.iter()) {
        require_defined(state, term)?;
        match from_jinja(term) {
            // Ansible flattens the terms first, which drops nulls.
            Value::Null => {}
            Value::Object(m) => merge_maps(&mut result, &m, recursive, lists),
            Value::Array(items) => {
                for item in items.into_iter().filter(|i| !i.is_null()) {
                    let Value::Object(m) = item else {
                        return Err(failure(
                            "combine expects dictionaries or lists of dictionaries",
                        ));
                    };
                    merge_maps(&mut result, &m, recursive, lists);
                }
            }
            other => {
                return Err(failure(format!(
                    "combine expects dictionaries, got {other}"
                )))
            }
        }
    }
    Ok(to_jinja(&Value::Object(result)))
}

fn names(kwargs: &Kwargs) -> Result<(String, String), Error> {
    Ok((
        kwargs
            .get::<Option<String>>("key_name")?
            .unwrap_or_else(|| "key".to_owned()),
        kwargs
            .get::<Option<String>>("value_name")?
            .unwrap_or_else(|| "value".to_owned()),
    ))
}

fn dict2items(state: &State, dict: &JValue, kwargs: Kwargs) -> Result<JValue, Error> {
    require_defined(state, dict)?;
    let (key_name, value_name) = names(&kwargs)?;
    let Value::Object(map) = from_jinja(dict) else {
        return Err(failure("dict2items requires a dictionary"));
    };
    let items: Vec<Value> = map
        .into_iter()
        .map(|(k, v)| {
            Value::Object(Map::from_iter([
                (key_name.clone(), Value::String(k)),
                (value_name.clone(), v),
            ]))
        })
        .collect();
    Ok(to_jinja(&Value::Array(items)))
}

fn items2dict(state: &State, list: &JValue, kwargs: Kwargs) -> Result<JValue, Error> {
    require_defined(state, list)?;
    let (key_name, value_name) = names(&kwargs)?;
    let Value::Array(items) = from_jinja(list) else {
        return Err(failure("items2dict requires a list"));
    };
    let mut out = Map::new();
    for item in items {
        let (Some(k), Some(v)) = (item.get(&key_name), item.get(&value_name)) else {
            return Err(failure(format!(
                "items2dict: each item needs '{key_name}' and '{value_name}'"
            )));
        };
        let key = match k {
            Value::String(s) => s.clone(),
            other => crate::template::python_str(other),
        };
        out.insert(key, v.clone());
    }
    Ok(to_jinja(&Value::Object(out)))
}

fn flatten_into(out: &mut Vec<Value>, items: Vec<Value>, levels: Option<i64>, skip_nulls: bool) {
    for item in items {
        match item {
            Value::Null if skip_nulls => {}
            Value::String(ref s) if skip_nulls && (s == "None" || s == "null") => {}
            Value::Array(inner) if levels.is_none_or(|l| l >= 1) => {
                flatten_into(out, inner, levels.map(|l| l - 1), skip_nulls)
            }
            other => out.push(other),
        }
    }
}

/// `flatten(levels=None, skip_nulls=True)`.
fn flatten(
    state: &State,
    list: &JValue,
    levels: Option<i64>,
    kwargs: Kwargs,
) -> Result<JValue, Error> {
    require_defined(state, list)?;
    let levels = match levels {
        Some(l) => Some(l),
        None => kwargs.get::<Option<i64>>("levels")?,
    };
    let skip_nulls = kwargs.get::<Option<bool>>("skip_nulls")?.unwrap_or(true);
    let Value::Array(items) = from_jinja(list) else {
        return Err(failure("flatten requires a list"));
    };
    let mut out = Vec::new();
    flatten_into(&mut out, items, levels, skip_nulls);
    Ok(to_jinja(&Value::Array(out)))
}

/// Both operands as lists of values; set filters keep the first list's order.
fn two_lists(state: &State, a: &JValue, b: &JValue) -> Result<(Vec<Value>, Vec<Value>), Error> {
    let as_list = |v: &JValue| -> Result<Vec<Value>, Error> {
        require_defined(state, v)?;
        Ok(v.try_iter()?.map(|i| from_jinja(&i)).collect())
    };
    Ok((as_list(a)?, as_list(b)?))
}

fn unique(items: impl IntoIterator<Item = Value>) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    for item in items {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

fn difference(state: &State, a: &JValue, b: &JValue) -> Result<JValue, Error> {
    let (a, b) = two_lists(state, a, b)?;
    Ok(to_jinja(&Value::Array(unique(
        a.into_iter().filter(|x| !b.contains(x)),
    ))))
}

fn union(state: &State, a: &JValue, b: &JValue) -> Result<JValue, Error> {
    let (a, b) = two_lists(state, a, b)?;
    Ok(to_jinja(&Value::Array(unique(a.into_iter().chain(b)))))
}

fn intersect(state: &State, a: &JValue, b: &JValue) -> Result<JValue, Error> {
    let (a, b) = two_lists(state, a, b)?;
    Ok(to_jinja(&Value::Array(unique(
        a.into_iter().filter(|x| b.contains(x)),
    ))))
}

fn symmetric_difference(state: &State, a: &JValue, b: &JValue) -> Result<JValue, Error> {
    let (a, b) = two_lists(state, a, b)?;
    let only_a = a.iter().filter(|x| !b.contains(x)).cloned();
    let only_b = b.iter().filter(|x| !a.contains(x)).cloned();
    Ok(to_jinja(&Value::Array(unique(only_a.chain(only_b)))))
}

/// `groups['web'] | map('extract', hostvars, 'ansible_host')`: `container[key][morekeys…]`.
fn extract(
    state: &State,
    key: &JValue,
    container: &JValue,
    morekeys: Option<JValue>,
) -> Result<JValue, Error> {
    require_defined(state, key)?;
    // As in Ansible, an undefined container gives an undefined result (for `default`).
    if container.is_undefined() {
        return Ok(JValue::UNDEFINED);
    }
    let mut value = container.get_item(key)?;
    if let Some(more) = morekeys {
        let path: Vec<JValue> = if more.kind() == ValueKind::Seq {
            more.try_iter()?.collect()
        } else {
            vec![more]
        };
        // A missing key on the way is an undefined result, as Ansible's chainable one.
        for k in path {
            if value.is_undefined() {
                break;
            }
            value = value.get_item(&k)?;
        }
    }
    Ok(value)
}

/// `users | subelements('groups')`: pairs of each item and each entry of its sub-list.
fn subelements(
    state: &State,
    list: &JValue,
    path: &str,
    flags: Option<JValue>,
    kwargs: Kwargs,
) -> Result<JValue, Error> {
    require_defined(state, list)?;
    // The flag comes as `True`, as `{'skip_missing': True}` or as a keyword.
    let skip_missing = match flags {
        Some(f) if f.kind() == ValueKind::Map => f.get_attr("skip_missing")?.is_true(),
        Some(f) => f.is_true(),
        None => kwargs.get::<Option<bool>>("skip_missing")?.unwrap_or(false),
    };
    let items: Vec<Value> = match from_jinja(list) {
        Value::Array(items) => items,
        Value::Object(map) => map.into_iter().map(|(_, v)| v).collect(),
        _ => return Err(failure("subelements requires a list or a dictionary")),
    };
    let mut out = Vec::new();
    for item in items {
        let mut sub = Some(&item);
        for key in path.split('.') {
            sub = sub.and_then(|v| v.get(key));
        }
        match sub {
            Some(Value::Array(entries)) => {
                out.extend(
                    entries
                        .iter()
                        .map(|e| Value::Array(vec![item.clone(), e.clone()])),
                );
            }
            Some(_) => return Err(failure(format!("subelements: '{path}' is not a list"))),
            None if skip_missing => {}
            None => {
                return Err(failure(format!(
                    "subelements: could not find '{path}' in an item"
                )))
            }
        }
    }
    Ok(to_jinja(&Value::Array(out)))
}

#[cfg(test)]
mod product_and_dict_tests {
    use serde_json::json;

    use crate::template::templar::tests::render;

    #[test]
    fn product_and_dict_from_pairs() {
        let t = |s: &str| render(s, json!({}));
        assert_eq!(
            t("{{ ['a', 'b'] | product([1, 2]) | list }}"),
            "[['a', 1], ['a', 2], ['b', 1], ['b', 2]]"
        );
        assert_eq!(
            t("{{ [1] | product(['x'], [true]) | list }}"),
            "[[1, 'x', True]]"
        );
        assert_eq!(
            t("{{ dict([['x', 1], ('y', 2)]) }} {{ dict(a=1) }} {{ dict({'k': 'v'}, z=0) }}"),
            "{'x': 1, 'y': 2} {'a': 1} {'k': 'v', 'z': 0}"
        );
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::template::templar::tests::{native, render_err};

    #[test]
    fn combine_refuses_other_keywords_first() {
        let e = render_err("{{ [1] | combine(foo='bar') }}", json!({}));
        assert!(
            e.contains("'recursive' and 'list_merge' are the only valid keyword arguments"),
            "{e}"
        );
    }

    #[test]
    fn combine_shallow_recursive_and_lists() {
        let ctx = json!({"defaults": {"a": 1, "nested": {"x": 1, "y": 2}, "l": [1, 2]}, "overrides": {"b": 2, "nested": {"y": 3}, "l": [2, 3]}});
        assert_eq!(
            native("{{ defaults | combine(overrides) }}", ctx.clone()),
            json!({"a": 1, "nested": {"y": 3}, "l": [2, 3], "b": 2})
        );
        assert_eq!(
            native(
                "{{ defaults | combine(overrides, recursive=True) }}",
                ctx.clone()
            ),
            json!({"a": 1, "nested": {"x": 1, "y": 3}, "l": [2, 3], "b": 2})
        );
        assert_eq!(
            native(
                "{{ defaults | combine(overrides, list_merge='append') }}",
                ctx.clone()
            )["l"],
            json!([1, 2, 2, 3])
        );
        assert_eq!(
            native(
                "{{ defaults | combine(overrides, list_merge='append_rp') }}",
                ctx.clone()
            )["l"],
            json!([1, 2, 3])
        );
        assert_eq!(
            native(
                "{{ defaults | combine(overrides, list_merge='prepend') }}",
                ctx.clone()
            )["l"],
            json!([2, 3, 1, 2])
        );
        assert_eq!(
            native("{{ {} | combine([{'a': 1}, {'b': 2}]) }}", ctx),
            json!({"a": 1, "b": 2})
        );
    }

    #[test]
    fn dict2items_and_back() {
        let ctx = json!({"tags": {"env": "prod", "tier": "web"}});
        assert_eq!(
            native("{{ tags | dict2items }}", ctx.clone()),
            json!([{"key": "env", "value": "prod"}, {"key": "tier", "value": "web"}])
        );
        assert_eq!(
            native(
                "{{ tags | dict2items(key_name='k', value_name='v') }}",
                ctx.clone()
            )[0],
            json!({"k": "env", "v": "prod"})
        );
        assert_eq!(
            native("{{ tags | dict2items | items2dict }}", ctx.clone()),
            ctx["tags"]
        );
        assert!(render_err("{{ [1] | dict2items }}", ctx).contains("dictionary"));
    }

    #[test]
    fn flatten_levels_and_nulls() {
        let ctx = json!({"l": [1, [2, [3, [4]]], null, "x"]});
        assert_eq!(
            native("{{ l | flatten }}", ctx.clone()),
            json!([1, 2, 3, 4, "x"])
        );
        assert_eq!(
            native("{{ l | flatten(levels=1) }}", ctx.clone()),
            json!([1, 2, [3, [4]], "x"])
        );
        assert_eq!(
            native("{{ l | flatten(1, skip_nulls=False) }}", ctx),
            json!([1, 2, [3, [4]], null, "x"])
        );
    }

    #[test]
    fn set_filters_keep_order() {
        let ctx = json!({"a": [3, 1, 2, 1], "b": [2, 4]});
        assert_eq!(
            native("{{ a | difference(b) }}", ctx.clone()),
            json!([3, 1])
        );
        assert_eq!(
            native("{{ a | union(b) }}", ctx.clone()),
            json!([3, 1, 2, 4])
        );
        assert_eq!(native("{{ a | intersect(b) }}", ctx.clone()), json!([2]));
        assert_eq!(
            native("{{ a | symmetric_difference(b) }}", ctx),
            json!([3, 1, 4])
        );
    }

    #[test]
    fn extract_through_hostvars() {
        let ctx = json!({"groups": {"web": ["h1", "h2"]}, "hostvars": {"h1": {"ip": {"v4": "10.0.0.1"}}, "h2": {"ip": {"v4": "10.0.0.2"}}}});
        assert_eq!(
            native(
                "{{ groups.web | map('extract', hostvars, ['ip', 'v4']) | list }}",
                ctx.clone()
            ),
            json!(["10.0.0.1", "10.0.0.2"])
        );
        assert_eq!(
            native("{{ 'h1' | extract(hostvars, 'ip') }}", ctx),
            json!({"v4": "10.0.0.1"})
        );
    }

    #[test]
    fn subelements_pairs() {
        let ctx = json!({"users": [{"name": "a", "groups": ["g1", "g2"]}, {"name": "b"}]});
        let pairs = native(
            "{{ users | subelements('groups', skip_missing=True) }}",
            ctx.clone(),
        );
        assert_eq!(pairs.as_array().unwrap().len(), 2);
        assert_eq!(pairs[1][1], json!("g2"));
        assert!(render_err("{{ users | subelements('groups') }}", ctx).contains("groups"));
    }
}
