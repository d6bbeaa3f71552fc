//! Filters about types and text: Ansible's `bool`, Python-style `string` and `join`,
//! `ternary`, `mandatory`, `type_debug`, `quote`, `comment`.

use minijinja::value::{Kwargs, ValueKind};
use minijinja::{Environment, Error, State, Value};

use super::{failure, require_defined};
use crate::template::python_repr::jinja_str;
use troupe_modules::truth::bool_word;

pub(super) fn register(env: &mut Environment<'static>) {
    env.add_filter("bool", to_bool);
    env.add_filter("indent", indent);
    env.add_filter("string", string);
    env.add_filter("int", to_int);
    env.add_filter("float", to_float);
    env.add_filter("join", join);
    env.add_filter("ternary", ternary);
    env.add_filter("mandatory", mandatory);
    env.add_filter("type_debug", type_debug);
    env.add_filter("quote", quote);
    env.add_filter("comment", comment);
}

/// Ansible's `bool`: true for True, 1, and the strings yes/on/1/true (any case); false otherwise.
fn to_bool(state: &State, v: &Value) -> Result<bool, Error> {
    require_defined(state, v)?;
    Ok(match v.kind() {
        ValueKind::Bool => v.is_true(),
        ValueKind::String => bool_word(v.as_str().unwrap_or_default()) == Some(true),
        ValueKind::Number => f64::try_from(v.clone()).is_ok_and(|n| n == 1.0),
        _ => false,
    })
}

/// Jinja's `int(default=0, base=10)`: `'42'`, `'3.9'` (→ 3), `'0x1F'` with base 16; anything
/// unreadable gives the default.
fn to_int(
    state: &State,
    v: &Value,
    default: Option<Value>,
    base: Option<u32>,
    kwargs: Kwargs,
) -> Result<Value, Error> {
    require_defined(state, v)?;
    let default = default
        .or(kwargs.get::<Option<Value>>("default")?)
        .unwrap_or(Value::from(0));
    let base = base.or(kwargs.get::<Option<u32>>("base")?).unwrap_or(10);
    Ok(match v.kind() {
        ValueKind::Bool => Value::from(i64::from(v.is_true())),
        ValueKind::Number if v.is_integer() => v.clone(),
        ValueKind::Number => {
            f64::try_from(v.clone()).map_or(default, |f| Value::from(f.trunc() as i64))
        }
        ValueKind::String => {
            parse_int(v.as_str().unwrap_or_default().trim(), base).map_or(default, Value::from)
        }
        _ => default,
    })
}

fn parse_int(s: &str, base: u32) -> Option<i64> {
    let s = s.replace('_', "");
    if base == 10 {
        return s.parse::<i64>().ok().or_else(|| {
            s.parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .map(|f| f.trunc() as i64)
        });
    }
    let (negative, digits) = s
        .strip_prefix('-')
        .map_or((false, s.as_str()), |d| (true, d));
    let prefix = match base {
        16 => ["0x", "0X"],
        8 => ["0o", "0O"],
        2 => ["0b", "0B"],
        _ => ["", ""],
    };
    let digits = prefix
        .iter()
        .find_map(|p| digits.strip_prefix(p).filter(|_| !p.is_empty()))
        .unwrap_or(digits);
    i64::from_str_radix(digits, base)
        .ok()
        .map(|n| if negative { -n } else { n })
}

/// Jinja's `float(default=0.0)`.
fn to_float(
    state: &State,
    v: &Value,
    default: Option<Value>,
    kwargs: Kwargs,
) -> Result<Value, Error> {
    require_defined(state, v)?;
    let default = default
        .or(kwargs.get::<Option<Value>>("default")?)
        .unwrap_or(Value::from(0.0));
    Ok(match v.kind() {
        ValueKind::Bool => Value::from(if v.is_true() { 1.0 } else { 0.0 }),
        ValueKind::Number => f64::try_from(v.clone()).map_or(default, Value::from),
        ValueKind::String => v
            .as_str()
            .unwrap_or_default()
            .trim()
            .parse::<f64>()
            .map_or(default, Value::from),
        _ => default,
    })
}

/// Jinja2's `indent(width=4, first=False, blank=False)`: every line after the first (and the
/// first with `first`) gets `width` spaces, or `width` itself when it is a string; blank lines
/// only with `blank`. A final line break stays, as in Jinja2 (minijinja's own drops it).
fn indent(
    text: String,
    width: Option<Value>,
    first: Option<bool>,
    blank: Option<bool>,
    kwargs: Kwargs,
) -> Result<String, Error> {
    let width = kwargs.get::<Option<Value>>("width")?.or(width);
    let first = kwargs
        .get::<Option<bool>>("first")?
        .or(first)
        .unwrap_or(false);
    let blank = kwargs
        .get::<Option<bool>>("blank")?
        .or(blank)
        .unwrap_or(false);
    kwargs.assert_all_used()?;
    let pad = match &width {
        None => " ".repeat(4),
        Some(w) if w.kind() == ValueKind::String => w.as_str().unwrap_or_default().to_owned(),
        Some(w) => {
            let n = usize::try_from(w.clone()).map_err(|_| {
                failure(format!(
                    "indent: width must be a number or a string, not {w}"
                ))
            })?;
            " ".repeat(n)
        }
    };
    // Python's splitlines of the text with a line break added: the last line is empty when
    // the text ended with one.
    let with_end = format!("{text}\n");
    let lines: Vec<&str> = with_end
        .split_inclusive('\n')
        .map(|l| l.trim_end_matches(['\n', '\r']))
        .collect();
    let mut out = String::new();
    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let padded = match i {
            0 => first,
            _ => blank || !line.is_empty(),
        };
        if padded {
            out.push_str(&pad);
        }
        out.push_str(line);
    }
    Ok(out)
}

fn string(state: &State, v: &Value) -> Result<String, Error> {
    require_defined(state, v)?;
    Ok(jinja_str(v))
}

/// Jinja's `join`: items print as Python prints them (`True`, not `true`).
fn join(
    state: &State,
    v: &Value,
    separator: Option<&str>,
    kwargs: Kwargs,
) -> Result<String, Error> {
    require_defined(state, v)?;
    let attribute = kwargs.get::<Option<&str>>("attribute")?;
    if let Some(s) = v.as_str() {
        return Ok(s
            .chars()
            .map(String::from)
            .collect::<Vec<_>>()
            .join(separator.unwrap_or("")));
    }
    let mut parts = Vec::new();
    for item in v.try_iter()? {
        let item = match attribute {
            Some(attr) => item.get_attr(attr)?,
            None => item,
        };
        parts.push(jinja_str(&item));
    }
    Ok(parts.join(separator.unwrap_or("")))
}

/// `cond | ternary(yes, no, none)`.
fn ternary(
    state: &State,
    v: &Value,
    true_val: Value,
    false_val: Value,
    none_val: Option<Value>,
) -> Result<Value, Error> {
    require_defined(state, v)?;
    Ok(match none_val {
        Some(none_val) if v.is_none() => none_val,
        _ if v.is_true() => true_val,
        _ => false_val,
    })
}

fn mandatory(v: &Value, msg: Option<&str>) -> Result<Value, Error> {
    if v.is_undefined() {
        return Err(failure(
            msg.unwrap_or("Mandatory variable has not been overridden"),
        ));
    }
    Ok(v.clone())
}

/// The Python type name Ansible's `type_debug` shows.
fn type_debug(v: &Value) -> &'static str {
    match v.kind() {
        ValueKind::Undefined => "AnsibleUndefined",
        ValueKind::None => "NoneType",
        ValueKind::Bool => "bool",
        ValueKind::Number if v.is_integer() => "int",
        ValueKind::Number => "float",
        ValueKind::String => "str",
        ValueKind::Bytes => "bytes",
        ValueKind::Seq | ValueKind::Iterable => "list",
        ValueKind::Map => "dict",
        _ => "object",
    }
}

fn quote(state: &State, v: &Value) -> Result<String, Error> {
    require_defined(state, v)?;
    Ok(troupe_modules::shell_text::python_quote(&jinja_str(v)))
}

/// `text | comment(style)`: wraps text in a comment block, e.g. `#\n# text\n#`.
fn comment(text: &str, style: Option<&str>, kwargs: Kwargs) -> Result<String, Error> {
    let (beginning, decoration, end) = match style.unwrap_or("plain") {
        "plain" => ("", "# ", ""),
        "erlang" => ("", "% ", ""),
        "c" => ("", "// ", ""),
        "cblock" => ("/*", " * ", " */"),
        "xml" => ("<!--", " - ", "-->"),
        other => return Err(failure(format!("unknown comment style '{other}'"))),
    };
    let decoration: String = kwargs
        .get::<Option<String>>("decoration")?
        .unwrap_or_else(|| decoration.to_owned());
    let bare = decoration.trim_end();
    let mut lines: Vec<String> = Vec::new();
    if !beginning.is_empty() {
        lines.push(beginning.to_owned());
    }
    lines.push(bare.to_owned());
    lines.extend(text.split('\n').map(|l| {
        if l.is_empty() {
            bare.to_owned()
        } else {
            format!("{decoration}{l}")
        }
    }));
    lines.push(bare.to_owned());
    if !end.is_empty() {
        lines.push(end.to_owned());
    }
    Ok(lines.join("\n"))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::template::templar::tests::{render, render_err};

    #[test]
    fn indent_keeps_the_final_line_break_as_jinja2() {
        let ctx = json!({"t": "a\nb\n\nc\n"});
        assert_eq!(
            render("{{ t | indent(2) }}", ctx.clone()),
            "a\n  b\n\n  c\n"
        );
        assert_eq!(
            render("{{ t | indent(2, true, true) }}", ctx.clone()),
            "  a\n  b\n  \n  c\n  "
        );
        assert_eq!(
            render("{{ t | indent(width='> ', first=true) }}", ctx),
            "> a\n> b\n\n> c\n"
        );
        assert_eq!(render("{{ 'x' | indent }}", json!({})), "x");
    }

    #[test]
    fn bool_follows_ansible_not_python() {
        for (input, want) in [
            ("yes", "True"),
            ("no", "False"),
            ("on", "True"),
            ("off", "False"),
            ("1", "True"),
            ("True", "True"),
            ("0", "False"),
            ("nonsense", "False"),
        ] {
            assert_eq!(
                render("{{ v | bool }}", json!({"v": input})),
                want,
                "{input}"
            );
        }
        assert_eq!(
            render("{{ 1 | bool }} {{ 2 | bool }} {{ none | bool }}", json!({})),
            "True False False"
        );
    }

    #[test]
    fn string_and_join_print_python_values() {
        assert_eq!(
            render("{{ [1, true, none] | join(',') }}", json!({})),
            "1,True,None"
        );
        assert_eq!(
            render(
                "{{ users | join(', ', attribute='name') }}",
                json!({"users": [{"name": "a"}, {"name": "b"}]})
            ),
            "a, b"
        );
        assert_eq!(render("{{ x | string }}", json!({"x": ["a"]})), "['a']");
    }

    #[test]
    fn ternary_picks_by_truth_and_none() {
        assert_eq!(
            render("{{ (x == 1) | ternary('one', 'other') }}", json!({"x": 1})),
            "one"
        );
        assert_eq!(
            render(
                "{{ v | ternary('yes', 'no', 'unset') }}",
                json!({"v": null})
            ),
            "unset"
        );
        assert_eq!(
            render("{{ v | ternary('yes', 'no') }}", json!({"v": ""})),
            "no"
        );
    }

    #[test]
    fn mandatory_fails_on_missing() {
        assert!(render_err("{{ nope | mandatory }}", json!({})).contains("Mandatory"));
        assert!(render_err("{{ nope | mandatory('set nope!') }}", json!({})).contains("set nope!"));
        assert_eq!(render("{{ v | mandatory }}", json!({"v": 3})), "3");
    }

    #[test]
    fn type_debug_names_python_types() {
        let ctx = json!({"s": "a", "i": 1, "f": 1.5, "l": [], "d": {}, "n": null, "b": true});
        assert_eq!(render("{{ s|type_debug }} {{ i|type_debug }} {{ f|type_debug }} {{ l|type_debug }} {{ d|type_debug }} {{ n|type_debug }} {{ b|type_debug }}", ctx), "str int float list dict NoneType bool");
    }

    #[test]
    fn quote_is_shell_safe() {
        assert_eq!(
            render("{{ 'plain-word' | quote }}", json!({})),
            "plain-word"
        );
        assert_eq!(
            render("echo {{ msg | quote }}", json!({"msg": "it's $HOME"})),
            "echo 'it'\"'\"'s $HOME'"
        );
        assert_eq!(render("{{ '' | quote }}", json!({})), "''");
    }

    #[test]
    fn comment_styles() {
        assert_eq!(
            render("{{ 'Managed by troupe' | comment }}", json!({})),
            "#\n# Managed by troupe\n#"
        );
        assert_eq!(
            render("{{ 'x' | comment('c') }}", json!({})),
            "//\n// x\n//"
        );
        assert_eq!(
            render("{{ 'x' | comment('cblock') }}", json!({})),
            "/*\n *\n * x\n *\n */"
        );
        assert_eq!(
            render("{{ 'x' | comment('xml') }}", json!({})),
            "<!--\n -\n - x\n -\n-->"
        );
    }
}
