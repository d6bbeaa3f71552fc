use serde_json::json;

use super::*;
use crate::inventory::InventoryError;

#[test]
fn variables_children_override_parents_and_priority_then_name_break_ties() {
    let inv = Dir::new().load(
        "hosts.ini",
        "[all:vars]\nv=all\nonly_all=1\n\
         [parent:children]\nchild\n[parent:vars]\nv=parent\n\
         [child]\nh\n[child:vars]\nv=child\n\
         [zeta]\nh\n[zeta:vars]\nw=zeta\n\
         [alpha]\nh\n[alpha:vars]\nw=alpha\n\
         [prio]\nh2\n[prio:vars]\nw=prio\nansible_group_priority=10\n[beta]\nh2\n[beta:vars]\nw=beta\n",
    );
    let h = inv.host_vars("h");
    // child (depth 2) beats parent (depth 1) though parent's vars come later in the file.
    assert_eq!(h["v"], json!("child"));
    assert_eq!(h["only_all"], json!(1));
    // Same depth and priority: by name, so zeta wins over alpha.
    assert_eq!(h["w"], json!("zeta"));
    // A higher ansible_group_priority applies later, and is not a variable.
    assert_eq!(inv.host_vars("h2")["w"], json!("prio"));
    assert!(!inv.host_vars("h2").contains_key("ansible_group_priority"));
}

#[test]
fn variables_from_group_vars_and_host_vars_beside_the_inventory() {
    let dir = Dir::new();
    dir.write("group_vars/all.yml", "from_all: 1\nshared: all_file\n");
    dir.write("group_vars/web", "web_plain: true\n");
    dir.write("group_vars/db/10-main.yml", "db_a: 1\ndb_b: 1\n");
    dir.write("group_vars/db/20-more.yaml", "db_b: 2\n");
    dir.write("group_vars/db/notes.md", "not: [yaml\n");
    dir.write("group_vars/db/.hidden.yml", "db_b: hidden\n");
    dir.write(
        "host_vars/web1.example.com",
        "host_file: yes\nshared: host_file\n",
    );
    dir.write("host_vars/db1.json", r#"{"json_var": 3}"#);
    let inv = dir.load(
        "hosts.ini",
        "[web]\nweb1.example.com shared=inline\n[db]\ndb1\n[all:vars]\nshared=inventory\n",
    );
    let web1 = inv.host_vars("web1.example.com");
    assert_eq!(web1["from_all"], json!(1));
    assert_eq!(web1["web_plain"], json!(true));
    assert_eq!(web1["host_file"], json!(true));
    assert_eq!(web1["shared"], json!("host_file"));
    assert_eq!(
        inv.host("web1.example.com").unwrap().vars["host_file"],
        json!(true)
    );
    let db1 = inv.host_vars("db1");
    assert_eq!(
        (db1["db_a"].clone(), db1["db_b"].clone()),
        (json!(1), json!(2))
    );
    assert_eq!(db1["json_var"], json!(3));
    assert_eq!(db1["shared"], json!("all_file"));
    assert_eq!(inv.group("db").unwrap().vars["db_b"], json!(2));
}

#[test]
fn variables_only_the_first_vars_file_candidate_counts() {
    let dir = Dir::new();
    dir.write("group_vars/web", "which: bare\n");
    dir.write("group_vars/web.yml", "which: yml\nextra: 1\n");
    let inv = dir.load("hosts.ini", "[web]\nw\n");
    assert_eq!(inv.host_vars("w")["which"], json!("bare"));
    assert!(!inv.host_vars("w").contains_key("extra"));
}

#[test]
fn variables_playbook_dirs_override_inventory_dirs_in_ansible_order() {
    let dir = Dir::new();
    dir.write("inv/group_vars/all.yml", "a: inv_all\nb: inv_all\n");
    dir.write("inv/group_vars/web.yml", "b: inv_web\nc: inv_web\n");
    dir.write("inv/host_vars/w.yml", "d: inv_host\n");
    dir.write("play/group_vars/all.yml", "a: play_all\nb: play_all\n");
    dir.write("play/group_vars/web.yml", "c: play_web\n");
    dir.write("play/host_vars/w.yml", "d: play_host\n");
    let path = dir.write("inv/hosts.yml", "web:\n  hosts:\n    w:\n");
    let mut inv = Inventory::load(&[path]).unwrap();
    inv.add_vars_dir(&dir.path().join("play")).unwrap();
    let w = inv.host_vars("w");
    assert_eq!(w["a"], json!("play_all"));
    // Inventory group_vars/web outranks playbook group_vars/all.
    assert_eq!(w["b"], json!("inv_web"));
    assert_eq!(w["c"], json!("play_web"));
    assert_eq!(w["d"], json!("play_host"));
}

#[test]
fn variables_files_must_hold_mappings() {
    let dir = Dir::new();
    dir.write("group_vars/all.yml", "- a\n- b\n");
    let path = dir.write("hosts.ini", "h\n");
    let err = Inventory::load(&[path]).unwrap_err();
    assert!(
        matches!(err, InventoryError::VarsNotMapping { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("all.yml"), "{err}");
}

#[test]
fn variables_implicit_localhost_is_local_and_gets_all_vars() {
    let dir = Dir::new();
    dir.write("host_vars/localhost.yml", "lh: 1\n");
    let inv = dir.load("hosts.ini", "web1\n[all:vars]\nx=1\n");
    let localhost = inv.host_vars("localhost");
    assert_eq!(localhost["ansible_connection"], json!("local"));
    assert_eq!(localhost["x"], json!(1));
    assert_eq!(localhost["lh"], json!(1));
    assert!(inv.group_names("localhost").is_empty());
    assert_eq!(inv.groups()["all"], names(&["web1"]));
    assert!(inv.hosts().all(|h| h.name != "localhost"));
}

#[test]
fn variables_listed_localhost_is_an_ordinary_host() {
    let inv = Dir::new().load("hosts.ini", "localhost ansible_host=127.0.0.2\n");
    assert!(!inv
        .host_vars("localhost")
        .contains_key("ansible_connection"));
    assert_eq!(inv.groups()["all"], names(&["localhost"]));
}

#[test]
fn variables_of_unknown_hosts_are_empty() {
    let inv = Dir::new().load("hosts.ini", "[all:vars]\nx=1\n");
    assert!(inv.host_vars("nobody").is_empty());
}
