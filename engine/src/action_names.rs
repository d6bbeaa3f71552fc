//! Every action name a task may use, so the parser can tell a module from a typo'd keyword
//! before anything runs.

/// Run inside the engine: they need variables, templates or the play itself.
pub const ENGINE_ACTIONS: &[&str] = &[
    "debug",
    "set_fact",
    "assert",
    "fail",
    "template",
    "include_vars",
    "meta",
    "include_tasks",
    "import_tasks",
    "include_role",
    "import_role",
    "setup",
    "gather_facts",
    "add_host",
    "group_by",
];

/// Provided by `troupe_modules`.
pub const MODULES: &[&str] = &[
    "command",
    "shell",
    "raw",
    "script",
    "copy",
    "file",
    "lineinfile",
    "replace",
    "blockinfile",
    "stat",
    "fetch",
    "slurp",
    "find",
    "archive",
    "unarchive",
    "service",
    "systemd",
    "cron",
    "package",
    "apt",
    "user",
    "group",
    "wait_for",
    "pause",
    "ping",
];

/// Whether `name` (with or without `ansible.builtin.`) is an action troupe knows.
pub fn is_action(name: &str) -> bool {
    let short = name.strip_prefix("ansible.builtin.").unwrap_or(name);
    ENGINE_ACTIONS.contains(&short) || MODULES.contains(&short)
}
