//! Actions that run in the engine because they need variables, templates or the inventory:
//! debug, set_fact, assert, fail, include_vars, template, setup, add_host, group_by.

use std::{path::PathBuf, sync::Arc};

use serde_json::json;

use super::{action::Step, file_lookup, play::PlayRun, vars_dir};
use crate::{
    output::{Outcome, Status},
    template::{python_repr, Whitespace},
    yaml, Map, Value,
};

/// Runs `name` if it is an engine action; `None` means "a module".
pub fn run(play: &Arc<PlayRun>, name: &str, args: Map, step: &Step) -> Option<Outcome> {
    Some(match name {
        "debug" => debug(play, args, step),
        "set_fact" => set_fact(play, args, step),
        "assert" => assert(play, args, step),
        "fail" => {
            let msg = args
                .get("msg")
                .map(text)
                .unwrap_or_else(|| "Failed as requested from task".into());
            Outcome::failed(msg)
        }
        "include_vars" => include_vars(play, args, step),
        "template" => template(play, args, step),
        "setup" | "gather_facts" => play.gather_host_facts(step.host),
        "add_host" => add_host(play, args),
        "group_by" => group_by(play, args, step),
        _ => return None,
    })
}

fn ok(result: Map) -> Outcome {
    let mut result = result;
    result.insert("changed".into(), Value::Bool(false));
    Outcome::new(Status::Ok, result)
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => python_repr(other),
    }
}

fn debug(play: &Arc<PlayRun>, args: Map, step: &Step) -> Outcome {
    let verbosity = args.get("verbosity").and_then(Value::as_u64).unwrap_or(0);
    if verbosity > u64::from(play.run.printer.verbosity()) {
        return Outcome::skipped("Verbosity threshold not met.");
    }
    let mut result = Map::new();
    if let Some(var) = args.get("var") {
        let expr = text(var);
        let value = match play.run.templar.eval(&expr, step.ctx) {
            Ok(Value::Null) if !is_defined(play, &expr, step) => {
                Value::from("VARIABLE IS NOT DEFINED!")
            }
            Ok(v) => v,
            Err(_) => Value::from("VARIABLE IS NOT DEFINED!"),
        };
        result.insert(expr, value);
    } else {
        let msg = args
            .get("msg")
            .cloned()
            .unwrap_or_else(|| Value::from("Hello world!"));
        result.insert("msg".into(), msg);
    }
    ok(result)
}

fn is_defined(play: &Arc<PlayRun>, expr: &str, step: &Step) -> bool {
    play.run
        .templar
        .eval(&format!("({expr}) is defined"), step.ctx)
        .ok()
        == Some(Value::Bool(true))
}

fn set_fact(play: &Arc<PlayRun>, mut args: Map, step: &Step) -> Outcome {
    args.remove("cacheable");
    let facts = args.clone();
    play.run.hosts.update(step.host, |s| {
        Arc::make_mut(&mut s.host_facts).extend(facts);
    });
    ok(Map::from_iter([(
        "ansible_facts".to_string(),
        Value::Object(args),
    )]))
}

fn assert(play: &Arc<PlayRun>, args: Map, step: &Step) -> Outcome {
    let that: Vec<Value> = match args.get("that") {
        Some(Value::Array(a)) => a.clone(),
        Some(v) => vec![v.clone()],
        None => return Outcome::failed("assert: 'that' is required"),
    };
    for cond in &that {
        match play.run.templar.is_true(cond, step.ctx) {
            Ok(true) => continue,
            Ok(false) => {
                let msg = args
                    .get("fail_msg")
                    .or_else(|| args.get("msg"))
                    .map(text)
                    .unwrap_or_else(|| "Assertion failed".into());
                let mut o = Outcome::failed(msg);
                o.result.insert("assertion".into(), cond.clone());
                o.result.insert("evaluated_to".into(), Value::Bool(false));
                return o;
            }
            Err(e) => return Outcome::failed(play.describe_error(step.task, &e.to_string())),
        }
    }
    let quiet = args
        .get("quiet")
        .and_then(troupe_modules::args::boolean)
        .unwrap_or(false);
    let mut result = Map::new();
    if !quiet {
        let msg = args
            .get("success_msg")
            .map(text)
            .unwrap_or_else(|| "All assertions passed".into());
        result.insert("msg".into(), Value::from(msg));
    }
    ok(result)
}

fn include_vars(play: &Arc<PlayRun>, args: Map, step: &Step) -> Outcome {
    let file = args
        .get("file")
        .or_else(|| args.get("_raw_params"))
        .map(text);
    let dir = args.get("dir").map(text);
    let mut files: Vec<PathBuf> = Vec::new();
    let base_dirs = || {
        let mut dirs = Vec::new();
        if let Some(role) = &step.inh.role {
            dirs.push(role.path.join("vars"));
        }
        if let Some(d) = step.task.origin.file.parent() {
            dirs.push(d.join("vars"));
            dirs.push(d.to_path_buf());
        }
        dirs.push(play.play.dir.join("vars"));
        dirs.push(play.play.dir.clone());
        dirs
    };
    if let Some(f) = file {
        let p = PathBuf::from(&f);
        let found = if p.is_absolute() {
            Some(p)
        } else {
            base_dirs()
                .into_iter()
                .map(|d| d.join(&f))
                .find(|c| c.is_file())
        };
        match found {
            Some(p) => files.push(p),
            None => {
                return Outcome::failed(
                    play.describe_error(step.task, &format!("could not find or access '{f}'")),
                )
            }
        }
    } else if let Some(d) = dir {
        let p = PathBuf::from(&d);
        let found = if p.is_absolute() {
            Some(p)
        } else {
            base_dirs()
                .into_iter()
                .map(|b| b.join(&d))
                .find(|c| c.is_dir())
        };
        let Some(found) = found else {
            return Outcome::failed(
                play.describe_error(step.task, &format!("could not find directory '{d}'")),
            );
        };
        match vars_dir::DirOptions::from_args(&args).and_then(|o| o.files(&found)) {
            Ok(found) => files = found,
            Err(msg) => return Outcome::failed(play.describe_error(step.task, &msg)),
        }
    } else {
        return Outcome::failed("include_vars: give a file or a dir");
    }
    let mut loaded = Map::new();
    for f in &files {
        match yaml::load_value(f) {
            Ok(Value::Object(m)) => loaded.extend(m),
            Ok(Value::Null) => {}
            Ok(_) => {
                return Outcome::failed(format!("{}: must be a mapping of variables", f.display()))
            }
            Err(e) => return Outcome::failed(e.to_string()),
        }
    }
    let loaded = match args.get("name").and_then(Value::as_str) {
        Some(name) => Map::from_iter([(name.to_string(), Value::Object(loaded))]),
        None => loaded,
    };
    let add = loaded.clone();
    play.run.hosts.update(step.host, |s| {
        Arc::make_mut(&mut s.include_vars).extend(add)
    });
    let mut result = Map::new();
    result.insert("ansible_facts".into(), Value::Object(loaded));
    result.insert(
        "ansible_included_var_files".into(),
        Value::from(
            files
                .iter()
                .map(|f| f.display().to_string())
                .collect::<Vec<_>>(),
        ),
    );
    ok(result)
}

/// `template`: render on the controller, then let the `copy` module put the result in place
/// (same owner/mode/backup/validate handling, same honest `changed`).
fn template(play: &Arc<PlayRun>, mut args: Map, step: &Step) -> Outcome {
    let Some(src) = args.remove("src").map(|v| text(&v)) else {
        return Outcome::failed(
            play.describe_error(step.task, "template: missing required argument 'src'"),
        );
    };
    let path = match file_lookup::find("templates", &src, step.inh.role.as_deref(), &play.play.dir)
    {
        Ok(p) => p,
        Err(looked) => {
            let list: Vec<String> = looked.iter().map(|p| p.display().to_string()).collect();
            return Outcome::failed(play.describe_error(
                step.task,
                &format!(
                    "could not find template '{src}'; looked in: {}",
                    list.join(", ")
                ),
            ));
        }
    };
    let mut whitespace = Whitespace::default();
    let mut option = |key: &str, default: bool| {
        args.remove(key)
            .and_then(|v| troupe_modules::args::boolean(&v))
            .unwrap_or(default)
    };
    whitespace.trim_blocks = option("trim_blocks", whitespace.trim_blocks);
    whitespace.lstrip_blocks = option("lstrip_blocks", whitespace.lstrip_blocks);
    for key in [
        "newline_sequence",
        "output_encoding",
        "variable_start_string",
        "variable_end_string",
        "block_start_string",
        "block_end_string",
    ] {
        args.remove(key);
    }
    let mut extra = Map::new();
    extra.insert(
        "template_path".into(),
        Value::from(path.display().to_string()),
    );
    extra.insert(
        "template_fullpath".into(),
        Value::from(path.display().to_string()),
    );
    extra.insert("template_host".into(), Value::from(step.host));
    extra.insert("ansible_managed".into(), Value::from("Ansible managed"));
    let ctx = play.scope(step.host, step.inh, extra).into_context();
    let rendered = match play.run.templar.render_file_with(&path, &ctx, whitespace) {
        Ok(s) => s,
        Err(e) => {
            return Outcome::failed(
                play.describe_error(step.task, &format!("{}: {e}", path.display())),
            )
        }
    };
    args.insert("content".into(), Value::from(rendered));
    let Some(copy) = troupe_modules::lookup("copy") else {
        return Outcome::failed("the copy module is missing");
    };
    let mut outcome = play.run_module_with(copy, args, step);
    outcome.result.remove("content");
    outcome
}

fn add_host(play: &Arc<PlayRun>, mut args: Map) -> Outcome {
    let Some(name) = args
        .remove("name")
        .or_else(|| args.remove("hostname"))
        .or_else(|| args.remove("host"))
        .map(|v| text(&v))
    else {
        return Outcome::failed("add_host: 'name' is required");
    };
    let groups: Vec<String> = match args
        .remove("groups")
        .or_else(|| args.remove("group"))
        .or_else(|| args.remove("groupname"))
    {
        Some(Value::Array(a)) => a.iter().map(text).collect(),
        Some(Value::String(s)) => s
            .split(',')
            .map(|g| g.trim().to_string())
            .filter(|g| !g.is_empty())
            .collect(),
        _ => Vec::new(),
    };
    play.run
        .inventory
        .write()
        .unwrap()
        .add_host(&name, &groups, args.clone());
    let vars = play.run.inventory.read().unwrap().host_vars(&name);
    let state = play.run.host_state(&name);
    state.write().unwrap().inventory_vars = Arc::new(vars);
    play.run.inventory_changed();
    let mut o = Outcome::new(Status::Changed, Map::new());
    o.result.insert(
        "add_host".into(),
        json!({"host_name": name, "groups": groups, "host_vars": args}),
    );
    o.result.insert("changed".into(), Value::Bool(true));
    o
}

fn group_by(play: &Arc<PlayRun>, args: Map, step: &Step) -> Outcome {
    let Some(key) = args.get("key").map(text) else {
        return Outcome::failed("group_by: 'key' is required");
    };
    let mut groups = vec![key.clone()];
    if let Some(Value::Array(parents)) = args.get("parents") {
        groups.extend(parents.iter().map(text));
    }
    play.run
        .inventory
        .write()
        .unwrap()
        .add_host(step.host, &groups, Map::new());
    play.run.inventory_changed();
    ok(Map::from_iter([(
        "add_group".to_string(),
        Value::from(key),
    )]))
}
