//! What `-i` takes, as with ansible-playbook: host lists (`'localhost,'`, `'h1,h2,'`),
//! inventory scripts, several sources, `ANSIBLE_INVENTORY`; and a broken inventory script
//! stopping the run before any host is touched.

mod support;

use std::process::Command;

use support::{run_troupe_with, Project, RunResult};

/// Writes a file per host into `{{ base }}`, over the local connection.
const PLAY: &str = r#"
- hosts: all
  connection: local
  gather_facts: false
  tasks:
    - name: mark the host
      copy: {content: "{{ colour | default('none') }}", dest: "{{ base }}/{{ inventory_hostname }}"}
"#;

fn project() -> Project {
    let p = Project::new();
    p.write("playbook.yml", PLAY);
    p
}

/// `troupe run playbook.yml -e base=... ARGS...` in the project, with no inventory of its own.
fn run(p: &Project, args: &[&str]) -> RunResult {
    run_troupe_with(
        Command::new(env!("CARGO_BIN_EXE_troupe"))
            .current_dir(p.path())
            .env_remove("ANSIBLE_INVENTORY")
            .args(["run", "playbook.yml", "-e"])
            .arg(format!("base={}", p.base().display()))
            .args(args),
    )
}

fn write_script(p: &Project, name: &str, text: &str) {
    use std::os::unix::fs::PermissionsExt;
    p.write(name, text);
    let path = p.path().join(name);
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// The hosts `--list-hosts` printed, in order.
fn listed_hosts(r: &RunResult) -> Vec<String> {
    r.stdout
        .lines()
        .skip_while(|l| !l.trim_start().starts_with("hosts ("))
        .skip(1)
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

#[test]
fn a_localhost_host_list_runs_a_local_play() {
    let p = project();
    let r = run(&p, &["-i", "localhost,"]);
    r.assert_ok();
    assert_eq!(p.read("localhost"), "none");
    assert_eq!(r.recap("localhost", "changed"), 1);
}

#[test]
fn host_lists_name_the_hosts_with_ranges_expanded() {
    let p = project();
    let r = run(&p, &["-i", "h1,h2,", "--list-hosts"]);
    r.assert_ok();
    assert_eq!(listed_hosts(&r), ["h1", "h2"]);
    let r = run(&p, &["-i", "web[1:3],db:2222", "--list-hosts"]);
    r.assert_ok();
    assert_eq!(listed_hosts(&r), ["web1", "web2", "web3", "db"]);
    assert!(p.snapshot().is_empty(), "listing ran tasks");
}

#[test]
fn several_sources_combine_and_the_environment_gives_comma_separated_paths() {
    let p = project();
    p.write("a.ini", "[web]\nw1\n");
    p.write("b.yml", "db:\n  hosts:\n    d1:\n");
    let r = run(
        &p,
        &["-i", "a.ini", "-i", "b.yml", "-i", "extra,", "--list-hosts"],
    );
    r.assert_ok();
    assert_eq!(listed_hosts(&r), ["w1", "d1", "extra"]);
    let r = run_troupe_with(
        Command::new(env!("CARGO_BIN_EXE_troupe"))
            .current_dir(p.path())
            .env("ANSIBLE_INVENTORY", "a.ini,b.yml")
            .args(["run", "playbook.yml", "--list-hosts"]),
    );
    r.assert_ok();
    assert_eq!(listed_hosts(&r), ["w1", "d1"]);
}

#[test]
fn an_inventory_script_gives_hosts_groups_and_variables() {
    let p = project();
    write_script(
        &p,
        "inventory.sh",
        r#"#!/bin/sh
if [ "$1" = "--list" ]; then
  cat <<'EOF'
{"web": {"hosts": ["w1", "w2"], "vars": {"colour": "blue"}},
 "db": ["d1"],
 "_meta": {"hostvars": {"w2": {"colour": "green"}}}}
EOF
else
  echo "unexpected: $*" >&2; exit 1
fi
"#,
    );
    // A bare file name: the script in the current directory, not a program in PATH.
    let r = run(&p, &["-i", "inventory.sh"]);
    r.assert_ok();
    assert_eq!(
        (p.read("w1"), p.read("w2"), p.read("d1")),
        ("blue".into(), "green".into(), "none".into())
    );
    let again = run(&p, &["-i", "inventory.sh"]);
    again.assert_ok();
    assert_eq!(again.recap("w1", "changed"), 0, "{}", again.stdout);
}

/// With a good source and the broken script `text`: exit code 1, an error with `parts`
/// that fits a screen, and nothing done on the good source's host.
fn assert_stops_before_any_host(text: &str, parts: &[&str]) {
    let p = project();
    p.write("static.ini", "localhost\n");
    write_script(&p, "cmdb.sh", text);
    let r = run(&p, &["-i", "static.ini", "-i", "cmdb.sh"]);
    assert_eq!(r.code, 1, "{r:?}");
    for part in parts {
        assert!(r.stderr.contains(part), "{part:?} missing: {}", r.stderr);
    }
    assert!(r.stderr.lines().count() < 25, "{}", r.stderr);
    let touched = p.snapshot();
    assert!(touched.is_empty(), "a host was touched: {touched:?}");
}

#[test]
fn an_inventory_script_that_fails_stops_the_run_before_any_host() {
    assert_stops_before_any_host(
        "#!/bin/sh\necho 'cmdb.example.org: connection refused' >&2\nexit 1\n",
        &["cmdb.sh --list", "exited with code 1", "connection refused"],
    );
}

#[test]
fn an_inventory_script_printing_garbage_stops_the_run_before_any_host() {
    assert_stops_before_any_host(
        "#!/bin/sh\necho '<html><body>502 Bad Gateway</body></html>'\n",
        &["cmdb.sh --list", "did not print JSON", "502 Bad Gateway"],
    );
}

#[test]
fn a_missing_source_without_a_comma_is_an_error_saying_how_to_write_a_host_list() {
    let p = project();
    let r = run(&p, &["-i", "web1"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stderr.contains("'host1,'"), "{}", r.stderr);
    assert!(p.snapshot().is_empty());
}

#[test]
fn version_prints_the_name_and_version() {
    let out = Command::new(env!("CARGO_BIN_EXE_troupe"))
        .arg("--version")
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        text.lines().next(),
        Some(format!("troupe {}", env!("CARGO_PKG_VERSION")).as_str())
    );
}
