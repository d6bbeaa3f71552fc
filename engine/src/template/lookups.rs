//! `lookup(...)`, `query(...)`/`q(...)`: controller-side data for templates. Supported
//! plugins: env, file, pipe, lines, vars, items, list, dict, first_found.

use std::path::{Path, PathBuf};
use std::process::Command;

use minijinja::value::{Kwargs, Rest, ValueKind};
use minijinja::{Environment, Error, State, Value};

use super::filters::failure;

pub(crate) fn register(env: &mut Environment<'static>) {
    env.add_function("lookup", lookup);
    env.add_function("query", query);
    env.add_function("q", query);
}

/// Like Ansible: one string joined with commas, unless `wantlist=True`.
fn lookup(state: &State, plugin: &str, terms: Rest<Value>, kwargs: Kwargs) -> Result<Value, Error> {
    let wantlist = kwargs.get::<Option<bool>>("wantlist")?.unwrap_or(false);
    let Some(results) = run_or_ignore(state, plugin, &terms, &kwargs)? else {
        return Ok(Value::from(()));
    };
    if wantlist {
        return Ok(Value::from(results));
    }
    if results.iter().all(|r| r.kind() == ValueKind::String) {
        let texts: Vec<&str> = results.iter().filter_map(Value::as_str).collect();
        return Ok(Value::from(texts.join(",")));
    }
    Ok(match <[Value; 1]>::try_from(results) {
        Ok([only]) => only,
        Err(all) => Value::from(all),
    })
}

fn query(state: &State, plugin: &str, terms: Rest<Value>, kwargs: Kwargs) -> Result<Value, Error> {
    let _ = kwargs.get::<Option<bool>>("wantlist")?;
    Ok(Value::from(
        run_or_ignore(state, plugin, &terms, &kwargs)?.unwrap_or_default(),
    ))
}

/// Every lookup's `errors` option, as in Ansible: `strict` (the default) fails the
/// template; `ignore` and `warn` give nothing instead (`None` from `lookup`, as
/// ansible-core 2.19.14 does, `[]` from `query`).
fn run_or_ignore(
    state: &State,
    plugin: &str,
    terms: &[Value],
    kwargs: &Kwargs,
) -> Result<Option<Vec<Value>>, Error> {
    let errors = kwargs.get::<Option<String>>("errors")?;
    match (run(state, plugin, terms, kwargs), errors.as_deref()) {
        (Ok(results), _) => Ok(Some(results)),
        (Err(_), Some("ignore" | "warn")) => Ok(None),
        (Err(e), None | Some("strict")) => Err(e),
        (Err(_), Some(other)) => Err(failure(format!(
            "lookup errors must be strict, warn or ignore, not '{other}'"
        ))),
    }
}

fn run(state: &State, plugin: &str, terms: &[Value], kwargs: &Kwargs) -> Result<Vec<Value>, Error> {
    let plugin = troupe_modules::registry::short_name(plugin);
    match plugin {
        "env" => {
            let default = kwargs
                .get::<Option<Value>>("default")?
                .unwrap_or(Value::from(""));
            strings(terms)?
                .map(|name| Ok(std::env::var(name?).map_or_else(|_| default.clone(), Value::from)))
                .collect()
        }
        "file" => {
            let rstrip = kwargs.get::<Option<bool>>("rstrip")?.unwrap_or(true);
            let lstrip = kwargs.get::<Option<bool>>("lstrip")?.unwrap_or(false);
            strings(terms)?
                .map(|name| {
                    let name = name?;
                    let path = find_file(state, "files", name).ok_or_else(|| {
                        failure(format!("could not locate file in lookup: {name}"))
                    })?;
                    let text = crate::vault::read_text(&path)
                        .map_err(|e| failure(format!("could not read {}: {e}", path.display())))?;
                    let text = if rstrip { text.trim_end() } else { &text };
                    let text = if lstrip { text.trim_start() } else { text };
                    Ok(Value::from(text))
                })
                .collect()
        }
        "pipe" => strings(terms)?
            .map(|cmd| Ok(Value::from(pipe(cmd?)?.trim_end())))
            .collect(),
        "lines" => {
            let mut out = Vec::new();
            for cmd in strings(terms)? {
                out.extend(pipe(cmd?)?.lines().map(Value::from));
            }
            Ok(out)
        }
        "vars" => {
            let default = kwargs.get::<Option<Value>>("default")?;
            terms
                .iter()
                .map(|term| {
                    let name = term.as_str().ok_or_else(|| {
                        failure(format!(
                            "Invalid setting identifier, \"{term}\" is not a string"
                        ))
                    })?;
                    match (state.lookup(name), &default) {
                        (Some(v), _) if !v.is_undefined() => Ok(v),
                        (_, Some(d)) => Ok(d.clone()),
                        _ => Err(failure(format!("No variable found with this name: {name}"))),
                    }
                })
                .collect()
        }
        // Names of the variables in scope that a regular expression finds, in name order.
        "varnames" => {
            // Jinja's functions (lookup, range...) are no variables.
            let callable = |name: &str| {
                state.lookup(name).is_some_and(|v| {
                    v.as_object()
                        .is_some_and(|o| o.repr() == minijinja::value::ObjectRepr::Plain)
                })
            };
            // In the order the scope defines them (Ansible's: as they were set), then the
            // template's own names.
            let mut names: Vec<String> = Vec::new();
            let scope = state.lookup("vars").unwrap_or_default();
            for key in scope.try_iter().into_iter().flatten() {
                if let Some(name) = key.as_str() {
                    if !names.iter().any(|n| n == name) {
                        names.push(name.to_string());
                    }
                }
            }
            let mut locals: Vec<String> = state
                .known_variables()
                .into_iter()
                .filter(|n| !callable(n) && !names.iter().any(|m| m == n))
                .map(|n| n.into_owned())
                .collect();
            locals.sort();
            locals.dedup();
            names.extend(locals);
            let mut out = Vec::new();
            for term in terms {
                let Some(term) = term.as_str() else {
                    return Err(failure(format!(
                        "Invalid setting identifier, \"{term}\" is not a string, it is a {}",
                        term.kind()
                    )));
                };
                let re = troupe_modules::py_regex::compile(term, false).map_err(|e| {
                    failure(format!(
                        "Unable to use \"{term}\" as a search parameter: {e}"
                    ))
                })?;
                out.extend(
                    names
                        .iter()
                        .filter(|n| re.is_match(n))
                        .map(|n| Value::from(n.as_str())),
                );
            }
            Ok(out)
        }
        "items" => Ok(flatten_once(terms)),
        "list" => Ok(terms.to_vec()),
        "dict" => {
            let mut out = Vec::new();
            for term in terms {
                for key in term.try_iter()? {
                    let value = term.get_item(&key)?;
                    out.push(Value::from_pairs([("key", key), ("value", value)]));
                }
            }
            Ok(out)
        }
        "first_found" => first_found(state, terms, kwargs),
        "template" => template(state, terms, kwargs),
        "subelements" => {
            let terms = crate::Value::Array(terms.iter().map(super::convert::from_jinja).collect());
            super::subelements::subelements(terms)
                .map(|pairs| pairs.iter().map(super::convert::to_jinja).collect())
                .map_err(|e| failure(e.to_string()))
        }
        other => Err(failure(format!(
            "lookup plugin '{other}' is not supported by troupe"
        ))),
    }
}

fn strings(terms: &[Value]) -> Result<impl Iterator<Item = Result<&str, Error>>, Error> {
    Ok(terms.iter().map(|t| {
        t.as_str()
            .ok_or_else(|| failure(format!("lookup expects strings, got {t}")))
    }))
}

fn flatten_once(terms: &[Value]) -> Vec<Value> {
    let mut out = Vec::new();
    for term in terms {
        match term.kind() {
            ValueKind::Seq => out.extend(term.try_iter().into_iter().flatten()),
            _ => out.push(term.clone()),
        }
    }
    out
}

/// Runs a shell command on the controller and returns its output.
fn pipe(cmd: &str) -> Result<String, Error> {
    let output = Command::new("/bin/sh")
        .arg("-c")
        .arg(cmd)
        .output()
        .map_err(|e| failure(format!("lookup('pipe'): could not run {cmd:?}: {e}")))?;
    if !output.status.success() {
        return Err(failure(format!(
            "lookup('pipe'): command {cmd:?} failed with {}",
            output.status
        )));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Where Ansible looks for a relative file: the role's `files/` (or `templates/`…), the role,
/// the playbook directory's `files/`, the playbook directory, then the working directory.
fn find_file(state: &State, subdir: &str, name: &str) -> Option<PathBuf> {
    let path = Path::new(name);
    if path.is_absolute() {
        return path.exists().then(|| path.to_owned());
    }
    let dir_var = |var: &str| {
        state
            .lookup(var)
            .and_then(|v| v.as_str().map(PathBuf::from))
    };
    let mut bases = Vec::new();
    for base in [dir_var("role_path"), dir_var("playbook_dir")]
        .into_iter()
        .flatten()
    {
        bases.push(base.join(subdir));
        bases.push(base);
    }
    bases.push(PathBuf::from("."));
    bases.into_iter().map(|b| b.join(name)).find(|p| p.exists())
}

/// `lookup('template', 'x.j2', template_vars={...})`: the file (looked for in `templates/`
/// of the role, then the playbook's) rendered with the variables in scope and
/// `template_vars` over them; `{% include %}` inside it is relative to it.
fn template(state: &State, terms: &[Value], kwargs: &Kwargs) -> Result<Vec<Value>, Error> {
    let extra = kwargs.get::<Option<Value>>("template_vars")?;
    let text = |key: &str| kwargs.get::<Option<String>>(key);
    let syntax = super::FileSyntax {
        variable: [text("variable_start_string")?, text("variable_end_string")?],
        comment: [text("comment_start_string")?, text("comment_end_string")?],
        ..super::FileSyntax::default()
    };
    // A result that reads as a JSON mapping or list is that data, unless convert_data=False.
    let convert = kwargs.get::<Option<bool>>("convert_data")?.unwrap_or(true);
    let _ = kwargs.get::<Option<Value>>("jinja2_native")?;
    let own_env = if syntax.custom_delimiters() {
        Some(super::environment::build(&syntax)?)
    } else {
        None
    };
    let env = own_env.as_ref().unwrap_or(state.env());
    // The task's whole scope (Ansible's `vars`), `template_vars` over it.
    let scope = state.lookup("vars").unwrap_or_default();
    let ctx = match extra {
        Some(extra) if !extra.is_none() => Value::from_object(Layered {
            top: extra,
            base: scope,
        }),
        _ => scope,
    };
    strings(terms)?
        .map(|name| {
            let name = name?;
            let path = find_file(state, "templates", name).ok_or_else(|| {
                failure(format!(
                    "the template file {name} could not be found for the lookup"
                ))
            })?;
            let path = std::path::absolute(&path).unwrap_or(path);
            let template = env.get_template(&path.to_string_lossy())?;
            let mut rendered = template.render(&ctx)?;
            // Jinja drops the file's last newline; Ansible's lookup keeps it.
            if template.source().ends_with('\n') && !rendered.ends_with('\n') {
                rendered.push('\n');
            }
            if convert {
                if let Ok(data @ (serde_json::Value::Object(_) | serde_json::Value::Array(_))) =
                    serde_json::from_str::<serde_json::Value>(rendered.trim())
                {
                    return Ok(super::convert::to_jinja(&data));
                }
            }
            Ok(Value::from(rendered))
        })
        .collect()
}

/// `template_vars` over a scope, for the template lookup.
#[derive(Debug)]
struct Layered {
    top: Value,
    base: Value,
}

impl minijinja::value::Object for Layered {
    fn get_value(self: &std::sync::Arc<Self>, key: &Value) -> Option<Value> {
        [&self.top, &self.base]
            .into_iter()
            .map(|layer| layer.get_item(key).unwrap_or_default())
            .find(|v| !v.is_undefined())
    }
}

/// `lookup('first_found', ['a.yml', 'b.yml'])` or with `{'files': [...], 'paths': [...]}`.
fn first_found(state: &State, terms: &[Value], kwargs: &Kwargs) -> Result<Vec<Value>, Error> {
    let mut skip = kwargs.get::<Option<bool>>("skip")?.unwrap_or(false);
    let mut files: Vec<String> = Vec::new();
    let mut paths: Vec<String> = kwargs
        .get::<Option<Vec<String>>>("paths")?
        .unwrap_or_default();
    if let Some(more) = kwargs.get::<Option<Vec<String>>>("files")? {
        files.extend(more);
    }
    for term in flatten_once(terms) {
        if term.kind() == ValueKind::Map {
            skip |= term.get_attr("skip")?.is_true();
            // As Ansible splits them: files on , and ;, paths also on :.
            let separators: [&[char]; 2] = [&[',', ';'], &[',', ';', ':']];
            for ((key, into), seps) in [("files", &mut files), ("paths", &mut paths)]
                .into_iter()
                .zip(separators)
            {
                let list = term.get_attr(key)?;
                if let Some(s) = list.as_str() {
                    into.extend(s.split(seps).map(str::to_owned));
                } else if !list.is_undefined() {
                    into.extend(
                        list.try_iter()?
                            .filter_map(|v| v.as_str().map(str::to_owned)),
                    );
                }
            }
        } else if let Some(s) = term.as_str() {
            files.push(s.to_owned());
        }
    }
    let candidates: Vec<String> = if paths.is_empty() {
        files
    } else {
        paths
            .iter()
            .flat_map(|p| files.iter().map(move |f| format!("{p}/{f}")))
            .collect()
    };
    for candidate in &candidates {
        if let Some(found) = find_file(state, "files", candidate) {
            return Ok(vec![Value::from(found.to_string_lossy().into_owned())]);
        }
    }
    if skip {
        Ok(Vec::new())
    } else {
        Err(failure(format!(
            "first_found: none of {candidates:?} was found"
        )))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::template::templar::tests::{native, render, render_err};

    #[test]
    fn env_and_pipe() {
        let home = std::env::var("HOME").unwrap();
        assert_eq!(render("{{ lookup('env', 'HOME') }}", json!({})), home);
        assert_eq!(
            render(
                "{{ lookup('ansible.builtin.env', 'TROUPE_UNSET_VAR', default='dflt') }}",
                json!({})
            ),
            "dflt"
        );
        assert_eq!(
            render("{{ lookup('pipe', 'echo hello; echo') }}", json!({})),
            "hello"
        );
        assert_eq!(
            native("{{ query('lines', 'printf \"a\\nb\\n\"') }}", json!({})),
            json!(["a", "b"])
        );
        assert!(render_err("{{ lookup('pipe', 'exit 3') }}", json!({})).contains("failed"));
    }

    #[test]
    fn file_lookup_searches_playbook_dir() {
        let dir = std::env::temp_dir().join(format!("troupe-lookup-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("files")).unwrap();
        std::fs::write(dir.join("files/key.pub"), "ssh-ed25519 AAAA user@host\n").unwrap();
        let ctx = json!({"playbook_dir": dir});
        assert_eq!(
            render("{{ lookup('file', 'key.pub') }}", ctx.clone()),
            "ssh-ed25519 AAAA user@host"
        );
        assert_eq!(
            render(
                "{{ lookup('first_found', ['missing.yml', 'key.pub']) | basename }}",
                ctx.clone()
            ),
            "key.pub"
        );
        assert!(render_err("{{ lookup('file', 'nope.txt') }}", ctx).contains("nope.txt"));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn vars_items_dict_and_wantlist() {
        let ctx = json!({"app_port": 8080, "d": {"a": 1}});
        assert_eq!(
            native("{{ lookup('vars', 'app_port') }}", ctx.clone()),
            json!(8080)
        );
        assert_eq!(
            native("{{ query('items', [1, 2], 3) }}", ctx.clone()),
            json!([1, 2, 3])
        );
        assert_eq!(
            native("{{ q('dict', d) }}", ctx.clone()),
            json!([{"key": "a", "value": 1}])
        );
        assert_eq!(
            native("{{ lookup('list', 'a', 'b', wantlist=True) }}", ctx.clone()),
            json!(["a", "b"])
        );
        assert_eq!(render("{{ lookup('list', 'a', 'b') }}", ctx.clone()), "a,b");
        assert!(render_err("{{ lookup('nosuchplugin', 'x') }}", ctx).contains("nosuchplugin"));
    }
}
