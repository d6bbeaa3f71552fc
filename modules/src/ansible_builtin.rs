//! The names of the modules in Ansible's builtin collection, troupe's own list. A name here
//! that troupe does not implement is still a module a playbook may name: the task that runs
//! it fails, rather than the playbook failing to load.

/// Module names of `ansible.builtin` (engine actions such as `debug` included).
const NAMES: &[&str] = &[
    "add_host",
    "apt",
    "apt_key",
    "apt_repository",
    "assemble",
    "assert",
    "async_status",
    "blockinfile",
    "command",
    "copy",
    "cron",
    "deb822_repository",
    "debconf",
    "debug",
    "dnf",
    "dnf5",
    "dpkg_selections",
    "expect",
    "fail",
    "fetch",
    "file",
    "find",
    "gather_facts",
    "get_url",
    "getent",
    "git",
    "group",
    "group_by",
    "hostname",
    "import_playbook",
    "import_role",
    "import_tasks",
    "include_role",
    "include_tasks",
    "include_vars",
    "iptables",
    "known_hosts",
    "lineinfile",
    "meta",
    "mount_facts",
    "package",
    "package_facts",
    "pause",
    "ping",
    "pip",
    "raw",
    "reboot",
    "replace",
    "rpm_key",
    "script",
    "service",
    "service_facts",
    "set_fact",
    "set_stats",
    "setup",
    "shell",
    "slurp",
    "stat",
    "subversion",
    "systemd",
    "systemd_service",
    "sysvinit",
    "tempfile",
    "template",
    "unarchive",
    "uri",
    "user",
    "validate_argument_spec",
    "wait_for",
    "wait_for_connection",
    // Still accepted by Ansible, which sends it to `dnf`.
    "yum",
    "yum_repository",
];

/// Whether `short` (a name without `ansible.builtin.`) is a module Ansible ships.
pub fn is_ansible_module(short: &str) -> bool {
    NAMES.contains(&short)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_module_troupe_implements_is_an_ansible_module() {
        // `archive` is community.general's, which troupe implements too.
        for name in crate::registry::names().filter(|n| *n != "archive") {
            assert!(is_ansible_module(name), "{name} is missing from the list");
        }
    }
}
