//! Roles: finding a role's directory, reading its defaults, vars, meta dependencies, tasks
//! and handlers, and the entries that name roles in `roles:` and `dependencies:`.

use std::{
    path::{Path, PathBuf},
    sync::Arc,
};

use super::{
    keywords::{self, is_task_shared, list, string, IGNORED},
    loader::{list_paths, LoadOptions, Loader},
    parse_error::Source,
    parse_task::block_of,
    Keywords, ParseError, Role, Task,
};
use crate::yaml::{Node, NodeValue};
use crate::{Map, Value};

/// Which files of a role to read instead of `main`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RoleFrom {
    pub tasks_from: Option<String>,
    pub vars_from: Option<String>,
    pub defaults_from: Option<String>,
    pub handlers_from: Option<String>,
}

/// A role ready to run: its tasks (dependencies' blocks first) and handlers (dependencies'
/// first).
#[derive(Debug, Clone)]
pub struct LoadedRole {
    pub role: Arc<Role>,
    pub tasks: Vec<Task>,
    pub handlers: Vec<Task>,
}

/// Finds and loads a role, as `include_role` does at run time. `search_dir` is the directory
/// of the including playbook.
pub fn load_role(
    name: &str,
    from: &RoleFrom,
    search_dir: &Path,
    opts: &LoadOptions,
) -> Result<LoadedRole, ParseError> {
    let mut l = Loader::new(opts, search_dir);
    let loaded = use_role(&mut l, None, name, from, None)?;
    let mut loaded = loaded.expect("a role loaded without de-duplication is always loaded");
    // Roles its tasks import bring their handlers too.
    for h in std::mem::take(&mut l.role_handlers) {
        if !loaded.handlers.iter().any(|x| x.origin == h.origin) {
            loaded.handlers.push(h);
        }
    }
    Ok(loaded)
}

/// Where a role was named: errors point there, and a dependency is also looked for beside
/// the role that depends on it (`base`).
pub(crate) struct Site<'a> {
    pub src: &'a Source,
    pub node: &'a Node,
    pub base: Option<&'a Path>,
}

/// One entry of `roles:` or `dependencies:`.
pub(crate) struct RoleEntry {
    pub name: String,
    /// The entry's keywords; role parameters are in `vars`.
    pub kw: Keywords,
    /// Parameters and vars: a role runs again in a play only if these differ.
    pub identity: Map,
}

/// `- common`, `- role: common`, `- {name: common, tags: x, port: 80}`.
pub(crate) fn parse_role_entry(src: &Source, node: &Node) -> Result<RoleEntry, ParseError> {
    let mut name = None;
    let mut kw = Keywords::default();
    let mut params = Map::new();
    match &node.value {
        NodeValue::Str(s) => name = Some(s.clone()),
        NodeValue::Map(entries) => {
            for e in entries {
                match e.key.as_str() {
                    "role" | "name" => name = Some(string(src, &e.key, &e.value)?),
                    key if is_task_shared(key) => keywords::set_shared(&mut kw, src, e)?,
                    key if IGNORED.contains(&key) => {}
                    key => {
                        params.insert(key.to_string(), e.value.to_value());
                    }
                }
            }
        }
        _ => {
            return Err(src.at(
                node,
                format!(
                    "a role entry must be a role name or a mapping, not {}",
                    node.kind()
                ),
            ))
        }
    }
    let name =
        name.ok_or_else(|| src.at(node, "this role entry has no 'role:' naming the role"))?;
    let mut identity = kw.vars.clone();
    identity.extend(params.clone());
    kw.vars.extend(params);
    Ok(RoleEntry { name, kw, identity })
}

/// A block per entry of a play's `roles:` (duplicates left out, as Ansible does).
pub(crate) fn play_roles(
    l: &mut Loader,
    src: &Source,
    node: &Node,
) -> Result<Vec<Task>, ParseError> {
    let mut blocks = Vec::new();
    for item in list(src, "'roles'", node)? {
        let entry = parse_role_entry(src, item)?;
        let site = Site {
            src,
            node: item,
            base: None,
        };
        if let Some(loaded) = use_role(
            l,
            Some(&site),
            &entry.name,
            &RoleFrom::default(),
            Some(&entry.identity),
        )? {
            blocks.push(block_of(
                loaded.tasks,
                entry.kw,
                src.origin(item.line, item.column),
                Some(loaded.role),
            ));
        }
    }
    Ok(blocks)
}

/// Loads role `name` for the play being loaded. With an `identity`, a role already used in
/// the play with the same identity is left out (`None`) unless its meta allows duplicates.
/// Its handlers join the play's once.
pub(crate) fn use_role(
    l: &mut Loader,
    site: Option<&Site>,
    name: &str,
    from: &RoleFrom,
    identity: Option<&Map>,
) -> Result<Option<LoadedRole>, ParseError> {
    let error = |message: String| match site {
        Some(s) => s.src.at(s.node, format!("role '{name}' {message}")),
        None => ParseError::Role {
            name: name.to_string(),
            message,
        },
    };
    let dir = find_role(l, name, site.and_then(|s| s.base))
        .map_err(|tried| error(format!("not found (looked in {})", list_paths(&tried))))?;
    let meta = match find_yaml(&dir.join("meta"), "main") {
        Some(path) => Some(Source::load(&path)?),
        None => None,
    };
    if let Some(identity) = identity {
        let allow_duplicates = meta
            .as_ref()
            .and_then(|(_, m)| m.get("allow_duplicates"))
            .is_some_and(is_true);
        let key = format!("{}\n{}", dir.display(), Value::Object(identity.clone()));
        if !l.roles_seen.insert(key) && !allow_duplicates {
            return Ok(None);
        }
    }
    let loaded = l
        .enter(&dir, |l| {
            load_role_dir(l, &dir, from, meta.as_ref().map(|(s, n)| (s, n)))
        })
        .map_err(|chain| error(format!("depends on itself: {chain}")))?;
    match loaded {
        // A missing `tasks_from` file is reported where the role was named.
        Err(ParseError::Role { message, .. }) if site.is_some() => Err(error(message)),
        other => other.map(Some),
    }
}

fn is_true(node: &Node) -> bool {
    match &node.value {
        NodeValue::Bool(b) => *b,
        NodeValue::Str(s) => {
            troupe_modules::truth::boolean(&Value::String(s.clone())).unwrap_or(false)
        }
        _ => false,
    }
}

/// `<playbook dir>/roles/<name>`, the roles path, `<playbook dir>/<name>`, then beside the
/// depending role; a name with `/` is a path; `ns.col.role` is a collection's role, in
/// `<playbook dir>/collections` then the collections path.
fn find_role(l: &Loader, name: &str, base: Option<&Path>) -> Result<PathBuf, Vec<PathBuf>> {
    let collection_role = match name.split('.').collect::<Vec<_>>()[..] {
        [ns, col, role] if [ns, col, role].iter().all(|p| !p.is_empty()) => Some((ns, col, role)),
        _ => None,
    };
    let candidates: Vec<PathBuf> = if name.contains('/') {
        vec![l.play_dir.join(name)]
    } else if let Some((ns, col, role)) = collection_role {
        std::iter::once(l.play_dir.join("collections"))
            .chain(l.opts.collections_path.iter().cloned())
            .map(|root| {
                root.join("ansible_collections")
                    .join(ns)
                    .join(col)
                    .join("roles")
                    .join(role)
            })
            .collect()
    } else {
        let mut all = vec![l.play_dir.join("roles").join(name)];
        all.extend(l.opts.roles_path.iter().map(|p| p.join(name)));
        all.push(l.play_dir.join(name));
        all.extend(base.and_then(Path::parent).map(|p| p.join(name)));
        all
    };
    candidates
        .iter()
        .find(|c| c.is_dir())
        .cloned()
        .ok_or(candidates)
}

/// `<dir>/<stem>.yml`, `.yaml`, no extension or `.json` (or `stem` itself if it has one).
fn find_yaml(dir: &Path, stem: &str) -> Option<PathBuf> {
    let names = if [".yml", ".yaml", ".json"].iter().any(|e| stem.ends_with(e)) {
        vec![stem.to_string()]
    } else {
        vec![
            format!("{stem}.yml"),
            format!("{stem}.yaml"),
            stem.to_string(),
            format!("{stem}.json"),
        ]
    };
    names.iter().map(|n| dir.join(n)).find(|p| p.is_file())
}

fn load_role_dir(
    l: &mut Loader,
    dir: &Path,
    from: &RoleFrom,
    meta: Option<(&Source, &Node)>,
) -> Result<LoadedRole, ParseError> {
    let role = Arc::new(Role {
        name: dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        path: dir.to_path_buf(),
        defaults: Arc::new(vars_files(dir, "defaults", from.defaults_from.as_deref())?),
        vars: Arc::new(vars_files(dir, "vars", from.vars_from.as_deref())?),
    });
    let mut tasks = Vec::new();
    let mut handlers = Vec::new();
    if let Some(deps) = meta.and_then(|(src, m)| m.get("dependencies").map(|d| (src, d))) {
        let (src, deps) = deps;
        for item in list(src, "'dependencies'", deps)? {
            let entry = parse_role_entry(src, item)?;
            let site = Site {
                src,
                node: item,
                base: Some(dir),
            };
            if let Some(dep) = use_role(
                l,
                Some(&site),
                &entry.name,
                &RoleFrom::default(),
                Some(&entry.identity),
            )? {
                tasks.push(block_of(
                    dep.tasks,
                    entry.kw,
                    src.origin(item.line, item.column),
                    Some(dep.role),
                ));
                handlers.extend(dep.handlers);
            }
        }
    }
    if let Some(path) = role_file(&role, "tasks", from.tasks_from.as_deref())? {
        tasks.extend(l.tasks_file(&path, Some(role.clone()), false)?);
    }
    if let Some(path) = role_file(&role, "handlers", from.handlers_from.as_deref())? {
        let own = l.tasks_file(&path, Some(role.clone()), true)?;
        if l.handlers_seen.insert(path.display().to_string()) {
            l.role_handlers.extend(own.iter().cloned());
        }
        handlers.extend(own);
    }
    Ok(LoadedRole {
        role,
        tasks,
        handlers,
    })
}

/// `tasks/main.yml` (none is fine) or `tasks/<from>.yml` (which must exist).
fn role_file(role: &Role, kind: &str, from: Option<&str>) -> Result<Option<PathBuf>, ParseError> {
    let found = find_yaml(&role.path.join(kind), from.unwrap_or("main"));
    match (found, from) {
        (None, Some(from)) => Err(ParseError::Role {
            name: role.name.clone(),
            message: format!(
                "has no {kind} file '{from}' in {}",
                role.path.join(kind).display()
            ),
        }),
        (found, _) => Ok(found),
    }
}

/// `defaults/main.yml` or the files of a `defaults/main/` directory, merged in name order.
fn vars_files(dir: &Path, kind: &str, from: Option<&str>) -> Result<Map, ParseError> {
    let stem = from.unwrap_or("main");
    let base = dir.join(kind);
    let files = if base.join(stem).is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(base.join(stem))
            .map_err(|source| crate::yaml::YamlError::Read {
                path: base.join(stem),
                source,
            })?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.is_file()
                    && matches!(
                        p.extension().and_then(|e| e.to_str()),
                        Some("yml" | "yaml" | "json") | None
                    )
            })
            .collect();
        files.sort();
        files
    } else {
        match find_yaml(&base, stem) {
            Some(path) => vec![path],
            None if from.is_some() => {
                return Err(ParseError::Role {
                    name: dir
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                    message: format!("has no {kind} file '{stem}' in {}", base.display()),
                })
            }
            None => Vec::new(),
        }
    };
    let mut merged = Map::new();
    for path in files {
        let (src, node) = Source::load(&path)?;
        merged.extend(keywords::vars(&src, kind, &node)?);
    }
    Ok(merged)
}
