//! Python methods Ansible users call on values (`'a,b'.split(',')`, `d.items()`,
//! `s.startswith('x')`): minijinja-contrib's pycompat, plus the few it lacks.

use minijinja::value::ValueKind;
use minijinja::{Error, ErrorKind, State, Value};

pub(crate) fn unknown_method(
    state: &mut State,
    value: &Value,
    method: &str,
    args: &[Value],
) -> Result<Value, Error> {
    match minijinja_contrib::pycompat::unknown_method_callback(state, value, method, args) {
        Err(e) if e.kind() == ErrorKind::UnknownMethod => {
            extra_method(value, method, args).unwrap_or(Err(e))
        }
        other => other,
    }
}

fn extra_method(value: &Value, method: &str, args: &[Value]) -> Option<Result<Value, Error>> {
    if value.kind() == ValueKind::Seq {
        return list_method(value, method, args);
    }
    let s = value
        .as_str()
        .filter(|_| value.kind() == ValueKind::String)?;
    match method {
        // `'a/b/c'.rsplit('/', 1)`: from the right, at most `maxsplit` times.
        "rsplit" => {
            let sep = args.first().and_then(Value::as_str);
            let max = args
                .get(1)
                .and_then(Value::as_i64)
                .filter(|&n| n >= 0)
                .map(|n| n as usize);
            let mut parts: Vec<String> = match (sep, max) {
                (Some(sep), Some(n)) => s.rsplitn(n + 1, sep).map(str::to_owned).collect(),
                (Some(sep), None) => s.rsplit(sep).map(str::to_owned).collect(),
                (None, _) => s.split_whitespace().rev().map(str::to_owned).collect(),
            };
            parts.reverse();
            Some(Ok(Value::from(parts)))
        }
        _ => None,
    }
}

/// Python's `list.index(x)` and `list.count(x)`.
fn list_method(list: &Value, method: &str, args: &[Value]) -> Option<Result<Value, Error>> {
    let wanted = args.first()?;
    let items = list.try_iter().ok()?;
    match method {
        "index" => Some(
            items
                .enumerate()
                .find(|(_, item)| item == wanted)
                .map(|(i, _)| Value::from(i))
                .ok_or_else(|| {
                    Error::new(
                        ErrorKind::InvalidOperation,
                        format!("{wanted} is not in list"),
                    )
                }),
        ),
        "count" => Some(Ok(Value::from(items.filter(|item| item == wanted).count()))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::template::templar::tests::{native, render};

    #[test]
    fn python_list_methods() {
        let ctx = json!({"l": ["a", "b", "a"]});
        assert_eq!(
            render("{{ l.index('b') }} {{ l.count('a') }}", ctx.clone()),
            "1 2"
        );
        assert!(
            crate::template::templar::tests::render_err("{{ l.index('z') }}", ctx)
                .contains("is not in list")
        );
    }

    #[test]
    fn python_string_methods() {
        let ctx = json!({"line": "  key=value  ", "path": "/usr/local/bin", "csv": "a,b,c"});
        assert_eq!(
            native("{{ csv.split(',') }}", ctx.clone()),
            json!(["a", "b", "c"])
        );
        assert_eq!(render("{{ line.strip() }}", ctx.clone()), "key=value");
        assert_eq!(
            render(
                "{{ path.startswith('/usr') }} {{ path.endswith('sbin') }}",
                ctx.clone()
            ),
            "True False"
        );
        assert_eq!(
            render("{{ path.replace('/', ':') }}", ctx.clone()),
            ":usr:local:bin"
        );
        assert_eq!(
            render("{{ 'web'.upper() }}{{ 'X'.lower() }}", ctx.clone()),
            "WEBx"
        );
        assert_eq!(render("{{ '{}-{}'.format('a', 1) }}", ctx.clone()), "a-1");
        assert_eq!(render("{{ '-'.join(['a', 'b']) }}", ctx.clone()), "a-b");
        assert_eq!(
            native("{{ path.rsplit('/', 1) }}", ctx),
            json!(["/usr/local", "bin"])
        );
    }

    #[test]
    fn python_dict_methods() {
        let ctx = json!({"d": {"a": 1, "b": 2}});
        assert_eq!(
            native("{{ d.keys() | list }}", ctx.clone()),
            json!(["a", "b"])
        );
        assert_eq!(
            native("{{ d.values() | list }}", ctx.clone()),
            json!([1, 2])
        );
        assert_eq!(
            render(
                "{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}",
                ctx.clone()
            ),
            "a=1;b=2;"
        );
        assert_eq!(
            render("{{ d.get('a') }} {{ d.get('zz', 'none') }}", ctx),
            "1 none"
        );
    }
}
