//! State shared while one play (or one run-time include) is loaded: options, where the
//! playbook lives, which roles were already used, and the files being read (to refuse cycles).

use std::{
    collections::HashSet,
    path::{Path, PathBuf},
    sync::Arc,
};

use super::{parse_error::Source, parse_task, ParseError, Role, Task};

/// How playbooks and roles are found.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Extra role directories, searched after `<playbook dir>/roles` and before the
    /// playbook directory itself.
    pub roles_path: Vec<PathBuf>,
    /// Where `namespace.collection.role` is looked for (each `ansible_collections/<ns>/<col>`),
    /// after `<playbook dir>/collections`.
    pub collections_path: Vec<PathBuf>,
}

pub(crate) struct Loader<'o> {
    pub opts: &'o LoadOptions,
    /// The directory of the playbook: `roles/` and relative imports are looked up from it.
    pub play_dir: PathBuf,
    /// Role uses already loaded in this play: Ansible runs a role once per play unless its
    /// parameters differ or it allows duplicates.
    pub roles_seen: HashSet<String>,
    /// Handlers of the roles used in this play, in load order, each role's once.
    pub role_handlers: Vec<Task>,
    pub handlers_seen: HashSet<String>,
    /// Files and roles being loaded, outermost first.
    stack: Vec<PathBuf>,
}

/// Where the tasks being parsed come from.
pub(crate) struct TaskCtx<'s> {
    pub src: &'s Source,
    pub role: Option<Arc<Role>>,
    /// Handlers may `listen`.
    pub in_handlers: bool,
}

impl<'o> Loader<'o> {
    pub fn new(opts: &'o LoadOptions, play_dir: &Path) -> Self {
        Loader {
            opts,
            play_dir: play_dir.to_path_buf(),
            roles_seen: HashSet::new(),
            role_handlers: Vec::new(),
            handlers_seen: HashSet::new(),
            stack: Vec::new(),
        }
    }

    /// Runs `load` with `path` marked as being loaded; `Err(chain)` if it already is.
    pub fn enter<T>(
        &mut self,
        path: &Path,
        load: impl FnOnce(&mut Self) -> Result<T, ParseError>,
    ) -> Result<Result<T, ParseError>, String> {
        let key = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
        if let Some(first) = self.stack.iter().position(|p| *p == key) {
            let chain: Vec<String> = self.stack[first..]
                .iter()
                .chain([&key])
                .map(|p| p.display().to_string())
                .collect();
            return Err(chain.join(" -> "));
        }
        self.stack.push(key);
        let result = load(self);
        self.stack.pop();
        Ok(result)
    }

    /// Parses a file of tasks (an empty file has none).
    pub fn tasks_file(
        &mut self,
        path: &Path,
        role: Option<Arc<Role>>,
        in_handlers: bool,
    ) -> Result<Vec<Task>, ParseError> {
        let (src, root) = Source::load(path)?;
        let cx = TaskCtx {
            src: &src,
            role,
            in_handlers,
        };
        parse_task::parse_tasks(self, &cx, &root, "a file of tasks")
    }
}

/// Loads a file of tasks, as `include_tasks` does at run time; `role` is set on each task.
/// Roles its `import_role`s name are looked for as the playbook's own are (`play_dir`).
pub fn load_tasks_file(
    path: &Path,
    play_dir: &Path,
    role: Option<Arc<Role>>,
    opts: &LoadOptions,
) -> Result<Vec<Task>, ParseError> {
    Loader::new(opts, play_dir).tasks_file(path, role, false)
}

/// The first of `dirs` joined with `file` that exists; `Err` lists the places tried.
pub(crate) fn find_file(file: &str, dirs: &[PathBuf]) -> Result<PathBuf, Vec<PathBuf>> {
    let candidates: Vec<PathBuf> = if Path::new(file).is_absolute() {
        vec![PathBuf::from(file)]
    } else {
        let mut all: Vec<PathBuf> = dirs.iter().map(|d| d.join(file)).collect();
        all.dedup();
        all
    };
    candidates
        .iter()
        .find(|c| c.is_file())
        .cloned()
        .ok_or(candidates)
}

/// "a, b or c" for messages listing paths.
pub(crate) fn list_paths(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}
