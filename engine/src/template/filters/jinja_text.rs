//! Jinja2's own text filters that minijinja lacks: `wordcount`, `center`, `truncate`,
//! `filesizeformat`.

use minijinja::value::{Kwargs, Rest};
use minijinja::{Environment, Error, State, Value};

use super::{failure, text_of};
use crate::template::python_repr::jinja_str;

pub(super) fn register(env: &mut Environment<'static>) {
    env.add_filter("wordcount", wordcount);
    env.add_filter("center", center);
    env.add_filter("truncate", truncate);
    env.add_filter("filesizeformat", filesizeformat);
}

/// Runs of word characters, as Jinja's `\w+` counts them.
fn wordcount(state: &State, v: &Value) -> Result<usize, Error> {
    let text = text_of(state, v)?;
    let mut count = 0;
    let mut in_word = false;
    for c in text.chars() {
        let word = c.is_alphanumeric() || c == '_';
        if word && !in_word {
            count += 1;
        }
        in_word = word;
    }
    Ok(count)
}

/// Python's `str.center`: the odd space goes right, unless the width is odd too.
fn center(state: &State, v: &Value, width: Option<usize>) -> Result<String, Error> {
    let text = text_of(state, v)?;
    let width = width.unwrap_or(80);
    let len = text.chars().count();
    if width <= len {
        return Ok(text);
    }
    let margin = width - len;
    let left = margin / 2 + (margin & width & 1);
    Ok(format!(
        "{}{text}{}",
        " ".repeat(left),
        " ".repeat(margin - left)
    ))
}

/// `truncate(length=255, killwords=False, end='...', leeway=5)`, cutting at a space unless
/// `killwords`.
fn truncate(state: &State, v: &Value, args: Rest<Value>, kwargs: Kwargs) -> Result<String, Error> {
    let text = text_of(state, v)?;
    let arg = |i: usize, name: &str| -> Result<Option<Value>, Error> {
        match args.get(i) {
            Some(v) => Ok(Some(v.clone())),
            None => kwargs.get::<Option<Value>>(name),
        }
    };
    let length = arg(0, "length")?.and_then(|v| v.as_usize()).unwrap_or(255);
    let killwords = arg(1, "killwords")?.is_some_and(|v| v.is_true());
    let end = arg(2, "end")?.map_or_else(|| "...".to_owned(), |v| jinja_str(&v));
    let leeway = arg(3, "leeway")?.and_then(|v| v.as_usize()).unwrap_or(5);
    kwargs.assert_all_used()?;
    let end_len = end.chars().count();
    if length < end_len {
        return Err(failure(format!(
            "truncate: length {length} is shorter than the end"
        )));
    }
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= length + leeway {
        return Ok(text);
    }
    let kept: String = chars[..length - end_len].iter().collect();
    let kept = match (killwords, kept.rfind(' ')) {
        (false, Some(space)) => kept[..space].to_owned(),
        _ => kept,
    };
    Ok(kept + &end)
}

/// `1234567 | filesizeformat` is `1.2 MB`; `filesizeformat(true)` uses KiB, MiB...
fn filesizeformat(value: f64, binary: Option<bool>) -> String {
    minijinja_contrib::filters::filesizeformat(value, binary)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::template::templar::tests::render;

    /// Expected values are what Jinja2 gives.
    #[test]
    fn behaves_like_jinja2() {
        let t = |s: &str| render(s, json!({}));
        assert_eq!(t("{{ 'a b, c_d' | wordcount }}"), "3");
        assert_eq!(
            t("[{{ 'x' | center(4) }}] [{{ 'x' | center(5) }}] [{{ 'ab' | center(5) }}]"),
            "[ x  ] [  x  ] [  ab ]"
        );
        assert_eq!(t("{{ 'hello world foo' | truncate(9) }}"), "hello...");
        assert_eq!(
            t("{{ 'hello world foo' | truncate(9, true) }}"),
            "hello ..."
        );
        assert_eq!(t("{{ 'short' | truncate(3, leeway=2) }}"), "short");
        assert_eq!(t("{{ 1234567 | filesizeformat }} {{ 1234567 | filesizeformat(true) }} {{ 100 | filesizeformat }}"), "1.2 MB 1.2 MiB 100 Bytes");
    }
}
