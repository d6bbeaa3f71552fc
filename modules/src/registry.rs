//! The one list of modules. Each family folder lists its modules with [`family!`]; a module
//! says its own names, free-form options and controller files through [`Module`]'s
//! constants, and the engine asks for them here.

use serde_json::{Map, Value};

use crate::{
    accounts, commands, control, error::ModuleError, files, helpers::args, helpers::path_expand,
    helpers::path_info, module::Context, module::Module, packages, report::Report, services,
};

/// A module as the engine sees it: its names and properties, and one call that runs query,
/// then apply unless in check mode.
pub trait DynModule: Send + Sync {
    fn name(&self) -> &'static str;
    /// Other short names for the module (see [`Module::ALIASES`]).
    fn aliases(&self) -> &'static [&'static str];
    /// The `key=value` options of a free-form string, or `None` (see [`Module::FREE_FORM`]).
    fn free_form(&self) -> Option<&'static [&'static str]>;
    /// Where a controller-side `src` is looked up (see [`Module::CONTROLLER_SRC`]).
    fn controller_src(&self) -> Option<&'static str>;
    fn run(&self, args: &Map<String, Value>, cx: &Context) -> Result<Report, ModuleError>;
}

impl<M: Module> DynModule for M {
    fn name(&self) -> &'static str {
        M::NAME
    }
    fn aliases(&self) -> &'static [&'static str] {
        M::ALIASES
    }
    fn free_form(&self) -> Option<&'static [&'static str]> {
        M::FREE_FORM
    }
    fn controller_src(&self) -> Option<&'static str> {
        M::CONTROLLER_SRC
    }
    fn run(&self, raw: &Map<String, Value>, cx: &Context) -> Result<Report, ModuleError> {
        let expanded = expand_paths(raw, cx)?;
        let args: M::Args = args::parse(M::NAME, expanded.as_ref().unwrap_or(raw))?;
        let query = self.query(&args, cx)?;
        let mut report = query.report;
        report.diff = if cx.diff { query.diff } else { None };
        if let Some(change) = query.change {
            report.changed = true;
            if !cx.check_mode {
                let applied = self.apply(&args, change, cx)?;
                report.changed = applied.changed;
                report.failed = applied.failed;
                report.skipped = applied.skipped;
                report.fields.extend(applied.fields);
                if applied.diff.is_some() && cx.diff {
                    report.diff = applied.diff;
                }
            }
        }
        // After a change, from the target (one round trip, on the cold path only); an
        // unchanged module adds what its probe saw (`path_info::with_state`).
        let applied = report.changed && !cx.check_mode;
        if M::PATH_INFO && applied && report.failed.is_none() && !path_info::known(&report.fields) {
            if let Some(path) = path_info::named_path(&report.fields).map(str::to_owned) {
                path_info::add(cx.target, &path, &mut report.fields);
            }
        }
        Ok(report)
    }
}

/// Arguments Ansible types as `path`, by their usual names: expanded on the target (`~`,
/// `$HOME`) before the module reads them, as Ansible's modules do (`home` and `shell` are
/// user's). `src` is one only when it names a file on the target (`remote_src`).
const PATH_KEYS: &[&str] = &[
    "path", "dest", "chdir", "creates", "removes", "home", "shell",
];

/// `raw` with its path arguments expanded, or `None` when none needs it (no round trip).
fn expand_paths(
    raw: &Map<String, Value>,
    cx: &Context,
) -> Result<Option<Map<String, Value>>, ModuleError> {
    let remote_src = raw
        .get("remote_src")
        .and_then(crate::helpers::truth::boolean)
        .unwrap_or(false);
    let keys = PATH_KEYS.iter().copied().chain(remote_src.then_some("src"));
    let mut expanded: Option<Map<String, Value>> = None;
    for key in keys {
        let Some(Value::String(value)) = raw.get(key) else {
            continue;
        };
        if path_expand::needs_expansion(value) {
            let new = path_expand::expand(cx.target, value)?;
            expanded
                .get_or_insert_with(|| raw.clone())
                .insert(key.to_string(), Value::String(new));
        }
    }
    Ok(expanded)
}

/// Declares a family's module files and lists their modules for the registry: adding a
/// module is its file plus one line `file::Type,` in its family's `mod.rs`.
macro_rules! family {
    ($($file:ident :: $module:ident),* $(,)?) => {
        $(pub mod $file;)*
        /// This family's modules, as the registry lists them.
        pub(crate) const MODULES: &[&dyn $crate::registry::DynModule] = &[$(&$file::$module),*];
    };
}
pub(crate) use family;

/// Every family; each lists its own modules.
const FAMILIES: &[&[&dyn DynModule]] = &[
    files::MODULES,
    commands::MODULES,
    packages::MODULES,
    services::MODULES,
    accounts::MODULES,
    control::MODULES,
];

/// Every module troupe implements.
pub fn modules() -> impl Iterator<Item = &'static dyn DynModule> {
    FAMILIES.iter().flat_map(|family| family.iter().copied())
}

/// The module a playbook names, by its short name, an alias, or a long name
/// (`ansible.builtin.copy`, `ansible.legacy.copy`).
pub fn lookup(name: &str) -> Option<&'static dyn DynModule> {
    let short = short_name(name);
    modules().find(|m| m.name() == short || m.aliases().contains(&short))
}

/// Every name [`lookup`] finds a module by, without prefixes: names and aliases.
pub fn names() -> impl Iterator<Item = &'static str> {
    modules().flat_map(|m| std::iter::once(m.name()).chain(m.aliases().iter().copied()))
}

/// The collections whose names a playbook may write before a builtin's short name.
const BUILTIN_PREFIXES: &[&str] = &["ansible.builtin.", "ansible.legacy."];

/// A name of Ansible's builtin collection without its `ansible.builtin.`/`ansible.legacy.`
/// prefix: the one place long names become short.
pub fn short_name(name: &str) -> &str {
    BUILTIN_PREFIXES
        .iter()
        .find_map(|p| name.strip_prefix(p))
        .unwrap_or(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_long_and_alias_names_find_the_same_module() {
        for name in [
            "systemd",
            "systemd_service",
            "ansible.builtin.systemd",
            "ansible.legacy.systemd_service",
        ] {
            assert_eq!(lookup(name).map(|m| m.name()), Some("systemd"), "{name}");
        }
        assert!(lookup("ansible.builtin.nonesuch").is_none());
        assert!(lookup("community.general.copy").is_none());
    }

    #[test]
    fn names_are_unique() {
        let mut all: Vec<&str> = names().collect();
        let count = all.len();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), count, "a module name or alias is listed twice");
    }
}
