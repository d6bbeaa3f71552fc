use std::time::Duration;

use serde_json::json;

use super::*;
use crate::inventory::script_process::{self, Limits, RunProblem};
use crate::inventory::{InventoryError, ScriptProblem};

/// A script printing `listing` for `--list`, and for `--host NAME` the contents of the file
/// `host-NAME.json` beside it (or nothing), logging each call to `calls.log`.
fn script(dir: &Dir, listing: &str) -> PathBuf {
    dir.write("listing.json", listing);
    let text = r#"#!/bin/sh
here=$(dirname "$0")
echo "$*" >> "$here/calls.log"
case "$1" in
  --list) cat "$here/listing.json" ;;
  --host) [ -f "$here/host-$2.json" ] && cat "$here/host-$2.json" ;;
  *) echo "usage: $0 --list | --host NAME" >&2; exit 2 ;;
esac
exit 0
"#;
    dir.write_executable("inventory.sh", text)
}

fn calls(dir: &Dir) -> String {
    std::fs::read_to_string(dir.path().join("calls.log")).unwrap_or_default()
}

fn load_err(path: PathBuf) -> InventoryError {
    Inventory::load(&[path]).expect_err("the inventory should not load")
}

fn assert_mentions(err: &InventoryError, parts: &[&str]) {
    let text = err.to_string();
    for part in parts {
        assert!(text.contains(part), "{part:?} missing from: {text}");
    }
}

#[test]
fn scripts_list_groups_children_vars_and_meta_hostvars() {
    let dir = Dir::new();
    let listing = json!({
        "web": {"hosts": ["w1", "w2"], "vars": {"tier": "front"}, "children": ["canary"]},
        "canary": ["c1"],
        "db": {"hosts": ["d1"]},
        "all": {"vars": {"site": "lab"}},
        "_meta": {"hostvars": {"w1": {"ansible_host": "10.0.0.1"}, "d1": {"id": 7}}}
    });
    let path = script(&dir, &listing.to_string());
    let inv = Inventory::load(&[path]).unwrap();
    assert_eq!(inv.groups()["web"], names(&["w1", "w2", "c1"]));
    assert_eq!(inv.groups()["canary"], names(&["c1"]));
    assert_eq!(inv.group_names("c1"), names(&["canary", "web"]));
    let w1 = inv.host_vars("w1");
    assert_eq!(
        (&w1["ansible_host"], &w1["tier"], &w1["site"]),
        (&json!("10.0.0.1"), &json!("front"), &json!("lab"))
    );
    assert_eq!(inv.host_vars("d1")["id"], json!(7));
    assert_eq!(calls(&dir), "--list\n", "with _meta, --host is never asked");
}

#[test]
fn scripts_without_meta_are_asked_for_each_host() {
    let dir = Dir::new();
    let path = script(&dir, r#"{"web": ["w1", "w2"], "db": {"hosts": ["w1"]}}"#);
    dir.write("host-w1.json", r#"{"port_for_w1": 8080}"#);
    let inv = Inventory::load(&[path]).unwrap();
    assert_eq!(inv.host_vars("w1")["port_for_w1"], json!(8080));
    assert!(!inv.host_vars("w2").contains_key("port_for_w1"));
    assert_eq!(calls(&dir), "--list\n--host w1\n--host w2\n");
}

#[test]
fn scripts_group_of_plain_variables_is_a_host_of_that_name() {
    let dir = Dir::new();
    let path = script(
        &dir,
        r#"{"solo": {"colour": "red"}, "_meta": {"hostvars": {}}}"#,
    );
    let inv = Inventory::load(&[path]).unwrap();
    assert_eq!(inv.groups()["solo"], names(&["solo"]));
    assert_eq!(inv.host_vars("solo")["colour"], json!("red"));
}

#[test]
fn scripts_that_fail_are_errors_naming_the_script_with_its_stderr_and_code() {
    let dir = Dir::new();
    let path = dir.write_executable(
        "cmdb.py",
        "#!/bin/sh\necho 'Traceback: connection refused to cmdb:443' >&2\nexit 3\n",
    );
    let err = load_err(path.clone());
    assert!(
        matches!(
            &err,
            InventoryError::Script {
                problem: ScriptProblem::Run(RunProblem::Failed { .. }),
                ..
            }
        ),
        "{err:?}"
    );
    let path = path.display().to_string();
    let parts = [&path, "--list", "code 3", "connection refused to cmdb:443"];
    assert_mentions(&err, &parts);
}

#[test]
fn scripts_printing_garbage_are_errors_showing_what_they_printed() {
    let dir = Dir::new();
    let path = dir.write_executable(
        "inv",
        "#!/bin/sh\necho 'Welcome to the CMDB shell'\necho 'debug: token expired' >&2\n",
    );
    let err = load_err(path.clone());
    assert!(
        matches!(
            &err,
            InventoryError::Script {
                problem: ScriptProblem::NotJson { .. },
                ..
            }
        ),
        "{err:?}"
    );
    let path = path.display().to_string();
    let parts = [
        &path,
        "did not print JSON",
        "Welcome to the CMDB",
        "token expired",
    ];
    assert_mentions(&err, &parts);
    let silent = dir.write_executable("silent", "#!/bin/sh\nexit 0\n");
    let text = load_err(silent).to_string();
    assert!(text.contains("printed nothing"), "{text}");
}

#[test]
fn scripts_with_a_wrong_structure_are_errors_naming_the_group() {
    let dir = Dir::new();
    let cases = [
        (r#"["w1"]"#, "not a mapping of groups"),
        (
            r#"{"web": {"hosts": "w1"}}"#,
            r#"group "web": "hosts" must be a list"#,
        ),
        (
            r#"{"web": {"vars": [1]}}"#,
            r#"group "web": "vars" must be a mapping"#,
        ),
        (r#"{"web": [1]}"#, "names must be strings, found 1"),
        (
            r#"{"web": ["w1"], "_meta": {"hostvars": {"w1": "x"}}}"#,
            r#"variables of host "w1" must be a mapping"#,
        ),
        (
            r#"{"a": {"children": ["b"]}, "b": {"children": ["a"]}}"#,
            "creates a loop",
        ),
    ];
    for (listing, message) in cases {
        let path = script(&dir, listing);
        let text = load_err(path).to_string();
        assert!(text.contains(message), "{listing}: {text}");
        assert!(text.contains("inventory.sh --list"), "{listing}: {text}");
    }
}

#[test]
fn scripts_failing_on_a_host_question_name_it() {
    let dir = Dir::new();
    dir.write("listing.json", r#"{"web": ["w1"]}"#);
    let path = dir.write_executable(
        "inv.sh",
        "#!/bin/sh\n[ \"$1\" = --list ] && cat \"$(dirname \"$0\")/listing.json\" && exit 0\necho \"no such host $2\" >&2\nexit 1\n",
    );
    let text = load_err(path).to_string();
    assert!(
        text.contains("--host w1") && text.contains("no such host w1"),
        "{text}"
    );
}

#[test]
fn scripts_stderr_of_a_successful_run_is_a_warning() {
    let dir = Dir::new();
    let path = dir.write_executable(
        "inv.sh",
        "#!/bin/sh\necho 'cache is stale' >&2\necho '{\"web\": [\"w1\"], \"_meta\": {\"hostvars\": {}}}'\n",
    );
    let inv = Inventory::load(&[path]).unwrap();
    assert_eq!(inv.select("web").unwrap(), names(&["w1"]));
    assert!(
        inv.warnings().iter().any(|w| w.contains("cache is stale")),
        "{:?}",
        inv.warnings()
    );
}

#[test]
fn scripts_are_executables_that_can_run_other_files_are_read_as_inventories() {
    let dir = Dir::new();
    // Not executable, though it starts with #!: Ansible cannot run it and reads it as INI.
    let plain = dir.write("hosts", "#!/bin/sh\nw1\n");
    assert_eq!(
        Inventory::load(&[plain]).unwrap().select("all").unwrap(),
        names(&["w1"])
    );
    // Executable without #! (a checkout that marks every file executable): not a program.
    let marked = dir.write_executable("hosts.ini", "[web]\nw2\n");
    assert_eq!(
        Inventory::load(&[marked]).unwrap().select("web").unwrap(),
        names(&["w2"])
    );
}

#[test]
fn scripts_are_stopped_when_they_print_too_much() {
    let dir = Dir::new();
    let path = dir.write_executable("big", "#!/bin/sh\nwhile :; do echo 0123456789; done\n");
    let limits = Limits {
        timeout: Duration::from_secs(120),
        max_output: 4096,
    };
    let err = script_process::run(&path, &["--list"], &limits).unwrap_err();
    assert!(matches!(err, RunProblem::TooMuchOutput(4096)), "{err:?}");
}

#[test]
fn scripts_are_stopped_with_what_they_started_when_they_take_too_long() {
    let dir = Dir::new();
    // The background sleep keeps stdout open after the script itself is gone.
    let path = dir.write_executable("slow", "#!/bin/sh\nsleep 600 &\nexec sleep 600\n");
    let limits = Limits {
        timeout: Duration::from_millis(300),
        max_output: 4096,
    };
    let err = script_process::run(&path, &["--list"], &limits).unwrap_err();
    assert!(matches!(err, RunProblem::TimedOut(_)), "{err:?}");
}

#[test]
fn scripts_mix_with_other_sources_in_a_directory() {
    let dir = Dir::new();
    dir.write_executable(
        "inv/10-cmdb.sh",
        "#!/bin/sh\necho '{\"web\": [\"w1\"], \"_meta\": {\"hostvars\": {\"w1\": {\"from\": \"script\"}}}}'\n",
    );
    dir.write("inv/20-static.ini", "[web]\nw2\n");
    dir.write("inv/30-more.yml", "db:\n  hosts:\n    d1:\n");
    dir.write("inv/40-edge.toml", "[edge.hosts]\ne1 = {}\n");
    dir.write("inv/ansible.cfg", "[defaults]\nforks = 5\n");
    dir.write("inv/20-static.ini.orig", "[broken\n");
    dir.write("inv/old.retry", "w9\n");
    dir.write("inv/notes~", "[broken\n");
    dir.write("inv/group_vars/web.yml", "tier: front\n");
    let inv = Inventory::load(&[dir.path().join("inv")]).unwrap();
    assert_eq!(inv.select("all").unwrap(), names(&["w1", "w2", "d1", "e1"]));
    assert_eq!(inv.host_vars("w1")["from"], json!("script"));
    assert_eq!(inv.host_vars("w2")["tier"], json!("front"));
}
