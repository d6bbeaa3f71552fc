//! Printing values the way Python (and so Ansible) prints them: `True`, `None`, `['a', 1]`,
//! `{'k': 'v'}`. Templates print through `formatter`, so `{{ list }}` inside text reads as in
//! Ansible.

use std::fmt::Write;

use minijinja::value::ValueKind;
use minijinja::{Error, Output, State, Value as JValue};

use super::convert::to_jinja;
pub(crate) use troupe_modules::python_text::{python_float, write_str_repr};

/// Python's `repr()` of a value: strings quoted, `True`/`False`/`None`, lists and dicts in
/// Python syntax.
pub fn python_repr(v: &crate::Value) -> String {
    let mut out = String::new();
    write_repr(&mut out, &to_jinja(v));
    out
}

/// Python's `str()` of a value: like `python_repr` but a string prints bare.
pub fn python_str(v: &crate::Value) -> String {
    jinja_str(&to_jinja(v))
}

/// `str()` of a template value.
pub(crate) fn jinja_str(v: &JValue) -> String {
    match v.as_str() {
        Some(s) => s.to_owned(),
        None => {
            let mut out = String::new();
            write_repr(&mut out, v);
            out
        }
    }
}

/// The environment's formatter: what `{{ value }}` writes into text. A bare `None` writes
/// nothing, as Ansible's finalize does; inside a list it still prints `None`.
pub(crate) fn formatter(out: &mut Output, state: &mut State, value: &JValue) -> Result<(), Error> {
    match value.kind() {
        ValueKind::None => Ok(()),
        ValueKind::String | ValueKind::Undefined => minijinja::escape_formatter(out, state, value),
        _ => out.write_str(&jinja_str(value)).map_err(Error::from),
    }
}

fn write_repr(out: &mut String, v: &JValue) {
    match v.kind() {
        ValueKind::Undefined | ValueKind::None => out.push_str("None"),
        ValueKind::Bool => out.push_str(if v.is_true() { "True" } else { "False" }),
        ValueKind::Number if !v.is_integer() => {
            out.push_str(&python_float(f64::try_from(v.clone()).unwrap_or(f64::NAN)))
        }
        ValueKind::Number => {
            let _ = write!(out, "{v}");
        }
        ValueKind::String => write_str_repr(out, v.as_str().unwrap_or_default()),
        ValueKind::Bytes => {
            out.push('b');
            write_str_repr(
                out,
                &String::from_utf8_lossy(v.as_bytes().unwrap_or_default()),
            );
        }
        ValueKind::Seq | ValueKind::Iterable => {
            out.push('[');
            write_items(out, v, |out, item| write_repr(out, &item));
            out.push(']');
        }
        ValueKind::Map => {
            out.push('{');
            write_items(out, v, |out, key| {
                write_repr(out, &key);
                out.push_str(": ");
                write_repr(out, &v.get_item(&key).unwrap_or_default());
            });
            out.push('}');
        }
        _ => {
            let _ = write!(out, "{v}");
        }
    }
}

fn write_items(out: &mut String, v: &JValue, mut each: impl FnMut(&mut String, JValue)) {
    if let Ok(items) = v.try_iter() {
        for (i, item) in items.enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            each(out, item);
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn prints_like_python() {
        assert_eq!(python_repr(&json!(true)), "True");
        assert_eq!(python_repr(&json!(null)), "None");
        assert_eq!(python_repr(&json!(["a", 1, false])), "['a', 1, False]");
        assert_eq!(
            python_repr(&json!({"k": "v", "n": [1.5]})),
            "{'k': 'v', 'n': [1.5]}"
        );
        assert_eq!(python_repr(&json!("it's")), "\"it's\"");
        assert_eq!(python_repr(&json!("a\nb")), "'a\\nb'");
        assert_eq!(python_str(&json!("plain")), "plain");
        assert_eq!(python_str(&json!(2.0)), "2.0");
    }

    #[test]
    fn floats_like_python() {
        assert_eq!(python_float(1.0), "1.0");
        assert_eq!(python_float(0.1), "0.1");
        assert_eq!(python_float(1e20), "1e+20");
        assert_eq!(python_float(1.5e-7), "1.5e-07");
        assert_eq!(python_float(-2.5), "-2.5");
    }
}
