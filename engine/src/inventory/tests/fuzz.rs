//! Property tests: generated INI and YAML inventories and host patterns never make the
//! inventory panic or hang (see `parser_fuzz.rs` for the harness and `tests/fuzz.sh`).

use proptest::prelude::*;

use super::Dir;
use crate::inventory::Inventory;
use crate::parser_fuzz::{bounded, pieces};

const INI: &[&str] = &[
    "[web]\n",
    "[db:children]\n",
    "[all:vars]\n",
    "[web:vars]\n",
    "h1",
    "h[1:3]",
    "h[a:c]",
    "h[01:10:2]",
    "[1:",
    "]",
    " ",
    "ansible_host=1.2.3.4",
    "k=v",
    "k='a b'",
    "\n",
    "#c\n",
    ";c\n",
    "=",
    "web",
    "db",
    "x=[1,2]",
    "x={'a': 1}",
    "\\",
    "'",
    "é",
    ":",
];

const YAML_INVENTORY: &[&str] = &[
    "all:\n",
    "  hosts:\n",
    "  children:\n",
    "    web:\n",
    "      hosts:\n",
    "        h1:\n",
    "        h[1:3]:\n",
    "  vars:\n",
    "    k: v\n",
    "          ansible_port: 22\n",
    "null\n",
    "    all:\n",
    "  ",
    "- ",
    ": ",
    "\n",
    "[",
    "]",
    "{",
    "}",
];

const PATTERNS: &[&str] = &[
    "all",
    "web",
    "db",
    "h1",
    ":",
    ",",
    "&",
    "!",
    "*",
    "h[0]",
    "h[0:1]",
    "~h.*",
    "~(",
    "[",
    "]",
    "-",
    "h*",
    "localhost",
    "\\",
    " ",
];

fn inventory_from(name: &'static str, text: String) -> Option<Inventory> {
    let dir = Dir::new();
    let path = dir.write(name, &text);
    Inventory::load(&[path]).ok()
}

proptest! {
    #[test]
    fn ini_inventories_never_panic_or_hang(text in pieces(INI, 60)) {
        let input = text.clone();
        bounded(&input, move || inventory_from("hosts.ini", text).is_some());
    }

    #[test]
    fn yaml_inventories_never_panic_or_hang(text in pieces(YAML_INVENTORY, 60)) {
        let input = text.clone();
        bounded(&input, move || inventory_from("hosts.yml", text).is_some());
    }

    #[test]
    fn host_patterns_never_panic_or_hang(pattern in pieces(PATTERNS, 12)) {
        let input = pattern.clone();
        bounded(&input, move || {
            let inv = inventory_from(
                "hosts.ini",
                "[web]\nh[0:9]\n[db]\nh1\ndb1\n[all:children]\nweb\n".to_string(),
            )
            .expect("the fixed inventory loads");
            inv.select(&pattern).is_ok()
        });
    }
}
