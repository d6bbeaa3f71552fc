use serde_json::json;

use super::*;
use crate::inventory::{IniProblem, InventoryError};

const SAMPLE: &str = r#"
# a comment
loose1 ansible_port=2222
; another comment

[web]
web1 http_port=8080 msg="hello world" quoted='5' flag=True other=yes mode=0644 list="[1, 'a']"
web2

[web:vars]
http_port=80
greeting = "hi there"   # trailing comment
raw = some text # not a comment for strings

[prod:children]
web
db

[db]
db[1:3].example.com:5432

[all:vars]
ntp=pool.ntp.org
"#;

#[test]
fn ini_sections_hosts_and_ungrouped() {
    let inv = Dir::new().load("hosts.ini", SAMPLE);
    let groups = inv.groups();
    assert_eq!(
        groups.keys().collect::<Vec<_>>(),
        ["all", "ungrouped", "web", "prod", "db"]
    );
    assert_eq!(groups["ungrouped"], names(&["loose1"]));
    assert_eq!(groups["web"], names(&["web1", "web2"]));
    assert_eq!(
        groups["prod"],
        names(&[
            "web1",
            "web2",
            "db1.example.com",
            "db2.example.com",
            "db3.example.com"
        ])
    );
    assert_eq!(inv.group("prod").unwrap().children, names(&["web", "db"]));
    assert_eq!(inv.group_names("db2.example.com"), names(&["db", "prod"]));
}

#[test]
fn ini_inline_values_read_as_python_literals() {
    let inv = Dir::new().load("hosts.ini", SAMPLE);
    let web1 = &inv.host("web1").unwrap().vars;
    assert_eq!(web1["http_port"], json!(8080));
    assert_eq!(web1["msg"], json!("hello world"));
    // The shell-style quotes are gone before the literal is read, as in Ansible.
    assert_eq!(web1["quoted"], json!(5));
    assert_eq!(web1["flag"], json!(true));
    assert_eq!(web1["other"], json!("yes"));
    assert_eq!(web1["mode"], json!("0644"));
    assert_eq!(web1["list"], json!([1, "a"]));
    assert_eq!(inv.host_vars("loose1")["ansible_port"], json!(2222));
    assert_eq!(
        inv.host_vars("db1.example.com")["ansible_port"],
        json!(5432)
    );
}

#[test]
fn ini_group_vars_sections() {
    let inv = Dir::new().load("hosts.ini", SAMPLE);
    let web = &inv.group("web").unwrap().vars;
    assert_eq!(web["http_port"], json!(80));
    assert_eq!(web["greeting"], json!("hi there"));
    assert_eq!(web["raw"], json!("some text # not a comment for strings"));
    assert_eq!(inv.host_vars("web2")["http_port"], json!(80));
    assert_eq!(inv.host_vars("web1")["http_port"], json!(8080));
    assert_eq!(inv.host_vars("loose1")["ntp"], json!("pool.ntp.org"));
}

#[test]
fn ini_later_definitions_win() {
    let inv = Dir::new().load(
        "hosts",
        "[a]\nh x=1 y=1\n[b]\nh y=2\n[a:vars]\nv=1\n[a:vars]\nv=2\n",
    );
    assert_eq!(
        inv.host("h").unwrap().vars,
        json!({"x": 1, "y": 2}).as_object().unwrap().clone()
    );
    assert_eq!(inv.group("a").unwrap().vars["v"], json!(2));
}

#[test]
fn ini_host_in_ungrouped_and_a_group_is_only_in_the_group() {
    let inv = Dir::new().load("hosts.ini", "h1\nh2\n[g]\nh1\n");
    assert_eq!(inv.groups()["ungrouped"], names(&["h2"]));
    assert_eq!(inv.group_names("h1"), names(&["g"]));
    assert_eq!(inv.group_names("h2"), names(&["ungrouped"]));
}

fn ini_error(text: &str) -> (usize, IniProblem) {
    let dir = Dir::new();
    let path = dir.write("hosts.ini", text);
    match Inventory::load(&[path]) {
        Err(InventoryError::Ini { line, problem, .. }) => (line, problem),
        other => panic!("expected an INI error, got {other:?}"),
    }
}

#[test]
fn ini_errors_carry_the_line() {
    let (line, problem) = ini_error("[a]\nh1\n[a:children]\nmissing\n");
    assert_eq!(line, 4);
    assert!(
        matches!(problem, IniProblem::UndefinedChild { ref parent, ref child } if parent == "a" && child == "missing")
    );

    let (line, problem) = ini_error("\n[ghost:vars]\nx=1\n");
    assert_eq!(line, 2);
    assert!(matches!(problem, IniProblem::VarsForUndefinedGroup(ref g) if g == "ghost"));

    let (line, problem) = ini_error("[a:hostz]\n");
    assert_eq!(line, 1);
    assert!(matches!(problem, IniProblem::UnknownSectionType { .. }));

    let (line, problem) = ini_error("[a]\nh1 novalue\n");
    assert_eq!(line, 2);
    assert!(matches!(problem, IniProblem::ExpectedHostVar(ref t) if t == "novalue"));

    let (_, problem) = ini_error("[a b]\n");
    assert!(matches!(problem, IniProblem::InvalidSection(_)));

    let (_, problem) = ini_error("[a]\nh1 x='unclosed\n");
    assert!(matches!(problem, IniProblem::HostLine { .. }));

    let (_, problem) = ini_error("[a]\nweb[1:]\n");
    assert!(matches!(problem, IniProblem::HostRange(_)));
}

#[test]
fn ini_children_may_be_declared_before_their_groups_and_vars_after() {
    let inv = Dir::new().load(
        "hosts.ini",
        "[parent:children]\nkid\n[kid:vars]\nk=1\n[kid]\nh\n[parent:vars]\np=1\n",
    );
    assert_eq!(inv.groups()["parent"], names(&["h"]));
    assert_eq!(inv.host_vars("h")["k"], json!(1));
    assert_eq!(inv.host_vars("h")["p"], json!(1));
}

#[test]
fn ini_ranges_with_steps_and_letters() {
    let inv = Dir::new().load("hosts.ini", "[g]\nn[01:05:2]\nx-[a:c]\n");
    assert_eq!(
        inv.groups()["g"],
        names(&["n01", "n03", "n05", "x-a", "x-b", "x-c"])
    );
}
