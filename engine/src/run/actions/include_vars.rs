//! `include_vars`: variables from a file, or from the files of a directory tree, for the
//! rest of the run on this host.

use std::{
    path::{Component, Path, PathBuf},
    sync::Arc,
};

use serde::Deserialize;
use troupe_modules::args::Str;

use super::{ok, parse};
use crate::{
    output::Outcome,
    run::{step::Step, task_error::TaskError, vars_dir::DirOptions},
    yaml, Map, Value,
};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // the directory options are read by `DirOptions`
struct Args {
    file: Option<Str>,
    #[serde(rename = "_raw_params")]
    raw_params: Option<Str>,
    dir: Option<Str>,
    name: Option<Value>,
    depth: Option<Value>,
    files_matching: Option<Value>,
    ignore_files: Option<Value>,
    extensions: Option<Value>,
    ignore_unknown_extensions: Option<Value>,
    hash_behaviour: Option<Value>,
}

pub fn run(raw: Map, step: &Step) -> Result<Outcome, TaskError> {
    let args: Args = parse("include_vars", raw.clone())?;
    let file = args
        .file
        .or(args.raw_params)
        .map(|s| s.0.trim_end_matches('\n').to_string());
    let found = if let Some(f) = file {
        find(step, &f, Path::is_file)
            .map(|p| vec![p])
            .ok_or(TaskError::NoVarsFile(f))
    } else if let Some(Str(d)) = args.dir {
        match find_dir(step, &d) {
            Some(dir) => DirOptions::from_args(&raw)
                .and_then(|o| o.files(&dir))
                .map(|files| without_role_main(step, files))
                .map_err(TaskError::from),
            None => Err(TaskError::NoVarsDir(d)),
        }
    } else {
        // No file (or one a lookup left empty) and no dir: Ansible's "Could not find file".
        Err(TaskError::NoVarsFile(String::new()))
    };
    // Ansible reports include_vars' own failures under `message`.
    let files = match found {
        Ok(files) => files,
        Err(e) => {
            let mut o = step.fail(e);
            let msg = o.result.get("msg").cloned().unwrap_or_default();
            o.result.insert("message".into(), msg);
            o.result.insert(
                "ansible_included_var_files".into(),
                Value::Array(Vec::new()),
            );
            return Ok(o);
        }
    };
    let mut loaded = Map::new();
    for f in &files {
        match yaml::load_value(f) {
            Ok(Value::Object(m)) => loaded.extend(m),
            Ok(Value::Null) => {}
            Ok(_) => {
                return Ok(Outcome::failed(format!(
                    "{}: must be a mapping of variables",
                    f.display()
                )))
            }
            Err(e) => return Ok(Outcome::failed(e.to_string())),
        }
    }
    let loaded = match args.name.as_ref().and_then(Value::as_str) {
        Some(name) => Map::from_iter([(name.to_string(), Value::Object(loaded))]),
        None => loaded,
    };
    // hash_behaviour: merge: each mapping merged into the value the variable has now.
    let merge = args
        .hash_behaviour
        .as_ref()
        .and_then(Value::as_str)
        .is_some_and(|h| h == "merge");
    let mut loaded = loaded;
    if merge {
        for (key, value) in loaded.iter_mut() {
            let Value::Object(new) = value else { continue };
            let old = crate::template::from_jinja(&step.ctx().get_attr(key).unwrap_or_default());
            if let Value::Object(mut merged) = old {
                crate::template::merge_hash(&mut merged, new);
                *new = merged;
            }
        }
    }
    let add = loaded.clone();
    step.run().vars().update_host(step.host(), |s| {
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
    Ok(ok(result))
}

/// A relative `dir`: in a role, under the role when it starts with `vars/` and else under the
/// role's `vars/`; outside a role, beside the task's file. Then where [`find`] looks.
fn find_dir(step: &Step, name: &str) -> Option<PathBuf> {
    let p = Path::new(name);
    let first = match (&step.inh().role, p.is_absolute()) {
        (_, true) => None,
        (Some(role), _) if p.components().next() == Some(Component::Normal("vars".as_ref())) => {
            Some(role.path.join(p))
        }
        (Some(role), _) => Some(role.path.join("vars").join(p)),
        (None, _) => step.task().origin.file.parent().map(|d| d.join(p)),
    };
    first
        .filter(|d| d.is_dir())
        .or_else(|| find(step, name, Path::is_dir))
}

/// A directory load never takes the role's own `vars/main.yml` (the role loaded it already).
fn without_role_main(step: &Step, files: Vec<PathBuf>) -> Vec<PathBuf> {
    let Some(role) = &step.inh().role else {
        return files;
    };
    let main = role.path.join("vars").join("main.yml");
    files.into_iter().filter(|f| *f != main).collect()
}

/// Where a relative `file` or `dir` is looked for: the role's `vars/`, beside the task's
/// file (in `vars/`, then there), beside the playbook (likewise). An absolute one is taken
/// as it is.
fn find(step: &Step, name: &str, fits: fn(&Path) -> bool) -> Option<PathBuf> {
    let p = PathBuf::from(name);
    if p.is_absolute() {
        return Some(p);
    }
    let play_dir = &step.play().play().dir;
    let mut dirs = Vec::new();
    if let Some(role) = &step.inh().role {
        dirs.push(role.path.join("vars"));
        dirs.push(role.path.clone());
    }
    if let Some(d) = step.task().origin.file.parent() {
        dirs.push(d.join("vars"));
        dirs.push(d.to_path_buf());
    }
    dirs.push(play_dir.join("vars"));
    dirs.push(play_dir.clone());
    dirs.into_iter().map(|d| d.join(name)).find(|c| fits(c))
}
