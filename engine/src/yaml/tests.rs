use std::path::Path;

use serde_json::json;

use super::*;

fn value(text: &str) -> Value {
    value_from_str(text, Path::new("t.yml")).unwrap()
}

fn syntax_error(text: &str) -> (usize, usize, String) {
    match node_from_str(text, Path::new("dir/t.yml")).unwrap_err() {
        e @ YamlError::Syntax { line, column, .. } => (line, column, e.to_string()),
        other => panic!("not a syntax error: {other}"),
    }
}

#[test]
fn yaml11_booleans_only_when_plain() {
    let v = value("a: yes\nb: No\nc: ON\nd: off\ne: True\nf: 'yes'\ng: \"no\"\nh: y\ni: n\nj: yEs\nk: !!str yes\nl: >-\n  yes\n");
    assert_eq!(
        v,
        json!({"a": true, "b": false, "c": true, "d": false, "e": true, "f": "yes", "g": "no",
               "h": "y", "i": "n", "j": "yEs", "k": "yes", "l": "yes"})
    );
}

#[test]
fn booleans_through_anchors_aliases_and_lists() {
    let v = value("a: &x yes\nb: *x\nc: &q 'no'\nd: *q\ne: [on, 'off', Off]\n");
    assert_eq!(
        v,
        json!({"a": true, "b": true, "c": "no", "d": "no", "e": [true, "off", false]})
    );
}

#[test]
fn numbers_octal_and_nulls() {
    let v = value("mode: 0644\nquoted: '0644'\nhex: 0x1F\nneg: -3\nf: 1.5\nn: ~\ne:\nnull_word: null\ns: 1.2.3\n");
    assert_eq!(
        v,
        json!({"mode": 420, "quoted": "0644", "hex": 31, "neg": -3, "f": 1.5, "n": null, "e": null,
               "null_word": null, "s": "1.2.3"})
    );
}

#[test]
fn merge_keys_and_anchored_mappings() {
    let v = value("base: &b {k: 1, j: 2}\nm:\n  <<: *b\n  j: 3\nl: &l [1, 2]\nm2: *l\n");
    assert_eq!(v["m"], json!({"k": 1, "j": 3}));
    assert_eq!(v["m2"], json!([1, 2]));
}

#[test]
fn duplicate_keys_take_the_last_value() {
    assert_eq!(value("a: 1\nb: 2\na: 3\n"), json!({"a": 3, "b": 2}));
}

#[test]
fn empty_document_is_null() {
    assert_eq!(value(""), Value::Null);
    assert_eq!(value("# only a comment\n"), Value::Null);
}

#[test]
fn nodes_know_where_keys_and_values_are() {
    let node = node_from_str("- name: x\n  debug:\n    msg: hi\n", Path::new("t.yml")).unwrap();
    let task = &node.as_seq().unwrap()[0];
    assert_eq!((task.line, task.column), (1, 3));
    let debug = &task.as_map().unwrap()[1];
    assert_eq!(
        (debug.key.as_str(), debug.key_line, debug.key_column),
        ("debug", 2, 3)
    );
    let msg = debug.value.get("msg").unwrap();
    assert_eq!((msg.line, msg.column, msg.as_str()), (3, 10, Some("hi")));
}

#[test]
fn bad_indentation_is_reported_at_its_position() {
    let (line, column, shown) = syntax_error("a: b\n  c: d\n");
    assert_eq!((line, column), (2, 4));
    assert!(
        shown.starts_with("dir/t.yml:2:4: mapping values are not allowed"),
        "{shown}"
    );
    assert!(shown.contains("2 |   c: d\n  |    ^"), "{shown}");
}

#[test]
fn tabs_are_reported() {
    let (line, _, shown) = syntax_error("a:\n\t- b\n");
    assert_eq!(line, 2);
    assert!(shown.contains("tabs"), "{shown}");
}

#[test]
fn unclosed_quotes_are_reported() {
    let (line, column, shown) = syntax_error("x: 1\na: 'x\n");
    assert_eq!((line, column), (2, 4));
    assert!(shown.contains("unclosed quote"), "{shown}");
}

#[test]
fn missing_files_name_the_path() {
    let e = load_value(Path::new("/nonexistent/x.yml")).unwrap_err();
    assert!(e.to_string().starts_with("/nonexistent/x.yml: "), "{e}");
}

#[test]
fn a_generated_file_past_saphyrs_default_budget_loads() {
    // 300,000 values: saphyr's default budget stopped at 250,000.
    let mut text = String::from("items:\n");
    for i in 0..100_000 {
        text.push_str(&format!("  - {{n: {i}}}\n"));
    }
    let v = value(&text);
    assert_eq!(v["items"].as_array().unwrap().len(), 100_000);
}

#[test]
fn a_yaml_bomb_is_refused_in_words_with_its_line() {
    let mut text = String::from("a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
    for w in names.windows(2) {
        let (prev, next) = (w[0], w[1]);
        text.push_str(&format!(
            "{next}: &{next} [{}]\n",
            vec![format!("*{prev}"); 9].join(", ")
        ));
    }
    let (line, _, msg) = syntax_error(&text);
    assert!(line > 1, "{msg}");
    assert!(
        msg.contains("past the limit troupe sets against YAML bombs"),
        "{msg}"
    );
}
