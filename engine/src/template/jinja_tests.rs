//! Ansible's Jinja tests (`x is succeeded`, `v is version('2.0', '>=')`, `s is match(...)`…),
//! beside minijinja's builtins (`defined`, `undefined`, `none`, `string`, `number`, `mapping`,
//! `sequence`, `iterable`, `in`, `equalto`…).

use std::cmp::Ordering;
use std::path::Path;

use minijinja::value::{Kwargs, ValueKind};
use minijinja::{Environment, Error, State, Value};

use super::filters::{compiled_regex, failure, require_defined, RegexFlags};

pub(crate) fn register(env: &mut Environment<'static>) {
    for (name, test) in [
        (
            "succeeded",
            succeeded as fn(&State, &Value) -> Result<bool, Error>,
        ),
        ("success", succeeded),
        ("successful", succeeded),
        ("failed", failed),
        ("failure", failed),
        ("changed", changed),
        ("change", changed),
        ("skipped", skipped),
        ("skip", skipped),
        ("finished", finished),
        ("started", started),
        ("unreachable", unreachable),
        ("reachable", reachable),
    ] {
        env.add_test(name, test);
    }
    env.add_test("match", |v: Value, p: &str, k: Kwargs| {
        regex_test(&as_text(&v)?, p, k, Anchor::Start)
    });
    env.add_test("search", |v: Value, p: &str, k: Kwargs| {
        regex_test(&as_text(&v)?, p, k, Anchor::Anywhere)
    });
    env.add_test("regex", regex_match_type);
    env.add_test("version", version);
    env.add_test("version_compare", version);
    env.add_test("subset", |a: Value, b: Value| contains_all(&b, &a));
    env.add_test("superset", |a: Value, b: Value| contains_all(&a, &b));
    env.add_test("contains", |seq: Value, item: Value| {
        Ok::<_, Error>(seq.try_iter()?.any(|x| x == item))
    });
    env.add_test("file", |p: &str| Path::new(p).is_file());
    env.add_test("directory", |p: &str| Path::new(p).is_dir());
    env.add_test("exists", |p: &str| Path::new(p).exists());
    env.add_test("link", |p: &str| Path::new(p).is_symlink());
    env.add_test("abs", |p: &str| Path::new(p).is_absolute());
    env.add_test("truthy", |s: &State, v: &Value, k: Kwargs| truthy(s, v, k));
    env.add_test("falsy", |s: &State, v: &Value, k: Kwargs| {
        truthy(s, v, k).map(|t| !t)
    });
}

/// The registered result a status test looks at; anything else is a mistake in the playbook.
fn result_flag(state: &State, result: &Value, test: &str, key: &str) -> Result<bool, Error> {
    require_defined(state, result)?;
    if result.kind() != ValueKind::Map {
        return Err(failure(format!(
            "the '{test}' test expects a registered result (a dictionary)"
        )));
    }
    let flag = result.get_attr(key)?;
    Ok(!flag.is_undefined() && flag.is_true())
}

/// Failed when `failed` says so, or (lacking that key) when a command's `rc` is not zero.
fn failed(state: &State, result: &Value) -> Result<bool, Error> {
    if result_flag(state, result, "failed", "failed")? {
        return Ok(true);
    }
    let failed_key = result.get_attr("failed")?;
    let rc = result.get_attr("rc")?;
    Ok(failed_key.is_undefined() && !rc.is_undefined() && !rc.is_none() && rc.is_true())
}

fn succeeded(state: &State, result: &Value) -> Result<bool, Error> {
    failed(state, result).map(|f| !f)
}

/// Changed when `changed` says so; lacking it, when any of a loop's `results` changed.
fn changed(state: &State, result: &Value) -> Result<bool, Error> {
    if result_flag(state, result, "changed", "changed")? {
        return Ok(true);
    }
    let results = result.get_attr("results")?;
    if !result.get_attr("changed")?.is_undefined() || results.is_undefined() {
        return Ok(false);
    }
    Ok(results.try_iter().is_ok_and(|mut items| {
        items.any(|item| {
            item.get_attr("changed")
                .is_ok_and(|c| !c.is_undefined() && c.is_true())
        })
    }))
}

fn skipped(state: &State, result: &Value) -> Result<bool, Error> {
    result_flag(state, result, "skipped", "skipped")
}

/// An async job's status: done when `finished` is 1; a result of a task that was not async
/// counts as finished (Ansible warns and says so too).
fn finished(state: &State, result: &Value) -> Result<bool, Error> {
    job_flag(state, result, "finished")
}

/// An async job's status: started when `started` is 1; a task that was not async counts as
/// started.
fn started(state: &State, result: &Value) -> Result<bool, Error> {
    job_flag(state, result, "started")
}

/// Whether the host could not be reached for the task.
fn unreachable(state: &State, result: &Value) -> Result<bool, Error> {
    result_flag(state, result, "unreachable", "unreachable")
}

fn reachable(state: &State, result: &Value) -> Result<bool, Error> {
    unreachable(state, result).map(|u| !u)
}

fn job_flag(state: &State, result: &Value, key: &str) -> Result<bool, Error> {
    result_flag(state, result, key, key)?;
    let flag = result.get_attr(key)?;
    Ok(flag.is_undefined() || flag.is_true())
}

enum Anchor {
    Start,
    Anywhere,
}

/// Python's `re.match` (anchored at the start) or `re.search`.
fn regex_test(value: &str, pattern: &str, kwargs: Kwargs, anchor: Anchor) -> Result<bool, Error> {
    let flags = RegexFlags::from_kwargs(&kwargs)?;
    let re = compiled_regex(pattern, flags)?;
    Ok(match anchor {
        Anchor::Start => {
            re.find(value).is_some_and(|m| m.start == 0) || {
                // The leftmost match may start later while an anchored one exists.
                compiled_regex(
                    &format!("^(?:{pattern})"),
                    RegexFlags {
                        multiline: false,
                        ..flags
                    },
                )?
                .is_match(value)
            }
        }
        Anchor::Anywhere => re.is_match(value),
    })
}

/// The regex tests read any value as Python's `str()` of it (a list as `['a', 'b']`), as
/// Ansible's do; an undefined value is still an error.
fn as_text(value: &Value) -> Result<String, Error> {
    if value.is_undefined() {
        return Err(Error::from(minijinja::ErrorKind::UndefinedError));
    }
    Ok(super::python_repr::jinja_str(value))
}

fn regex_match_type(value: Value, pattern: &str, kwargs: Kwargs) -> Result<bool, Error> {
    let value = &as_text(&value)?;
    let match_type = kwargs
        .get::<Option<String>>("match_type")?
        .unwrap_or_else(|| "search".to_owned());
    let anchor = match match_type.as_str() {
        "match" => Anchor::Start,
        "search" => Anchor::Anywhere,
        "fullmatch" => {
            let flags = RegexFlags::from_kwargs(&kwargs)?;
            return Ok(compiled_regex(&format!("^(?:{pattern})$"), flags)?.is_match(value));
        }
        other => return Err(failure(format!("regex: unknown match_type '{other}'"))),
    };
    regex_test(value, pattern, kwargs, anchor)
}

/// One piece of a loose version: numbers compare as numbers, words as text.
#[derive(PartialEq, Eq, PartialOrd, Ord, Debug)]
enum VersionPart {
    Word(String),
    Number(u64),
}

fn version_parts(v: &str) -> Vec<VersionPart> {
    let mut parts = Vec::new();
    let mut chars = v.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_ascii_digit() {
            let mut n = String::new();
            while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
                n.push(d);
                chars.next();
            }
            parts.push(VersionPart::Number(n.parse().unwrap_or(u64::MAX)));
        } else if c.is_alphabetic() {
            let mut w = String::new();
            while let Some(d) = chars.peek().copied().filter(|d| d.is_alphabetic()) {
                w.push(d);
                chars.next();
            }
            parts.push(VersionPart::Word(w));
        } else {
            chars.next();
        }
    }
    parts
}

/// Compares like Python's LooseVersion: piece by piece, a longer version wins a tie.
pub(crate) fn compare_versions(a: &str, b: &str) -> Ordering {
    version_parts(a).cmp(&version_parts(b))
}

/// `ansible_distribution_version is version('12', '>=')`.
fn version(
    state: &State,
    value: &Value,
    other: &Value,
    operator: Option<&str>,
    kwargs: Kwargs,
) -> Result<bool, Error> {
    require_defined(state, value)?;
    let _strict = kwargs.get::<Option<bool>>("strict")?;
    let _version_type = kwargs.get::<Option<String>>("version_type")?;
    let operator = match operator {
        Some(op) => op.to_owned(),
        None => kwargs
            .get::<Option<String>>("operator")?
            .unwrap_or_else(|| "eq".to_owned()),
    };
    let text = |v: &Value| v.as_str().map_or_else(|| v.to_string(), str::to_owned);
    let ordering = compare_versions(&text(value), &text(other));
    Ok(match operator.as_str() {
        "==" | "=" | "eq" => ordering == Ordering::Equal,
        "!=" | "<>" | "ne" => ordering != Ordering::Equal,
        "<" | "lt" => ordering == Ordering::Less,
        "<=" | "le" => ordering != Ordering::Greater,
        ">" | "gt" => ordering == Ordering::Greater,
        ">=" | "ge" => ordering != Ordering::Less,
        other => return Err(failure(format!("version: unknown operator '{other}'"))),
    })
}

fn contains_all(container: &Value, items: &Value) -> Result<bool, Error> {
    let container: Vec<Value> = container.try_iter()?.collect();
    let mut items = items.try_iter()?;
    Ok(items.all(|i| container.contains(&i)))
}

/// Ansible's `truthy`: Python truthiness, or with `convert_bool=True` the bool literals first.
fn truthy(state: &State, v: &Value, kwargs: Kwargs) -> Result<bool, Error> {
    require_defined(state, v)?;
    let convert_bool = kwargs.get::<Option<bool>>("convert_bool")?.unwrap_or(false);
    if convert_bool {
        if let Some(b) = v.as_str().and_then(troupe_modules::truth::bool_word) {
            return Ok(b);
        }
    }
    Ok(v.is_true())
}

#[cfg(test)]
mod tests {
    use std::cmp::Ordering;

    use serde_json::json;

    use super::compare_versions;
    use crate::template::templar::tests::{render, render_err};

    #[test]
    fn registered_result_tests() {
        let ctx = json!({
            "ok": {"changed": false, "rc": 0},
            "changed": {"changed": true},
            "bad": {"failed": true, "msg": "boom"},
            "rc_only": {"rc": 2},
            "skip": {"skipped": true, "changed": false}
        });
        let t = |expr: &str| render(&format!("{{{{ {expr} }}}}"), ctx.clone());
        assert_eq!(t("ok is succeeded"), "True");
        assert_eq!(t("ok is success"), "True");
        assert_eq!(t("ok is changed"), "False");
        assert_eq!(t("changed is changed"), "True");
        assert_eq!(t("bad is failed"), "True");
        assert_eq!(t("bad is not succeeded"), "True");
        assert_eq!(t("rc_only is failed"), "True");
        assert_eq!(t("skip is skipped"), "True");
        assert_eq!(t("ok is skipped"), "False");
        assert!(render_err("{{ 'text' is failed }}", ctx).contains("registered result"));
    }

    #[test]
    fn regex_tests_match_and_search() {
        let ctx = json!({"url": "https://example.com/users"});
        assert_eq!(
            render("{{ url is match('https://') }}", ctx.clone()),
            "True"
        );
        assert_eq!(
            render("{{ url is match('example') }}", ctx.clone()),
            "False"
        );
        assert_eq!(render("{{ url is search('users') }}", ctx.clone()), "True");
        assert_eq!(
            render(
                "{{ url is regex('EXAMPLE', ignorecase=True) }}",
                ctx.clone()
            ),
            "True"
        );
        assert_eq!(
            render(
                "{{ url is regex('example', match_type='match') }}",
                ctx.clone()
            ),
            "False"
        );
        let hosts = json!({"hosts": [{"name": "web1"}, {"name": "db1"}, {"name": "web2"}]});
        assert_eq!(render("{{ hosts | selectattr('name', 'match', '^web') | map(attribute='name') | join(',') }}", hosts.clone()), "web1,web2");
        assert_eq!(render("{{ hosts | rejectattr('name', 'search', 'web') | map(attribute='name') | join(',') }}", hosts), "db1");
        // A list is searched as Python's str() of it.
        let warnings = json!({"w": ["'append' is set", "other"]});
        assert_eq!(
            render("{{ w is search(\"'append' is set\") }}", warnings.clone()),
            "True"
        );
        assert_eq!(render("{{ w is match('\\[\"') }}", warnings), "True");
    }

    #[test]
    fn version_comparisons() {
        assert_eq!(compare_versions("1.10", "1.9"), Ordering::Greater);
        assert_eq!(compare_versions("2.0", "2.0.0"), Ordering::Less);
        let ctx = json!({"ansible_distribution_version": "12.4", "kernel": "5.15.0-91-generic"});
        assert_eq!(
            render(
                "{{ ansible_distribution_version is version('12', '>=') }}",
                ctx.clone()
            ),
            "True"
        );
        assert_eq!(
            render(
                "{{ ansible_distribution_version is version('12.10', 'lt') }}",
                ctx.clone()
            ),
            "True"
        );
        assert_eq!(
            render("{{ kernel is version('5.4', operator='gt') }}", ctx.clone()),
            "True"
        );
        assert_eq!(
            render("{{ '1.0' is version_compare('1.0', '==') }}", ctx.clone()),
            "True"
        );
        assert!(render_err("{{ '1' is version('2', '~') }}", ctx).contains("operator"));
    }

    #[test]
    fn set_and_membership_tests() {
        let ctx = json!({"a": [1, 2], "b": [1, 2, 3]});
        assert_eq!(
            render(
                "{{ a is subset(b) }} {{ b is superset(a) }} {{ b is subset(a) }}",
                ctx.clone()
            ),
            "True True False"
        );
        assert_eq!(
            render("{{ 2 is in a }} {{ b is contains(3) }}", ctx),
            "True True"
        );
    }

    #[test]
    fn path_tests_on_the_controller() {
        let dir = std::env::temp_dir();
        let ctx = json!({"dir": dir, "missing": dir.join("troupe-no-such-file")});
        assert_eq!(render("{{ dir is directory }} {{ dir is file }} {{ dir is exists }} {{ missing is exists }} {{ dir is abs }}", ctx), "True False True False True");
    }

    #[test]
    fn truthy_and_type_tests() {
        let ctx = json!({"s": "no", "l": [], "d": {"a": 1}, "n": 3});
        assert_eq!(
            render(
                "{{ s is truthy }} {{ s is truthy(convert_bool=True) }} {{ l is falsy }}",
                ctx.clone()
            ),
            "True False True"
        );
        assert_eq!(render("{{ s is string }} {{ n is number }} {{ d is mapping }} {{ l is sequence }} {{ d is iterable }}", ctx), "True True True True True");
    }
}
