//! Python-flavoured regular expressions: `regex_replace`, `regex_search`, `regex_findall`,
//! `regex_escape`. Patterns are Python's dialect as the modules read it
//! (`troupe_modules::py_regex`: backreferences and lookaround included), compiled once and
//! cached.

use std::sync::{Arc, OnceLock};

use minijinja::value::Kwargs;
use minijinja::{Environment, Error, State, Value};
use troupe_modules::py_regex::{self, PyRegex};

use super::{failure, text_of};
use crate::template::cache::CompileCache;

pub(super) fn register(env: &mut Environment<'static>) {
    env.add_filter("regex_replace", regex_replace);
    env.add_filter("regex_search", regex_search);
    env.add_filter("regex_findall", regex_findall);
    env.add_filter("regex_escape", regex_escape);
}

/// Python's `re.IGNORECASE` and `re.MULTILINE`, given as keyword arguments.
#[derive(Default, Clone, Copy)]
pub(crate) struct RegexFlags {
    pub ignorecase: bool,
    pub multiline: bool,
}

impl RegexFlags {
    pub(crate) fn from_kwargs(kwargs: &Kwargs) -> Result<Self, Error> {
        Ok(Self {
            ignorecase: kwargs.get::<Option<bool>>("ignorecase")?.unwrap_or(false),
            multiline: kwargs.get::<Option<bool>>("multiline")?.unwrap_or(false),
        })
    }
}

/// The compiled form of a Python pattern, from a process-wide cache.
pub(crate) fn compiled_regex(pattern: &str, flags: RegexFlags) -> Result<Arc<PyRegex>, Error> {
    static CACHE: OnceLock<CompileCache<PyRegex>> = OnceLock::new();
    let mut full = String::with_capacity(pattern.len() + 6);
    if flags.ignorecase {
        full.push_str("(?i)");
    }
    if flags.multiline {
        full.push_str("(?m)");
    }
    full.push_str(pattern);
    CACHE
        .get_or_init(CompileCache::default)
        .get_or_compile(&full, || py_regex::compile(&full, false))
        .map_err(|_| failure(format!("invalid regular expression {pattern:?}")))
}

fn regex_replace(
    state: &State,
    value: &Value,
    pattern: &str,
    replacement: Option<&str>,
    kwargs: Kwargs,
) -> Result<String, Error> {
    let re = compiled_regex(pattern, RegexFlags::from_kwargs(&kwargs)?)?;
    let count = kwargs.get::<Option<usize>>("count")?.unwrap_or(0);
    let repl = py_regex::template(replacement.unwrap_or("")).map_err(|e| failure(e.to_string()))?;
    Ok(re
        .replacen(&text_of(state, value)?, count, &repl)
        .map_err(|e| failure(e.to_string()))?
        .into_owned())
}

/// The match (or `None`); with group arguments (`'\\1'`, `'\\g<name>'`) the list of those groups.
fn regex_search(
    state: &State,
    value: &Value,
    pattern: &str,
    groups: minijinja::value::Rest<String>,
    kwargs: Kwargs,
) -> Result<Value, Error> {
    let re = compiled_regex(pattern, RegexFlags::from_kwargs(&kwargs)?)?;
    let value = text_of(state, value)?;
    let Some(caps) = re.captures(&value) else {
        return Ok(Value::from(()));
    };
    if groups.is_empty() {
        return Ok(Value::from(&caps[0]));
    }
    let mut out = Vec::with_capacity(groups.len());
    for group in groups.iter() {
        let found = if let Some(name) = group.strip_prefix("\\g<").and_then(|g| g.strip_suffix('>'))
        {
            match name.parse::<usize>() {
                Ok(i) => caps.get(i),
                Err(_) => caps.name(name),
            }
        } else if let Some(Ok(i)) = group.strip_prefix('\\').map(str::parse::<usize>) {
            caps.get(i)
        } else {
            return Err(failure(format!(
                "regex_search: unknown argument {group:?}; use '\\\\1' or '\\\\g<name>'"
            )));
        };
        out.push(found.map_or(Value::from(()), |m| Value::from(m.as_str())));
    }
    Ok(Value::from(out))
}

/// Python's `re.findall`: whole matches, or the group, or a list of groups per match.
fn regex_findall(
    state: &State,
    value: &Value,
    pattern: &str,
    kwargs: Kwargs,
) -> Result<Value, Error> {
    let re = compiled_regex(pattern, RegexFlags::from_kwargs(&kwargs)?)?;
    let group_count = re.captures_len() - 1;
    let text = |caps: &py_regex::Captures, i: usize| {
        Value::from(caps.get(i).map_or("", |m| m.as_str()).to_string())
    };
    let found: Vec<Value> = re
        .captures_all(&text_of(state, value)?)
        .into_iter()
        .map(|caps| match group_count {
            0 => text(&caps, 0),
            1 => text(&caps, 1),
            n => Value::from((1..=n).map(|i| text(&caps, i)).collect::<Vec<_>>()),
        })
        .collect();
    Ok(Value::from(found))
}

/// Python's `re.escape`.
fn regex_escape(value: &str, re_type: Option<&str>) -> Result<String, Error> {
    if re_type.is_some_and(|t| t != "python") {
        return Err(failure("regex_escape: only re_type='python' is supported"));
    }
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if "()[]{}?*+-|^$\\.&~# \t\n\r\u{b}\u{c}".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    // The sources are task strings after YAML: a backslash in an expression's literal is
    // kept as written (see template/backslashes.rs).
    use crate::template::templar::tests::{native, render, render_err};

    #[test]
    fn lookaround_and_backreferences_in_patterns() {
        let ctx = json!({});
        assert_eq!(
            render(
                r#"{{ 'a=1 #b=2' | regex_replace('(?<!#)\b(\w)=', '\1:') }}"#,
                ctx.clone()
            ),
            "a:1 #b=2"
        );
        assert_eq!(
            render(r#"{{ 'REF x REF' | regex_search('^(REF) .* \1$') }}"#, ctx),
            "REF x REF"
        );
    }

    #[test]
    fn regex_replace_with_backrefs() {
        let ctx = json!({"host": "web01.example.com"});
        assert_eq!(
            render(
                r#"{{ host | regex_replace('^(\w+)\.(.*)$', '\1 at \2') }}"#,
                ctx.clone()
            ),
            "web01 at example.com"
        );
        assert_eq!(
            render(
                r#"{{ host | regex_replace('^(?P<short>[^.]+).*', '\g<short>') }}"#,
                ctx.clone()
            ),
            "web01"
        );
        assert_eq!(
            render(
                "{{ 'aaa' | regex_replace('a', 'b', count=2) }}",
                ctx.clone()
            ),
            "bba"
        );
        assert_eq!(
            render(
                "{{ 'ABC' | regex_replace('b', 'x', ignorecase=True) }}",
                ctx.clone()
            ),
            "AxC"
        );
        assert_eq!(
            render("{{ 'a.b.c' | regex_replace('\\.', '') }}", ctx.clone()),
            "abc"
        );
        assert_eq!(
            render(
                "{{ [10, 21] | map('regex_replace', '1', 'x') | join(',') }}",
                ctx
            ),
            "x0,2x"
        );
    }

    #[test]
    fn regex_search_returns_match_none_or_groups() {
        let ctx = json!({"out": "version: 1.24.3 (build 7)"});
        assert_eq!(
            render(r"{{ out | regex_search('\d+\.\d+\.\d+') }}", ctx.clone()),
            "1.24.3"
        );
        assert_eq!(
            native(r"{{ out | regex_search('nothing') }}", ctx.clone()),
            json!(null)
        );
        assert_eq!(
            native(
                r"{{ out | regex_search('(\d+)\.(?P<minor>\d+)', '\1', '\g<minor>') }}",
                ctx.clone()
            ),
            json!(["1", "24"])
        );
        assert_eq!(
            render("{{ out is search('VERSION', ignorecase=true) }}", ctx),
            "True"
        );
    }

    #[test]
    fn regex_findall_like_python() {
        let ctx = json!({"s": "a=1 b=2 c=3"});
        assert_eq!(
            native(r"{{ s | regex_findall('\d') }}", ctx.clone()),
            json!(["1", "2", "3"])
        );
        assert_eq!(
            native(r"{{ s | regex_findall('(\w)=\d') }}", ctx.clone()),
            json!(["a", "b", "c"])
        );
        assert_eq!(
            native(r"{{ s | regex_findall('(\w)=(\d)') }}", ctx),
            json!([["a", "1"], ["b", "2"], ["c", "3"]])
        );
    }

    #[test]
    fn regex_escape_and_bad_patterns() {
        assert_eq!(
            render("{{ '1.2.3.4' | regex_escape }}", json!({})),
            r"1\.2\.3\.4"
        );
        assert!(render_err("{{ 'x' | regex_replace('(', '') }}", json!({}))
            .contains("invalid regular expression"));
    }
}
