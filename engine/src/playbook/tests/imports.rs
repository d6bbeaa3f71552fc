use serde_json::json;

use super::*;

#[test]
fn import_playbook_is_flattened_recursively() {
    let p = Project::new();
    p.write(
        "site.yml",
        "- hosts: a\n- import_playbook: sub/web.yml\n  vars: {x: 1}\n  tags: web\n- hosts: z\n",
    );
    p.write(
        "sub/web.yml",
        "- hosts: b\n  vars: {x: 2}\n- ansible.builtin.import_playbook: db.yml\n",
    );
    p.write("sub/db.yml", "- hosts: c\n");
    let book = p.load("site.yml").unwrap();
    let hosts: Vec<&str> = book.plays.iter().map(|p| p.hosts.as_str()).collect();
    assert_eq!(hosts, ["a", "b", "c", "z"]);
    // The play's own vars win over the import's.
    assert_eq!(book.plays[1].kw.vars["x"], json!(2));
    assert_eq!(book.plays[2].kw.vars["x"], json!(1));
    assert_eq!(book.plays[2].kw.tags, vec!["web"]);
    assert!(book.plays[3].kw.tags.is_empty());
    assert_eq!(book.plays[2].dir, p.path("sub"));
}

#[test]
fn import_tasks_becomes_a_block_with_the_import_keywords() {
    let p = Project::new();
    p.write(
        "tasks/setup.yml",
        "- debug: msg=one\n- import_tasks: more.yml\n",
    );
    p.write("tasks/more.yml", "- debug: msg=two\n");
    let play = p.play("- hosts: all\n  tasks:\n    - import_tasks: tasks/setup.yml\n      when: x\n      tags: [t]\n      vars: {v: 1}\n      become: true\n");
    let import = &play.tasks[0];
    assert_eq!(import.kw.when, vec![json!("x")]);
    assert_eq!(import.kw.tags, vec!["t"]);
    assert_eq!(import.kw.vars["v"], json!(1));
    assert_eq!(import.kw.r#become, Some(json!(true)));
    assert_eq!(flat_names(&play.tasks), ["one", "two"]);
    let inner = &block(import)[0];
    assert_eq!(file_name(&inner.origin.file), "setup.yml");
    assert_eq!(inner.origin.line, 1);
}

#[test]
fn import_tasks_file_form() {
    let p = Project::new();
    p.write("t.yml", "- debug: msg=one\n");
    let play = p
        .play("- hosts: all\n  tasks:\n    - ansible.builtin.import_tasks:\n        file: t.yml\n");
    assert_eq!(flat_names(&play.tasks), ["one"]);
}

#[test]
fn import_cycles_are_refused() {
    let p = Project::new();
    p.write("a.yml", "- import_tasks: b.yml\n");
    p.write("b.yml", "- import_tasks: a.yml\n");
    let e = p
        .error("- hosts: all\n  tasks:\n    - import_tasks: a.yml\n")
        .to_string();
    assert!(e.contains("b.yml:1:17: 'a.yml' imports itself"), "{e}");
}

#[test]
fn import_playbook_cycles_are_refused() {
    let p = Project::new();
    p.write("b.yml", "- import_playbook: site.yml\n");
    let e = p.error("- import_playbook: b.yml\n").to_string();
    assert!(e.contains("b.yml:1:20: 'site.yml' imports itself"), "{e}");
}
