use super::*;
use crate::inventory::InventoryError;

const INVENTORY: &str = "\
[web]
web1.example.com
web2.example.com
web10.example.com

[db]
db1
db2

[staging]
web2.example.com
db2

[prod:children]
web
db

[lonely]
";

fn inventory() -> Inventory {
    Dir::new().load("hosts.ini", INVENTORY)
}

fn select(inv: &Inventory, pattern: &str) -> Vec<String> {
    inv.select(pattern)
        .unwrap_or_else(|e| panic!("{pattern}: {e}"))
}

#[test]
fn patterns_all_star_hosts_and_groups() {
    let inv = inventory();
    let everyone = names(&[
        "web1.example.com",
        "web2.example.com",
        "web10.example.com",
        "db1",
        "db2",
    ]);
    assert_eq!(select(&inv, "all"), everyone);
    assert_eq!(select(&inv, "*"), everyone);
    assert_eq!(select(&inv, "db1"), names(&["db1"]));
    assert_eq!(select(&inv, "staging"), names(&["web2.example.com", "db2"]));
    assert_eq!(select(&inv, "lonely"), Vec::<String>::new());
}

#[test]
fn patterns_unions_keep_pattern_order_without_duplicates() {
    let inv = inventory();
    assert_eq!(
        select(&inv, "db:staging"),
        names(&["db1", "db2", "web2.example.com"])
    );
    assert_eq!(
        select(&inv, "db1,web1.example.com, db1"),
        names(&["db1", "web1.example.com"])
    );
}

#[test]
fn patterns_intersections_and_exclusions_apply_after_unions() {
    let inv = inventory();
    assert_eq!(
        select(&inv, "prod:&staging"),
        names(&["web2.example.com", "db2"])
    );
    assert_eq!(
        select(&inv, "prod:!staging"),
        names(&["web1.example.com", "web10.example.com", "db1"])
    );
    // Order in the pattern does not matter: exclusions come last.
    assert_eq!(select(&inv, "!staging:db"), names(&["db1"]));
    assert_eq!(
        select(&inv, "web:db:&staging:!db2"),
        names(&["web2.example.com"])
    );
    // Only exclusions: they apply to all.
    assert_eq!(select(&inv, "!web"), names(&["db1", "db2"]));
}

#[test]
fn patterns_wildcards_and_regexes() {
    let inv = inventory();
    assert_eq!(
        select(&inv, "web*"),
        names(&["web1.example.com", "web2.example.com", "web10.example.com"])
    );
    assert_eq!(
        select(&inv, "*.example.com:!web1.*"),
        names(&["web2.example.com", "web10.example.com"])
    );
    assert_eq!(select(&inv, "db?"), names(&["db1", "db2"]));
    assert_eq!(
        select(&inv, r"~web\d\."),
        names(&["web1.example.com", "web2.example.com"])
    );
    assert_eq!(
        select(&inv, "~(db|stag)"),
        names(&["db1", "db2", "web2.example.com"])
    );
    let err = inv.select("~web(").unwrap_err();
    assert!(matches!(err, InventoryError::BadPattern { .. }), "{err}");
}

#[test]
fn patterns_subscripts_on_groups() {
    let inv = inventory();
    assert_eq!(select(&inv, "web[0]"), names(&["web1.example.com"]));
    assert_eq!(select(&inv, "web[-1]"), names(&["web10.example.com"]));
    assert_eq!(
        select(&inv, "web[0:1]"),
        names(&["web1.example.com", "web2.example.com"])
    );
    assert_eq!(
        select(&inv, "web[1:]"),
        names(&["web2.example.com", "web10.example.com"])
    );
    assert_eq!(
        select(&inv, "web[1:9]"),
        names(&["web2.example.com", "web10.example.com"])
    );
    assert_eq!(
        select(&inv, "web[0]:db[1]"),
        names(&["web1.example.com", "db2"])
    );
    let err = inv.select("web[3]").unwrap_err();
    assert!(
        matches!(err, InventoryError::SubscriptOutOfRange(_)),
        "{err}"
    );
}

#[test]
fn patterns_unknown_names_match_nothing_and_are_reported() {
    let inv = inventory();
    let selection = inv.select_reporting("nosuch:db1:ghost*").unwrap();
    assert_eq!(selection.hosts, names(&["db1"]));
    assert_eq!(selection.unmatched, names(&["nosuch", "ghost*"]));
    assert_eq!(select(&inv, "nosuch"), Vec::<String>::new());
    assert!(inv.select_reporting("lonely").unwrap().unmatched.is_empty());
}

#[test]
fn patterns_localhost_is_implicit_but_not_in_all() {
    let inv = inventory();
    assert_eq!(select(&inv, "localhost"), names(&["localhost"]));
    assert_eq!(select(&inv, "db1:localhost"), names(&["db1", "localhost"]));
    assert!(!select(&inv, "all").contains(&"localhost".to_string()));
    assert!(!select(&inv, "*").contains(&"localhost".to_string()));
    assert!(inv.host("localhost").is_some());
}

#[test]
fn patterns_prefer_a_host_over_a_group_of_the_same_name() {
    let inv = Dir::new().load("hosts.ini", "[dup]\nx\ny\n[other]\ndup\n");
    assert_eq!(select(&inv, "dup"), names(&["dup"]));
    assert_eq!(select(&inv, "d*"), names(&["x", "y", "dup"]));
}
