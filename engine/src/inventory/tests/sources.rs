use serde_json::json;

use super::*;
use crate::inventory::InventoryError;

#[test]
fn sources_comma_separated_host_lists() {
    let inv = Inventory::load(&[PathBuf::from("a,b:2222,a, c")]).unwrap();
    assert_eq!(inv.groups()["ungrouped"], names(&["a", "b", "c"]));
    assert_eq!(inv.host_vars("b")["ansible_port"], json!(2222));
    let single = Inventory::load(&[PathBuf::from("solo,")]).unwrap();
    assert_eq!(single.select("all").unwrap(), names(&["solo"]));
}

#[test]
fn sources_host_lists_expand_ranges_and_keep_what_is_not_an_address() {
    let inv = Inventory::load(&[PathBuf::from("web[1:3],db:2200")]).unwrap();
    assert_eq!(
        inv.groups()["ungrouped"],
        names(&["web1", "web2", "web3", "db"])
    );
    assert_eq!(inv.host_vars("db")["ansible_port"], json!(2200));
    let odd = Inventory::load(&[PathBuf::from("h[3:1:x],")]).unwrap();
    assert_eq!(odd.select("all").unwrap(), names(&["h[3:1:x]"]));
}

#[test]
fn sources_localhost_in_a_host_list_is_listed_not_implicit() {
    let inv = Inventory::load(&[PathBuf::from("localhost,")]).unwrap();
    assert_eq!(inv.select("all").unwrap(), names(&["localhost"]));
    assert_eq!(inv.host_vars("localhost").get("ansible_connection"), None);
}

#[test]
fn sources_an_existing_path_with_a_comma_is_a_file_not_a_host_list() {
    let dir = Dir::new();
    let path = dir.write("a,b", "[web]\nw1\n");
    let inv = Inventory::load(&[path]).unwrap();
    assert_eq!(inv.select("all").unwrap(), names(&["w1"]));
}

#[test]
fn sources_configured_lists_are_paths_split_on_commas() {
    let dir = Dir::new();
    let a = dir.write("a.ini", "a1\n");
    let b = dir.write("b.yml", "all:\n  hosts:\n    b1:\n");
    let value = format!("{}, {},", a.display(), b.display());
    let sources = crate::inventory::configured_sources(&value);
    assert_eq!(sources, vec![a, b]);
    let inv = Inventory::load(&sources).unwrap();
    assert_eq!(inv.select("all").unwrap(), names(&["a1", "b1"]));
}

#[test]
fn sources_directories_read_files_in_name_order_skipping_ignored_ones() {
    let dir = Dir::new();
    dir.write("inv/02-web.yml", "web:\n  hosts:\n    w1:\n");
    dir.write("inv/01-db", "[db]\nd1\n");
    dir.write("inv/03-more/extra.ini", "[web]\nw2\n");
    dir.write("inv/old.retry", "nonsense [ line\n");
    dir.write("inv/hosts~", "nonsense [ line\n");
    dir.write("inv/hosts.orig", "nonsense [ line\n");
    dir.write("inv/.hidden", "nonsense [ line\n");
    dir.write("inv/README.md", "nonsense [ line\n");
    dir.write("inv/group_vars/web.yml", "tier: front\n");
    dir.write("inv/host_vars/d1.yml", "id: 1\n");
    let inv = Inventory::load(&[dir.path().join("inv")]).unwrap();
    assert_eq!(inv.groups()["all"], names(&["d1", "w1", "w2"]));
    assert_eq!(inv.host_vars("w2")["tier"], json!("front"));
    assert_eq!(inv.host_vars("d1")["id"], json!(1));
}

#[test]
fn sources_several_sources_combine() {
    let dir = Dir::new();
    let a = dir.write("a/hosts.ini", "[web]\nw1 x=1\n");
    dir.write("a/group_vars/web.yml", "from_a: 1\n");
    let b = dir.write("b/hosts.yml", "web:\n  hosts:\n    w1: {x: 2}\n    w2:\n");
    dir.write("b/group_vars/web.yml", "from_b: 1\n");
    let inv = Inventory::load(&[a, b]).unwrap();
    assert_eq!(inv.groups()["web"], names(&["w1", "w2"]));
    let w1 = inv.host_vars("w1");
    assert_eq!(
        (w1["x"].clone(), w1["from_a"].clone(), w1["from_b"].clone()),
        (json!(2), json!(1), json!(1))
    );
}

#[test]
fn sources_missing_paths_are_errors() {
    let dir = Dir::new();
    let err = Inventory::load(&[dir.path().join("nope")]).unwrap_err();
    assert!(matches!(err, InventoryError::SourceNotFound(_)), "{err}");
}

#[test]
fn sources_extensionless_files_are_yaml_or_ini_by_content() {
    let dir = Dir::new();
    let yaml = dir.load("yamlish", "web:\n  hosts:\n    y1:\n");
    assert_eq!(yaml.groups()["web"], names(&["y1"]));
    let ini = dir.load("iniish", "i1\ni2 a=1\n");
    assert_eq!(ini.groups()["ungrouped"], names(&["i1", "i2"]));
    let path = dir.write("neither", "[web]\nh x='oops\n");
    let err = Inventory::load(&[path]).unwrap_err();
    assert!(matches!(err, InventoryError::Unparsable { .. }), "{err}");
}

#[test]
fn sources_add_host_joins_groups_and_sets_vars() {
    let dir = Dir::new();
    dir.write("host_vars/new1.yml", "from_file: 1\n");
    let mut inv = dir.load("hosts.ini", "[web]\nw1\n");
    let vars = json!({"ansible_host": "10.1.1.1"})
        .as_object()
        .unwrap()
        .clone();
    inv.add_host("new1", &names(&["web", "fresh"]), vars);
    inv.add_host("new2", &[], crate::Map::new());
    assert_eq!(inv.groups()["web"], names(&["w1", "new1"]));
    assert_eq!(inv.groups()["fresh"], names(&["new1"]));
    assert_eq!(inv.groups()["ungrouped"], names(&["new2"]));
    assert_eq!(inv.group_names("new1"), names(&["fresh", "web"]));
    assert_eq!(inv.host_vars("new1")["ansible_host"], json!("10.1.1.1"));
    assert_eq!(inv.host_vars("new1")["from_file"], json!(1));
    assert_eq!(inv.select("all").unwrap(), names(&["w1", "new1", "new2"]));
}
