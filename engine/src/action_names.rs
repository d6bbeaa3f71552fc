//! What a task's action name means. The parser accepts a name, and the runner runs it, through
//! [`resolve`] alone: an engine action (the list below), a troupe module (asked of the module
//! registry), an Ansible module troupe does not implement or a playbook's or role's own
//! Python plugin (both accepted, failing only the task that runs them), or a name that is no
//! module at all (a load-time error with "did you mean").

use std::path::{Path, PathBuf};

use troupe_modules::{ansible_builtin, registry, DynModule};

/// An action the engine runs itself: it needs variables, templates, the inventory or the play.
#[derive(Debug)]
pub struct EngineAction {
    pub name: &'static str,
    /// As a module's `FREE_FORM`: the `key=value` options of a free-form string, or `None`
    /// when a string of arguments is all `key=value`.
    pub free_form: Option<&'static [&'static str]>,
}

const fn engine(name: &'static str) -> EngineAction {
    EngineAction {
        name,
        free_form: None,
    }
}

const fn free_form_action(name: &'static str, options: &'static [&'static str]) -> EngineAction {
    EngineAction {
        name,
        free_form: Some(options),
    }
}

/// Every engine action, listed once.
pub const ENGINE_ACTIONS: &[EngineAction] = &[
    engine("debug"),
    engine("set_fact"),
    engine("assert"),
    engine("fail"),
    engine("template"),
    free_form_action(
        "include_vars",
        &[
            "file",
            "name",
            "dir",
            "depth",
            "files_matching",
            "ignore_files",
            "extensions",
            "hash_behaviour",
        ],
    ),
    free_form_action("meta", &[]),
    free_form_action("include_tasks", &["file"]),
    free_form_action("import_tasks", &["file"]),
    engine("include_role"),
    engine("import_role"),
    engine("setup"),
    engine("gather_facts"),
    engine("add_host"),
    engine("group_by"),
    engine("async_status"),
];

/// What a name resolves to.
#[derive(Clone, Copy)]
pub enum Resolved {
    Engine(&'static EngineAction),
    Module(&'static dyn DynModule),
}

/// Why a name a playbook may write cannot run. The parser accepts the first two; the task
/// fails with this text when it runs (a task skipped by `when` never does).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unrunnable {
    #[error("troupe does not implement the Ansible module '{0}'")]
    NotImplemented(String),
    #[error(
        "'{name}' is a custom plugin ({}); troupe does not run custom Python modules or action plugins",
        path.display()
    )]
    CustomPlugin { name: String, path: PathBuf },
    #[error("no module named '{0}'")]
    Unknown(String),
    /// A template named an action only the parser handles (`include_tasks`, `meta`...).
    #[error("'{0}' cannot be named by a template")]
    Templated(String),
}

/// Where a task's own plugins may be: its role's and the playbook's `library/` and
/// `action_plugins/` folders.
pub struct PluginDirs {
    dirs: Vec<PathBuf>,
}

impl PluginDirs {
    pub fn new(role: Option<&Path>, play_dir: &Path) -> Self {
        let bases = role.into_iter().chain(std::iter::once(play_dir));
        let dirs = bases
            .flat_map(|b| [b.join("library"), b.join("action_plugins")])
            .collect();
        PluginDirs { dirs }
    }

    /// No folders: names resolve to engine actions and modules only.
    pub fn none() -> Self {
        PluginDirs { dirs: Vec::new() }
    }

    /// A file named `name` (with any extension) in one of the folders.
    fn find(&self, name: &str) -> Option<PathBuf> {
        self.dirs.iter().find_map(|dir| {
            let entries = std::fs::read_dir(dir).ok()?;
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .find(|p| p.is_file() && p.file_stem().and_then(|s| s.to_str()) == Some(name))
        })
    }
}

/// The engine action or module `name` (short, long or alias) runs, or why it cannot.
pub fn resolve(name: &str, plugins: &PluginDirs) -> Result<Resolved, Unrunnable> {
    let short = registry::short_name(name);
    if let Some(action) = ENGINE_ACTIONS.iter().find(|a| a.name == short) {
        return Ok(Resolved::Engine(action));
    }
    if let Some(module) = registry::lookup(short) {
        return Ok(Resolved::Module(module));
    }
    if let Some(path) = plugins.find(short) {
        return Err(Unrunnable::CustomPlugin {
            name: short.to_string(),
            path,
        });
    }
    if ansible_builtin::is_ansible_module(short) {
        return Err(Unrunnable::NotImplemented(short.to_string()));
    }
    Err(Unrunnable::Unknown(name.to_string()))
}

/// Whether the parser accepts `name` as a task's action: anything but a name that is no module
/// at all. A templated name (`"{{ mod }}"`) is resolved when the task runs.
pub fn accepts(name: &str, plugins: &PluginDirs) -> bool {
    is_templated(name) || !matches!(resolve(name, plugins), Err(Unrunnable::Unknown(_)))
}

/// Whether `name` is an action of troupe's or of Ansible's builtin collection, whatever the
/// playbook's plugins: what makes a misplaced key worth a hint.
pub fn is_action(name: &str) -> bool {
    let short = registry::short_name(name);
    known_names().any(|n| n == short) || ansible_builtin::is_ansible_module(short)
}

/// A name to be rendered when the task runs.
pub fn is_templated(name: &str) -> bool {
    name.contains("{{")
}

/// The names troupe runs, for "did you mean".
pub fn known_names() -> impl Iterator<Item = &'static str> {
    ENGINE_ACTIONS
        .iter()
        .map(|a| a.name)
        .chain(registry::names())
}

/// The `key=value` options of `name`'s free-form string: `Some` for free-form actions.
/// `None` for the rest, and for names troupe cannot run.
pub fn free_form(name: &str) -> Option<&'static [&'static str]> {
    match resolve(name, &PluginDirs::none()) {
        Ok(Resolved::Engine(a)) => a.free_form,
        Ok(Resolved::Module(m)) => m.free_form(),
        Err(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_plugins() -> PluginDirs {
        PluginDirs::none()
    }

    /// Every name the parser accepts without plugins or templates, in each of its forms.
    fn accepted_names() -> Vec<String> {
        known_names()
            .flat_map(|n| {
                [
                    n.to_string(),
                    format!("ansible.builtin.{n}"),
                    format!("ansible.legacy.{n}"),
                ]
            })
            .collect()
    }

    #[test]
    fn every_accepted_name_resolves_to_something_that_runs() {
        for name in accepted_names() {
            assert!(accepts(&name, &no_plugins()), "{name}");
            match resolve(&name, &no_plugins()) {
                Ok(Resolved::Engine(a)) => assert!(!a.name.is_empty()),
                Ok(Resolved::Module(m)) => assert!(!m.name().is_empty()),
                Err(e) => panic!("{name}: {e}"),
            }
        }
    }

    #[test]
    fn engine_actions_and_modules_do_not_share_a_name() {
        for a in ENGINE_ACTIONS {
            assert!(registry::lookup(a.name).is_none(), "{}", a.name);
        }
    }

    #[test]
    fn ansible_modules_troupe_lacks_are_accepted_but_do_not_run() {
        for name in ["dnf", "ansible.builtin.yum", "pip", "get_url", "assemble"] {
            assert!(accepts(name, &no_plugins()), "{name}");
            let short = registry::short_name(name).to_string();
            assert_eq!(
                resolve(name, &no_plugins()).err(),
                Some(Unrunnable::NotImplemented(short))
            );
        }
        assert!(matches!(
            resolve("systemd_service", &no_plugins()),
            Ok(Resolved::Module(m)) if m.name() == "systemd"
        ));
    }

    #[test]
    fn typos_and_other_collections_are_not_accepted() {
        for name in [
            "shel",
            "debgu",
            "community.general.ufw",
            "ansible.builtin.nonesuch",
        ] {
            assert!(!accepts(name, &no_plugins()), "{name}");
        }
        assert!(accepts("{{ mod }}", &no_plugins()));
    }

    #[test]
    fn a_roles_own_plugins_are_found() {
        let dir = tempfile::tempdir().unwrap();
        let role = dir.path().join("roles/r");
        std::fs::create_dir_all(role.join("library")).unwrap();
        std::fs::write(role.join("library/my_mod.py"), "").unwrap();
        let plugins = PluginDirs::new(Some(&role), dir.path());
        assert!(accepts("my_mod", &plugins));
        assert!(matches!(
            resolve("my_mod", &plugins),
            Err(Unrunnable::CustomPlugin { name, .. }) if name == "my_mod"
        ));
        assert!(!accepts("my_mod", &PluginDirs::new(None, dir.path())));
    }

    #[test]
    fn free_form_options_come_from_the_action() {
        assert_eq!(free_form("ansible.builtin.meta"), Some(&[][..]));
        assert!(free_form("shell").unwrap().contains(&"chdir"));
        assert_eq!(free_form("copy"), None);
        assert_eq!(free_form("dnf"), None);
    }
}
