use serde_json::json;

use super::*;
use crate::inventory::{InventoryError, YamlProblem};

const NESTED: &str = r#"
all:
  hosts:
    bastion:
      ansible_host: 10.0.0.1
  vars:
    ntp: pool.ntp.org
  children:
    web:
      hosts:
        web1:
        web2:
          http_port: 8080
      vars:
        http_port: 80
    prod:
      children:
        web:
        db:
          hosts:
            db1:
"#;

#[test]
fn yaml_hosts_groups_and_children_nest_under_all() {
    let inv = Dir::new().load("hosts.yml", NESTED);
    let groups = inv.groups();
    assert_eq!(
        groups.keys().collect::<Vec<_>>(),
        ["all", "ungrouped", "web", "prod", "db"]
    );
    assert_eq!(groups["all"], names(&["bastion", "web1", "web2", "db1"]));
    assert_eq!(groups["ungrouped"], names(&["bastion"]));
    assert_eq!(groups["prod"], names(&["web1", "web2", "db1"]));
    assert_eq!(inv.group("prod").unwrap().children, names(&["web", "db"]));
    assert_eq!(
        inv.host("bastion").unwrap().vars["ansible_host"],
        json!("10.0.0.1")
    );
    assert_eq!(inv.group("all").unwrap().vars["ntp"], json!("pool.ntp.org"));
}

#[test]
fn yaml_host_vars_override_group_vars() {
    let inv = Dir::new().load("hosts.yml", NESTED);
    assert_eq!(inv.host_vars("web1")["http_port"], json!(80));
    assert_eq!(inv.host_vars("web2")["http_port"], json!(8080));
    assert_eq!(inv.host_vars("db1")["ntp"], json!("pool.ntp.org"));
    assert!(!inv.host_vars("db1").contains_key("http_port"));
}

#[test]
fn yaml_top_level_groups_need_no_all_and_a_host_in_several_groups_merges() {
    let inv = Dir::new().load(
        "inv.yaml",
        "web:\n  hosts:\n    h1: {a: 1, b: 1}\ndb:\n  hosts:\n    h1: {b: 2}\n    h2:\nsolo:\n  hosts: h3\n",
    );
    assert_eq!(inv.groups()["all"], names(&["h1", "h2", "h3"]));
    assert_eq!(inv.groups()["ungrouped"], Vec::<String>::new());
    assert_eq!(
        inv.host("h1").unwrap().vars,
        json!({"a": 1, "b": 2}).as_object().unwrap().clone()
    );
    assert_eq!(inv.group_names("h1"), names(&["db", "web"]));
    assert_eq!(inv.groups()["solo"], names(&["h3"]));
}

#[test]
fn yaml_ranges_and_ports_in_host_keys() {
    let inv = Dir::new().load(
        "inv.yml",
        "all:\n  hosts:\n    'web[01:03].example.com':\n    'db-[a:b]:2222':\n      role: db\n",
    );
    let all: Vec<&str> = inv.hosts().map(|h| h.name.as_str()).collect();
    assert_eq!(
        all,
        [
            "web01.example.com",
            "web02.example.com",
            "web03.example.com",
            "db-a",
            "db-b"
        ]
    );
    assert_eq!(inv.host_vars("db-b")["ansible_port"], json!(2222));
    assert_eq!(inv.host_vars("db-b")["role"], json!("db"));
}

#[test]
fn yaml_json_inventories_read_too() {
    let inv = Dir::new().load("inv.json", r#"{"all": {"hosts": {"j1": {"x": [1, 2]}}}}"#);
    assert_eq!(inv.host_vars("j1")["x"], json!([1, 2]));
}

#[test]
fn yaml_plugin_configurations_are_refused() {
    let dir = Dir::new();
    let path = dir.write(
        "aws.yml",
        "plugin: amazon.aws.aws_ec2\nregions: [eu-west-1]\n",
    );
    let err = Inventory::load(&[path]).unwrap_err();
    assert!(
        matches!(
            err,
            InventoryError::YamlInventory {
                problem: YamlProblem::Plugin(_),
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn yaml_structure_errors_name_the_group() {
    let dir = Dir::new();
    let path = dir.write("inv.yml", "web:\n  hosts: [a, b]\n");
    let err = Inventory::load(&[path]).unwrap_err().to_string();
    assert!(
        err.contains("inv.yml") && err.contains("\"hosts\"") && err.contains("web"),
        "{err}"
    );
    let path = dir.write("list.yml", "- a\n- b\n");
    let err = Inventory::load(&[path]).unwrap_err().to_string();
    assert!(err.contains("list.yml") && err.contains("a list"), "{err}");
}

#[test]
fn yaml_syntax_errors_carry_line_and_column() {
    let dir = Dir::new();
    let path = dir.write("bad.yml", "all:\n  hosts:\n    a: [1, 2\n");
    let err = Inventory::load(&[path]).unwrap_err();
    let InventoryError::Yaml(crate::yaml::YamlError::Syntax { line, .. }) = &err else {
        panic!("unexpected error: {err}")
    };
    assert!(*line >= 3, "{err}");
}

#[test]
fn yaml_unknown_keys_are_skipped_with_a_warning() {
    let inv = Dir::new().load("inv.yml", "web:\n  host:\n    a:\n  hosts:\n    b:\n");
    assert_eq!(inv.groups()["web"], names(&["b"]));
    assert!(
        inv.warnings().iter().any(|w| w.contains("\"host\"")),
        "{:?}",
        inv.warnings()
    );
}

#[test]
fn yaml_group_loops_are_errors() {
    let dir = Dir::new();
    let path = dir.write(
        "inv.yml",
        "a:\n  children:\n    b:\n      children:\n        a:\n",
    );
    let err = Inventory::load(&[path]).unwrap_err();
    assert!(
        matches!(
            err,
            InventoryError::YamlInventory {
                problem: YamlProblem::Loop(_),
                ..
            }
        ),
        "{err}"
    );
}
