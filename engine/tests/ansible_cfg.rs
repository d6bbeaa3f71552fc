//! A repository laid out the way Ansible users lay theirs out, run with `troupe run site.yml`
//! and no other flag: ansible.cfg names the inventory (a script), the roles path, the vault
//! password file; group_vars are encrypted. And the ways a configuration goes wrong.

use std::{os::unix::fs::PermissionsExt, path::Path, process::Command};

use troupe_e2e::{run_troupe_with, RunResult};

fn troupe(dir: &Path, args: &[&str]) -> RunResult {
    run_troupe_with(
        Command::new(env!("CARGO_BIN_EXE_troupe"))
            .current_dir(dir)
            .env_remove("ANSIBLE_CONFIG")
            .env_remove("ANSIBLE_INVENTORY")
            .env_remove("ANSIBLE_FORKS")
            .args(args),
    )
}

fn write(dir: &Path, rel: &str, text: &str) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// The repository: everything the run needs comes from ansible.cfg.
fn repository() -> tempfile::TempDir {
    let repo = tempfile::tempdir().unwrap();
    let dir = repo.path();
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    write(
        dir,
        "ansible.cfg",
        "[defaults]\n\
         inventory = inventory/hosts.sh\n\
         roles_path = ./shared-roles\n\
         host_key_checking = False\n\
         vault_password_file = .vault-pass\n\
         forks = 3\n\
         retry_files_enabled = False\n\
         \n\
         [ssh_connection]\n\
         pipelining = True\n",
    );
    write(dir, ".vault-pass", "correct horse\n");
    write(
        dir,
        "inventory/hosts.sh",
        "#!/bin/sh\n\
         if [ \"$1\" = --list ]; then\n\
         echo '{\"web\": {\"hosts\": [\"web1\"]}, \"_meta\": {\"hostvars\": {\"web1\": {\"ansible_connection\": \"local\"}}}}'\n\
         else echo '{}'; fi\n",
    );
    std::fs::set_permissions(
        dir.join("inventory/hosts.sh"),
        std::fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    write(
        dir,
        "inventory/group_vars/web.yml",
        "db_password: hunter2\nport: 8080\n",
    );
    write(
        dir,
        "site.yml",
        "- hosts: web\n  gather_facts: false\n  roles: [app]\n",
    );
    write(
        dir,
        "shared-roles/app/tasks/main.yml",
        "- copy:\n    content: \"port={{ port }} password={{ db_password }}\\n\"\n    dest: \"{{ playbook_dir }}/out/app.conf\"\n    mode: \"0600\"\n",
    );
    std::fs::create_dir_all(dir.join("out")).unwrap();
    let encrypted = troupe(
        dir,
        &[
            "vault",
            "encrypt",
            "--vault-password-file",
            ".vault-pass",
            "inventory/group_vars/web.yml",
        ],
    );
    assert_eq!(encrypted.code, 0, "{}", encrypted.stderr);
    repo
}

#[test]
fn a_repository_runs_from_its_ansible_cfg_alone() {
    let repo = repository();
    let dir = repo.path();
    assert!(
        std::fs::read_to_string(dir.join("inventory/group_vars/web.yml"))
            .unwrap()
            .starts_with("$ANSIBLE_VAULT;1.1;AES256")
    );
    let first = troupe(dir, &["run", "site.yml"]);
    first.assert_ok();
    assert_eq!(
        std::fs::read_to_string(dir.join("out/app.conf")).unwrap(),
        "port=8080 password=hunter2\n"
    );
    assert_eq!(first.recap("web1", "changed"), 1);
    let second = troupe(dir, &["run", "site.yml"]);
    second.assert_ok();
    assert_eq!(second.recap("web1", "changed"), 0);
}

#[test]
fn config_dump_says_where_each_value_came_from() {
    let repo = repository();
    let dir = repo.path();
    let dump = run_troupe_with(
        Command::new(env!("CARGO_BIN_EXE_troupe"))
            .current_dir(dir)
            .env_remove("ANSIBLE_CONFIG")
            .env("ANSIBLE_FORKS", "9")
            .args(["config", "dump", "--only-changed"]),
    );
    assert_eq!(dump.code, 0, "{}", dump.stderr);
    assert!(dump
        .stdout
        .contains("DEFAULT_HOST_LIST(ansible.cfg) = inventory/hosts.sh\n"));
    assert!(dump
        .stdout
        .contains("HOST_KEY_CHECKING(ansible.cfg) = False\n"));
    assert!(dump
        .stdout
        .contains("DEFAULT_FORKS(env: ANSIBLE_FORKS) = 9\n"));
    assert!(!dump.stdout.contains("(default)"), "{}", dump.stdout);
    let all = troupe(dir, &["config", "dump"]);
    assert!(all.stdout.contains("DEFAULT_BECOME_USER(default) = root\n"));
}

#[test]
fn unknown_settings_are_listed_under_verbose_never_an_error() {
    let repo = repository();
    let dir = repo.path();
    let mut cfg = std::fs::read_to_string(dir.join("ansible.cfg")).unwrap();
    cfg.push_str("[defaults]\nsome_future_setting = 1\n");
    write(dir, "ansible.cfg", &cfg);
    let quiet = troupe(dir, &["run", "site.yml"]);
    quiet.assert_ok();
    assert!(!quiet.stdout.contains("some_future_setting"));
    let verbose = troupe(dir, &["run", "site.yml", "-v"]);
    verbose.assert_ok();
    assert!(verbose
        .stdout
        .contains("settings troupe does not use: [defaults] some_future_setting"));
}

#[test]
fn a_broken_configuration_stops_before_any_host() {
    let repo = repository();
    let dir = repo.path();
    for (cfg, says) in [
        (
            "[defaults\ninventory = x\n",
            "ansible.cfg:1: a section header needs its closing ']'",
        ),
        (
            "[defaults]\nforks = many\n",
            "ansible.cfg:2: DEFAULT_FORKS must be a whole number",
        ),
        (
            "[defaults]\njust words\n",
            "ansible.cfg:2: expected 'key = value'",
        ),
    ] {
        write(dir, "ansible.cfg", cfg);
        let r = troupe(dir, &["run", "site.yml"]);
        assert_eq!(r.code, 1, "{}", r.stdout);
        assert!(r.stderr.contains(says), "{}", r.stderr);
        assert!(!dir.join("out/app.conf").exists());
    }
}

#[test]
fn an_ansible_cfg_in_a_world_writable_directory_is_ignored_with_a_warning() {
    let repo = repository();
    let dir = repo.path();
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    let r = troupe(dir, &["run", "site.yml", "-i", "web1,", "-c", "local"]);
    assert!(
        r.stderr.contains("world writable directory"),
        "{}",
        r.stderr
    );
    // Without the file's vault password, the encrypted group_vars of the file's inventory
    // are not read: the -i host list runs with no variables from it.
    assert!(!dir.join("out/app.conf").exists());
}
