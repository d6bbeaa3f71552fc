//! Tasks and blocks: which key is the action, the task keywords, loops, and the static
//! `import_tasks`/`import_role` resolved into blocks.

use std::{path::PathBuf, sync::Arc};

use super::{
    closest::did_you_mean,
    keywords::{
        self, is_task_keyword, is_task_shared, list, mapping, scalar, string, string_list, IGNORED,
    },
    loader::{find_file, list_paths, Loader, TaskCtx},
    module_args::{action_keyword, module_args, unknown_module},
    parse_error::Source,
    parse_role::{self, RoleFrom},
    Action, Apply, Keywords, Loop, LoopControl, LoopSource, Origin, ParseError, Role, Task,
};
use crate::action_names::{accepts, is_action, known_names, PluginDirs};
use crate::yaml::{Entry, Node, NodeValue};
use crate::{Map, Value};
use troupe_modules::registry::short_name;

/// `meta:` actions Ansible defines.
const META_ACTIONS: &[&str] = &[
    "noop",
    "flush_handlers",
    "refresh_inventory",
    "clear_facts",
    "clear_host_errors",
    "end_play",
    "end_host",
    "end_batch",
    "end_role",
    "reset_connection",
    "role_complete",
];

/// Task keywords that make no sense on a static import (it is not a task at run time).
const NOT_FOR_IMPORTS: &[&str] = &[
    "loop",
    "loop_control",
    "register",
    "notify",
    "failed_when",
    "changed_when",
    "until",
    "retries",
    "delay",
];

const INCLUDE_ROLE_ARGS: &[&str] = &[
    "name",
    "role",
    "tasks_from",
    "vars_from",
    "defaults_from",
    "handlers_from",
    "apply",
    "public",
    "allow_duplicates",
    "rolespec_validate",
];

/// A list of tasks; `what` names it in messages ("'tasks'").
pub(crate) fn parse_tasks(
    l: &mut Loader,
    cx: &TaskCtx,
    node: &Node,
    what: &str,
) -> Result<Vec<Task>, ParseError> {
    list(cx.src, what, node)?
        .iter()
        .map(|item| parse_task(l, cx, item))
        .collect()
}

/// A task with no keywords yet.
pub(crate) fn new_task(action: Action, origin: Origin, role: Option<Arc<Role>>) -> Task {
    Task {
        name: None,
        action,
        kw: Keywords::default(),
        r#loop: None,
        register: None,
        notify: Vec::new(),
        listen: Vec::new(),
        failed_when: Vec::new(),
        changed_when: None,
        until: Vec::new(),
        retries: None,
        r#async: None,
        poll: None,
        delay: None,
        origin,
        role,
    }
}

/// A block of `tasks` carrying `kw`, as imports and role uses become.
pub(crate) fn block_of(
    tasks: Vec<Task>,
    kw: Keywords,
    origin: Origin,
    role: Option<Arc<Role>>,
) -> Task {
    let mut task = new_task(
        Action::Block {
            block: tasks,
            rescue: Vec::new(),
            always: Vec::new(),
        },
        origin,
        role,
    );
    task.kw = kw;
    task
}

fn parse_task(l: &mut Loader, cx: &TaskCtx, node: &Node) -> Result<Task, ParseError> {
    let src = cx.src;
    let entries = mapping(src, "a task", node)?;
    if entries.iter().any(|e| e.key == "block") {
        return parse_block(l, cx, node, entries);
    }
    if let Some(e) = entries
        .iter()
        .find(|e| e.key == "rescue" || e.key == "always")
    {
        return Err(src.at_key(
            e,
            format!("'{}' belongs to a 'block', and this task has none", e.key),
        ));
    }
    let action_entry = find_action(cx, node, entries, &plugin_dirs(l, cx))?;

    let mut task = new_task(
        Action::Meta(String::new()),
        src.origin(node.line, node.column),
        cx.role.clone(),
    );
    let mut control: Option<LoopControl> = None;
    let mut args = Map::new();
    let mut args_node = None;
    for e in entries {
        let key = e.key.as_str();
        let v = &e.value;
        match key {
            _ if std::ptr::eq(e, action_entry) => {}
            "name" if v.is_null() => {}
            "name" => task.name = Some(string(src, key, v)?),
            _ if is_task_shared(key) => keywords::set_shared(&mut task.kw, src, e)?,
            "loop_control" => control = Some(loop_control(src, v)?),
            "register" => task.register = Some(string(src, key, v)?),
            "notify" => task.notify = string_list(src, key, v)?,
            "listen" if !cx.in_handlers => {
                return Err(src.at_key(e, "'listen' is only for handlers"))
            }
            "listen" => task.listen = string_list(src, key, v)?,
            "failed_when" => task.failed_when = keywords::conditions(src, key, v)?,
            "changed_when" => task.changed_when = Some(keywords::conditions(src, key, v)?),
            "until" => task.until = keywords::conditions(src, key, v)?,
            "retries" => task.retries = Some(scalar(src, key, v)?),
            "delay" => task.delay = Some(scalar(src, key, v)?),
            "async" => task.r#async = Some(scalar(src, key, v)?),
            "poll" => task.poll = Some(scalar(src, key, v)?),
            "args" if v.is_null() => {}
            "args" => {
                mapping(src, "'args'", v)?;
                args = v.to_map().unwrap_or_default();
                args_node = Some(v);
            }
            _ if IGNORED.contains(&key) => {}
            _ => {
                // `find_action` let through only keywords: what is left is a loop.
                if task.r#loop.is_some() {
                    return Err(src.at_key(e, "a task has one loop: 'loop' or one 'with_*'"));
                }
                task.r#loop = Some(Loop {
                    source: loop_source(src, key, v)?,
                    control: LoopControl::default(),
                });
            }
        }
    }
    if let (Some(lp), Some(control)) = (&mut task.r#loop, control) {
        lp.control = control;
    }
    let written = Written {
        entries,
        action: action_entry,
        args_node,
    };
    task.action = action(l, cx, &mut task, &written, args)?;
    Ok(task)
}

/// Where the task's own plugins may be (see [`PluginDirs`]).
fn plugin_dirs(l: &Loader, cx: &TaskCtx) -> PluginDirs {
    PluginDirs::new(cx.role.as_ref().map(|r| r.path.as_path()), &l.play_dir)
}

/// The one key of `entries` that names the action, or an error about the keys.
fn find_action<'e>(
    cx: &TaskCtx,
    node: &Node,
    entries: &'e [Entry],
    plugins: &PluginDirs,
) -> Result<&'e Entry, ParseError> {
    let src = cx.src;
    let mut action: Option<&Entry> = None;
    let mut unknown: Vec<&Entry> = Vec::new();
    for e in entries {
        let names_action = e.key == "action" || e.key == "local_action" || !is_task_keyword(&e.key);
        if !names_action {
            continue;
        }
        if e.key != "action" && e.key != "local_action" && !accepts(&e.key, plugins) {
            unknown.push(e);
        } else if let Some(first) = action {
            return Err(src.at_key(
                e,
                format!(
                    "a task has one action, but this one has '{}' and '{}'",
                    first.key, e.key
                ),
            ));
        } else {
            action = Some(e);
        }
    }
    let task_keywords = || {
        keywords::PLAY_SHARED
            .iter()
            .chain(keywords::TASK_SHARED_EXTRA)
            .chain(keywords::TASK_OWN)
            .copied()
    };
    match (action, unknown.as_slice()) {
        (Some(_), [first, ..]) => Err(src.at_key(
            first,
            format!(
                "unknown task keyword '{}'{}",
                first.key,
                did_you_mean(&first.key, task_keywords())
            ),
        )),
        (None, [only]) => Err(unknown_module(
            src,
            only.key_line,
            only.key_column,
            &only.key,
        )),
        (None, [first, ..]) => Err(src.at_key(
            first,
            format!(
                "'{}' is neither a module nor a task keyword{}",
                first.key,
                did_you_mean(&first.key, task_keywords().chain(known_names()))
            ),
        )),
        (Some(a), []) => Ok(a),
        (None, []) => Err(src.at(
            node,
            "this task has no action: name a module such as 'command:' or 'debug:'",
        )),
    }
}

/// The task as written, for the checks that depend on its action.
struct Written<'n> {
    entries: &'n [Entry],
    action: &'n Entry,
    args_node: Option<&'n Node>,
}

/// The task's action from its action entry and `args:`; static imports are loaded here.
fn action(
    l: &mut Loader,
    cx: &TaskCtx,
    task: &mut Task,
    written: &Written,
    extra_args: Map,
) -> Result<Action, ParseError> {
    let src = cx.src;
    let entry = written.action;
    let (name, inline) = match entry.key.as_str() {
        "action" | "local_action" => {
            action_keyword(src, &entry.key, &entry.value, &plugin_dirs(l, cx))?
        }
        key => {
            let name = short_name(key).to_string();
            let args = module_args(src, &name, &entry.value)?;
            (name, args)
        }
    };
    if entry.key == "local_action" {
        if task.kw.delegate_to.is_some() {
            return Err(src.at_key(
                entry,
                "'local_action' already delegates to localhost; drop 'delegate_to'",
            ));
        }
        task.kw.delegate_to = Some(Value::String("localhost".into()));
    }
    // Arguments written after the module take precedence over `args:`.
    let mut args = extra_args;
    args.extend(inline);
    let at = &entry.value;
    match name.as_str() {
        "meta" => {
            let what = args
                .get("_raw_params")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            if !META_ACTIONS.contains(&what.as_str()) || args.len() != 1 {
                return Err(src.at(
                    at,
                    format!(
                        "unknown meta action '{what}'{}",
                        did_you_mean(&what, META_ACTIONS.iter().copied())
                    ),
                ));
            }
            Ok(Action::Meta(what))
        }
        "include_tasks" => {
            check_args(src, at, &name, &args, &["file", "_raw_params", "apply"])?;
            let file = included_file(src, at, &name, &mut args)?;
            let apply_node = entry
                .value
                .get("apply")
                .or_else(|| written.args_node.and_then(|n| n.get("apply")));
            let apply = match apply_node {
                Some(node) => Some(Box::new(apply_keywords(src, node)?)),
                None => None,
            };
            Ok(Action::IncludeTasks { file, apply })
        }
        "import_tasks" => {
            check_args(src, at, &name, &args, &["file", "_raw_params"])?;
            check_import(src, written.entries, &name, "include_tasks")?;
            let file = static_path(src, at, &name, &included_file(src, at, &name, &mut args)?)?;
            let tasks = import_tasks(l, cx, at, &file)?;
            Ok(Action::Block {
                block: tasks,
                rescue: Vec::new(),
                always: Vec::new(),
            })
        }
        "include_role" => {
            check_args(src, at, &name, &args, INCLUDE_ROLE_ARGS)?;
            if !args.contains_key("name") && !args.contains_key("role") {
                return Err(src.at(at, "'include_role' needs a role 'name'"));
            }
            Ok(Action::IncludeRole { args })
        }
        "import_role" => {
            check_args(src, at, &name, &args, INCLUDE_ROLE_ARGS)?;
            check_import(src, written.entries, &name, "include_role")?;
            let text = |key: &str| {
                args.get(key).map(|v| {
                    v.as_str()
                        .map(String::from)
                        .unwrap_or_else(|| v.to_string())
                })
            };
            let role_name = text("name")
                .or_else(|| text("role"))
                .ok_or_else(|| src.at(at, "'import_role' needs a role 'name'"))?;
            let from = RoleFrom {
                tasks_from: text("tasks_from"),
                vars_from: text("vars_from"),
                defaults_from: text("defaults_from"),
                handlers_from: text("handlers_from"),
            };
            let site = parse_role::Site {
                src,
                node: at,
                base: None,
            };
            let loaded = parse_role::use_role(l, Some(&site), &role_name, &from, None)?
                .expect("import_role always loads");
            task.role = Some(loaded.role.clone());
            Ok(Action::Block {
                block: loaded.tasks,
                rescue: Vec::new(),
                always: Vec::new(),
            })
        }
        _ => {
            // Ansible keeps argument names starting with `_ansible_` for itself.
            if let Some(k) = args.keys().find(|k| k.starts_with("_ansible_")) {
                return Err(src.at(
                    at,
                    format!("'{name}' cannot take the argument '{k}': the prefix '_ansible_' is reserved for internal use only."),
                ));
            }
            Ok(Action::Module { name, args })
        }
    }
}

/// Refuses arguments an include or import does not take.
fn check_args(
    src: &Source,
    at: &Node,
    module: &str,
    args: &Map,
    allowed: &[&str],
) -> Result<(), ParseError> {
    match args.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(src.at(
            at,
            format!(
                "'{module}' has no option '{k}'{}",
                did_you_mean(k, allowed.iter().copied())
            ),
        )),
        None => Ok(()),
    }
}

/// Refuses run-time keywords on a static import.
fn check_import(
    src: &Source,
    entries: &[Entry],
    module: &str,
    dynamic: &str,
) -> Result<(), ParseError> {
    match entries.iter().find(|e| NOT_FOR_IMPORTS.contains(&e.key.as_str()) || keywords::loop_lookup(&e.key).is_some()) {
        Some(e) => Err(src.at_key(
            e,
            format!("'{}' cannot be used with '{module}', which is resolved when the playbook is read: use '{dynamic}'", e.key),
        )),
        None => Ok(()),
    }
}

/// `file:` or the free form of an include.
fn included_file(
    src: &Source,
    at: &Node,
    module: &str,
    args: &mut Map,
) -> Result<Value, ParseError> {
    match (args.remove("file"), args.remove("_raw_params")) {
        (Some(f), None) | (None, Some(f)) => Ok(f),
        (Some(_), Some(_)) => Err(src.at(
            at,
            format!("'{module}' takes its file once: free form or 'file:'"),
        )),
        (None, None) => Err(src.at(at, format!("'{module}' needs a file name"))),
    }
}

/// An import's path must be known before any variable is.
fn static_path(src: &Source, at: &Node, module: &str, file: &Value) -> Result<String, ParseError> {
    match file.as_str() {
        Some(f) if !f.contains("{{") && !f.contains("{%") => Ok(f.to_string()),
        _ => Err(src.at(
            at,
            format!("'{module}' is resolved before variables exist, so its file cannot be a template: use 'include_tasks'"),
        )),
    }
}

/// The tasks of an imported file, found beside the importing file (or in the role's
/// `tasks/`), then in the playbook's directory.
fn import_tasks(
    l: &mut Loader,
    cx: &TaskCtx,
    at: &Node,
    file: &str,
) -> Result<Vec<Task>, ParseError> {
    let src = cx.src;
    let mut dirs: Vec<PathBuf> = Vec::new();
    if let Some(role) = &cx.role {
        dirs.push(role.path.join("tasks"));
    }
    dirs.extend(src.path.parent().map(PathBuf::from));
    dirs.push(l.play_dir.clone());
    let path = find_file(file, &dirs).map_err(|tried| {
        src.at(
            at,
            format!(
                "cannot find '{file}' to import (looked for {})",
                list_paths(&tried)
            ),
        )
    })?;
    let role = cx.role.clone();
    let in_handlers = cx.in_handlers;
    l.enter(&path, |l| l.tasks_file(&path, role, in_handlers))
        .map_err(|chain| src.at(at, format!("'{file}' imports itself: {chain}")))?
}

fn parse_block(
    l: &mut Loader,
    cx: &TaskCtx,
    node: &Node,
    entries: &[Entry],
) -> Result<Task, ParseError> {
    let src = cx.src;
    let (mut block, mut rescue, mut always) = (Vec::new(), Vec::new(), Vec::new());
    let mut task = new_task(
        Action::Meta(String::new()),
        src.origin(node.line, node.column),
        cx.role.clone(),
    );
    for e in entries {
        let key = e.key.as_str();
        match key {
            "block" => block = parse_tasks(l, cx, &e.value, "'block'")?,
            "rescue" => rescue = parse_tasks(l, cx, &e.value, "'rescue'")?,
            "always" => always = parse_tasks(l, cx, &e.value, "'always'")?,
            "name" if e.value.is_null() => {}
            "name" => task.name = Some(string(src, key, &e.value)?),
            "notify" => task.notify = string_list(src, key, &e.value)?,
            _ if is_task_shared(key) => keywords::set_shared(&mut task.kw, src, e)?,
            _ if IGNORED.contains(&key) => {}
            _ if is_action(key) => {
                return Err(src.at_key(
                    e,
                    format!("a block has no action: move '{key}' into a task under 'block'"),
                ))
            }
            _ => {
                let known = keywords::PLAY_SHARED
                    .iter()
                    .chain(keywords::TASK_SHARED_EXTRA)
                    .chain(keywords::BLOCK_OWN);
                return Err(src.at_key(
                    e,
                    format!(
                        "'{key}' is not a valid attribute for a Block{}",
                        did_you_mean(key, known.copied())
                    ),
                ));
            }
        }
    }
    task.action = Action::Block {
        block,
        rescue,
        always,
    };
    Ok(task)
}

/// `apply:` of `include_tasks`: what a block takes, `notify` included.
fn apply_keywords(src: &Source, node: &Node) -> Result<Apply, ParseError> {
    let entries = mapping(src, "'apply'", node)?;
    let notify = match entries.iter().find(|e| e.key == "notify") {
        Some(e) => string_list(src, "notify", &e.value)?,
        None => Vec::new(),
    };
    let others = entries.iter().filter(|e| e.key != "notify").cloned();
    let rest = Node::synthetic(NodeValue::Map(others.collect()), node.line, node.column);
    Ok(Apply {
        kw: block_keywords(src, &rest, "'apply'")?,
        notify,
    })
}

/// Keywords for `apply:` and role uses: only those a block takes.
pub(crate) fn block_keywords(
    src: &Source,
    node: &Node,
    what: &str,
) -> Result<Keywords, ParseError> {
    let mut kw = Keywords::default();
    for e in mapping(src, what, node)? {
        if is_task_shared(&e.key) {
            keywords::set_shared(&mut kw, src, e)?;
        } else if !IGNORED.contains(&e.key.as_str()) {
            let known = keywords::PLAY_SHARED
                .iter()
                .chain(keywords::TASK_SHARED_EXTRA)
                .copied();
            return Err(src.at_key(
                e,
                format!(
                    "'{}' cannot be used in {what}{}",
                    e.key,
                    did_you_mean(&e.key, known)
                ),
            ));
        }
    }
    Ok(kw)
}

fn loop_source(src: &Source, key: &str, v: &Node) -> Result<LoopSource, ParseError> {
    let value = v.to_value();
    Ok(match key {
        "loop" => match &v.value {
            NodeValue::Seq(_) | NodeValue::Str(_) => LoopSource::Items {
                value,
                flatten: false,
            },
            _ => {
                return Err(src.at(
                    v,
                    format!(
                        "'loop' must be a list or a template giving one, not {}",
                        v.kind()
                    ),
                ))
            }
        },
        "with_items" => LoopSource::Items {
            value,
            flatten: true,
        },
        // The `list` lookup: a mapping is refused as Ansible refuses it.
        "with_list" => LoopSource::Lookup {
            name: "list".to_string(),
            value,
        },
        "with_dict" => LoopSource::Dict(value),
        "with_fileglob" => LoopSource::Fileglob(value),
        _ => {
            let name = keywords::loop_lookup(key).expect("only loop keys reach here");
            LoopSource::Lookup {
                name: name.to_string(),
                value,
            }
        }
    })
}

fn loop_control(src: &Source, node: &Node) -> Result<LoopControl, ParseError> {
    const KEYS: &[&str] = &[
        "loop_var",
        "index_var",
        "label",
        "pause",
        "extended",
        "extended_allitems",
    ];
    let mut control = LoopControl::default();
    for e in mapping(src, "'loop_control'", node)? {
        let v = &e.value;
        match e.key.as_str() {
            "loop_var" => control.loop_var = string(src, "loop_var", v)?,
            "index_var" => control.index_var = Some(string(src, "index_var", v)?),
            "label" => control.label = Some(scalar(src, "label", v)?),
            "pause" => control.pause = Some(scalar(src, "pause", v)?),
            key @ ("extended" | "extended_allitems") => {
                let flag = match &v.value {
                    NodeValue::Bool(b) => *b,
                    _ => {
                        return Err(src.at(
                            v,
                            format!("'{key}' must be true or false, not {}", v.kind()),
                        ))
                    }
                };
                match key {
                    "extended" => control.extended = flag,
                    _ => control.extended_allitems = flag,
                }
            }
            other => {
                return Err(src.at_key(
                    e,
                    format!(
                        "unknown loop_control option '{other}'{}",
                        did_you_mean(other, KEYS.iter().copied())
                    ),
                ))
            }
        }
    }
    Ok(control)
}
