//! Playbook files: plays and `import_playbook`s.

use std::path::{Path, PathBuf};

use super::{
    closest::did_you_mean,
    keywords::{self, list, mapping, scalar, string, IGNORED, PLAY_OWN, PLAY_SHARED},
    loader::{find_file, list_paths, LoadOptions, Loader, TaskCtx},
    parse_error::Source,
    parse_role, parse_task, ParseError, Play, Playbook,
};
use crate::yaml::{Entry, Node, NodeValue};
use crate::Value;

/// Loads a playbook with its `import_playbook`s flattened in order.
pub fn load_playbook(path: &Path, opts: &LoadOptions) -> Result<Playbook, ParseError> {
    let mut plays = Vec::new();
    let mut stack = Vec::new();
    load_into(path, opts, &mut stack, &mut plays)?;
    Ok(Playbook {
        path: path.to_path_buf(),
        plays,
    })
}

fn load_into(
    path: &Path,
    opts: &LoadOptions,
    stack: &mut Vec<PathBuf>,
    plays: &mut Vec<Play>,
) -> Result<(), ParseError> {
    let (src, root) = Source::load(path)?;
    let items = list(&src, "a playbook", &root)?;
    if items.is_empty() {
        return Err(src.at(&root, "the playbook is empty: it should be a list of plays"));
    }
    stack.push(path.canonicalize().unwrap_or_else(|_| path.to_path_buf()));
    for item in items {
        let entries = mapping(&src, "a play", item)?;
        match entries
            .iter()
            .find(|e| troupe_modules::registry::short_name(&e.key) == "import_playbook")
        {
            Some(import) => import_playbook(&src, entries, import, opts, stack, plays)?,
            None => plays.push(parse_play(&src, item, entries, opts)?),
        }
    }
    stack.pop();
    Ok(())
}

/// `- import_playbook: other.yml`, relative to the importing file, with optional `vars` and
/// `tags` given to each imported play.
fn import_playbook(
    src: &Source,
    entries: &[Entry],
    import: &Entry,
    opts: &LoadOptions,
    stack: &mut Vec<PathBuf>,
    plays: &mut Vec<Play>,
) -> Result<(), ParseError> {
    let mut kw = super::Keywords::default();
    for e in entries {
        match e.key.as_str() {
            "name" => {}
            "vars" | "tags" => keywords::set_shared(&mut kw, src, e)?,
            _ if std::ptr::eq(e, import) => {}
            "when" => return Err(src.at_key(e, "'when' on 'import_playbook' is not supported")),
            other => {
                return Err(src.at_key(
                    e,
                    format!(
                        "'import_playbook' takes only 'name', 'vars' and 'tags', not '{other}'"
                    ),
                ))
            }
        }
    }
    let file = string(src, &import.key, &import.value)?;
    if file.contains("{{") {
        return Err(src.at(&import.value, "'import_playbook' is resolved before variables exist, so its file cannot be a template"));
    }
    let dir = src.path.parent().map(Path::to_path_buf).unwrap_or_default();
    let path = find_file(&file, &[dir]).map_err(|tried| {
        src.at(
            &import.value,
            format!(
                "cannot find playbook '{file}' (looked for {})",
                list_paths(&tried)
            ),
        )
    })?;
    let key = path.canonicalize().unwrap_or_else(|_| path.clone());
    if stack.contains(&key) {
        return Err(src.at(&import.value, format!("'{file}' imports itself")));
    }
    let first = plays.len();
    load_into(&path, opts, stack, plays)?;
    for play in &mut plays[first..] {
        for (k, v) in &kw.vars {
            play.kw.vars.entry(k.clone()).or_insert_with(|| v.clone());
        }
        play.kw.tags.extend(kw.tags.iter().cloned());
    }
    Ok(())
}

fn parse_play(
    src: &Source,
    node: &Node,
    entries: &[Entry],
    opts: &LoadOptions,
) -> Result<Play, ParseError> {
    let dir = src.path.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut play = Play {
        name: String::new(),
        hosts: String::new(),
        origin: src.origin(node.line, node.column),
        dir: dir.clone(),
        kw: Default::default(),
        vars_files: Vec::new(),
        vars_prompt: Vec::new(),
        gather_facts: None,
        serial: None,
        strategy: None,
        max_fail_percentage: None,
        force_handlers: None,
        order: None,
        pre_tasks: Vec::new(),
        roles: Vec::new(),
        tasks: Vec::new(),
        post_tasks: Vec::new(),
        handlers: Vec::new(),
    };
    let mut name = None;
    let mut hosts = None;
    for e in entries {
        let key = e.key.as_str();
        let v = &e.value;
        match key {
            "name" if v.is_null() => {}
            "name" => name = Some(string(src, key, v)?),
            "hosts" => hosts = Some(host_pattern(src, v)?),
            _ if PLAY_SHARED.contains(&key) => keywords::set_shared(&mut play.kw, src, e)?,
            "vars_files" => play.vars_files = vars_files(src, v)?,
            "vars_prompt" => play.vars_prompt = vars_prompt(src, v)?,
            "gather_facts" => play.gather_facts = Some(scalar(src, key, v)?),
            "serial" => play.serial = Some(serial(src, v)?),
            "strategy" => play.strategy = Some(string(src, key, v)?),
            "max_fail_percentage" => play.max_fail_percentage = Some(scalar(src, key, v)?),
            "force_handlers" => play.force_handlers = Some(scalar(src, key, v)?),
            "order" => play.order = Some(scalar(src, key, v)?),
            "roles" | "pre_tasks" | "tasks" | "post_tasks" | "handlers" => {}
            _ if IGNORED.contains(&key) => {}
            _ => {
                let hint = if crate::action_names::is_action(key) {
                    " (tasks go under 'tasks:')"
                } else {
                    ""
                };
                let known = PLAY_OWN.iter().chain(PLAY_SHARED).copied();
                return Err(src.at_key(
                    e,
                    format!(
                        "'{key}' is not a valid attribute for a Play{}{hint}",
                        did_you_mean(key, known)
                    ),
                ));
            }
        }
    }
    play.hosts = hosts.ok_or_else(|| src.at(node, "this play has no 'hosts'"))?;
    play.name = name.unwrap_or_else(|| play.hosts.clone());

    // Sections are read in run order so that role handlers are listed in the order roles load.
    let mut l = Loader::new(opts, &dir);
    let section = |key: &str| node.get(key);
    if let Some(roles) = section("roles") {
        play.roles = parse_role::play_roles(&mut l, src, roles)?;
    }
    let cx = TaskCtx {
        src,
        role: None,
        in_handlers: false,
    };
    for (key, slot) in [
        ("pre_tasks", &mut play.pre_tasks),
        ("tasks", &mut play.tasks),
        ("post_tasks", &mut play.post_tasks),
    ] {
        if let Some(tasks) = section(key) {
            *slot = parse_task::parse_tasks(&mut l, &cx, tasks, &format!("'{key}'"))?;
        }
    }
    if let Some(handlers) = section("handlers") {
        let cx = TaskCtx {
            src,
            role: None,
            in_handlers: true,
        };
        play.handlers = parse_task::parse_tasks(&mut l, &cx, handlers, "'handlers'")?;
    }
    play.handlers.append(&mut l.role_handlers);
    Ok(play)
}

/// `hosts: web` or `hosts: [web, db]` → `web,db`.
fn host_pattern(src: &Source, node: &Node) -> Result<String, ParseError> {
    match &node.value {
        NodeValue::Seq(items) => Ok(items
            .iter()
            .map(|i| string(src, "hosts", i))
            .collect::<Result<Vec<_>, _>>()?
            .join(",")),
        _ => string(src, "hosts", node),
    }
}

/// A file, or a list whose items are files or lists of alternatives.
/// `vars_prompt`: a list of prompts (`unsafe` read as `unsafe_`).
fn vars_prompt(src: &Source, node: &Node) -> Result<Vec<super::play::Prompt>, ParseError> {
    let NodeValue::Seq(items) = &node.value else {
        return Err(src.at(
            node,
            format!("'vars_prompt' must be a list, not {}", node.kind()),
        ));
    };
    items
        .iter()
        .map(|item| {
            let mut value = item.to_value();
            if let Some(m) = value.as_object_mut() {
                if let Some(u) = m.remove("unsafe") {
                    m.insert("unsafe_".into(), u);
                }
            }
            serde_json::from_value(value).map_err(|e| src.at(item, format!("vars_prompt: {e}")))
        })
        .collect()
}

fn vars_files(src: &Source, node: &Node) -> Result<Vec<Value>, ParseError> {
    let item = |n: &Node| match &n.value {
        NodeValue::Str(_) => Ok(n.to_value()),
        NodeValue::Seq(alternatives) if alternatives.iter().all(|a| a.as_str().is_some()) => {
            Ok(n.to_value())
        }
        _ => Err(src.at(
            n,
            format!(
                "each of 'vars_files' must be a file name or a list of them, not {}",
                n.kind()
            ),
        )),
    };
    match &node.value {
        NodeValue::Null => Ok(Vec::new()),
        NodeValue::Str(_) => Ok(vec![node.to_value()]),
        NodeValue::Seq(items) => items.iter().map(item).collect(),
        _ => Err(src.at(
            node,
            format!(
                "'vars_files' must be a list of file names, not {}",
                node.kind()
            ),
        )),
    }
}

/// A number, a percentage, or a list of them (batch sizes).
fn serial(src: &Source, node: &Node) -> Result<Value, ParseError> {
    match &node.value {
        NodeValue::Seq(items) => {
            for i in items {
                scalar(src, "serial", i)?;
            }
            Ok(node.to_value())
        }
        _ => scalar(src, "serial", node),
    }
}
