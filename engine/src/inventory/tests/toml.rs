use serde_json::json;

use super::*;
use crate::inventory::{InventoryError, TomlProblem};

#[test]
fn toml_groups_with_inline_and_nested_tables() {
    let dir = Dir::new();
    let inv = dir.load(
        "hosts.toml",
        r#"
[all.vars]
ntp = "pool.example.org"

[app]
children = ["api", "workers"]
vars = { app_port = 8080, debug = false }

[app.hosts]
app1 = {}
app2 = { ansible_port = 2201 }

[api.hosts.api1]
[api.hosts.api2]
weight = 2.5

[workers.hosts]
"wk[01:02]:2222" = { queue = "jobs" }

[workers.vars]
released = 2024-05-01
"#,
    );
    assert_eq!(
        inv.groups()["app"],
        names(&["app1", "app2", "api1", "api2", "wk01", "wk02"])
    );
    let app2 = inv.host_vars("app2");
    assert_eq!(
        (&app2["ansible_port"], &app2["app_port"], &app2["ntp"]),
        (&json!(2201), &json!(8080), &json!("pool.example.org"))
    );
    assert_eq!(inv.host_vars("api2")["weight"], json!(2.5));
    let wk = inv.host_vars("wk02");
    assert_eq!(
        (
            &wk["ansible_port"],
            &wk["queue"],
            &wk["released"],
            &wk["debug"]
        ),
        (
            &json!(2222),
            &json!("jobs"),
            &json!("2024-05-01"),
            &json!(false)
        )
    );
    assert_eq!(inv.group_names("wk01"), names(&["app", "workers"]));
}

#[test]
fn toml_ungrouped_hosts_and_a_host_in_two_groups() {
    let dir = Dir::new();
    let inv = dir.load(
        "inv.toml",
        "[ungrouped.hosts]\nh1 = {}\n\n[g1.hosts]\nh2 = {}\n\n[g2.hosts]\nh2 = {}\n",
    );
    assert_eq!(inv.groups()["ungrouped"], names(&["h1"]));
    assert_eq!(inv.group_names("h2"), names(&["g1", "g2"]));
}

#[test]
fn toml_errors_name_the_file_and_what_is_wrong() {
    let dir = Dir::new();
    let cases = [
        ("[web\nh1 = {}\n", "TOML inventory is invalid"),
        ("", "TOML inventory is empty"),
        ("plugin = \"aws_ec2\"\n", "inventory plugin configuration"),
        (
            "[web]\nchildren = \"db\"\n",
            "invalid \"children\" entry for group \"web\": requires a list of group names, found string",
        ),
        (
            "[web]\nhosts = [\"h1\"]\n",
            "invalid \"hosts\" entry for group \"web\": requires a mapping, found array",
        ),
        ("[web.hosts]\nh1 = 3\n", "host \"h1\" in group \"web\""),
        ("[web]\nchildren = [1]\n", "found integer in the list"),
        ("[web.hosts]\n\"h[3:1:0]\" = {}\n", "h[3:1:0]"),
    ];
    for (text, message) in cases {
        let path = dir.write("bad.toml", text);
        let err = Inventory::load(std::slice::from_ref(&path)).unwrap_err();
        assert!(
            matches!(err, InventoryError::TomlInventory { .. }),
            "{text:?}: {err:?}"
        );
        let shown = err.to_string();
        assert!(
            shown.contains(message) && shown.contains(&path.display().to_string()),
            "{text:?}: {shown}"
        );
    }
    let err = Inventory::load(&[dir.write("syntax.toml", "a = \n")]).unwrap_err();
    assert!(
        matches!(
            err,
            InventoryError::TomlInventory {
                problem: TomlProblem::Syntax(_),
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn toml_values_that_are_not_groups_are_skipped_with_a_warning() {
    let dir = Dir::new();
    let inv = dir.load("inv.toml", "stray = 1\n[web.hosts]\nw1 = {}\n");
    assert_eq!(inv.select("all").unwrap(), names(&["w1"]));
    assert!(
        inv.warnings().iter().any(|w| w.contains("\"stray\"")),
        "{:?}",
        inv.warnings()
    );
}
