//! Broken playbooks, inventories and templates: each gives a short error naming the file
//! and place, a non-zero exit, and leaves the target untouched.

mod support;

use support::Project;

/// Runs a broken playbook; returns its error text after checking nothing was written.
fn broken(playbook: &str, extra_files: &[(&str, &str)]) -> String {
    let p = Project::new();
    p.write("playbook.yml", playbook);
    for (name, text) in extra_files {
        p.write(name, text);
    }
    let before = p.snapshot();
    let r = p.run(&[]);
    assert_ne!(r.code, 0, "a broken playbook succeeded:\n{}", r.stdout);
    assert_eq!(p.snapshot(), before, "a broken playbook touched the target");
    let text = format!("{}{}", r.stdout, r.stderr);
    assert!(
        text.lines().count() < 40,
        "error is longer than a screen:\n{text}"
    );
    text
}

const FIRST_TASK_WRITES: &str = "    - copy: {content: x, dest: \"{{ base }}/touched\"}\n";

#[test]
fn bad_indentation_names_line_and_column() {
    let text = broken(
        "- hosts: localhost\n  tasks:\n    - debug: msg=hi\n   - debug: msg=bad\n",
        &[],
    );
    assert!(text.contains("playbook.yml:4"), "{text}");
}

#[test]
fn unknown_module_is_named() {
    let text = broken(&format!("- hosts: localhost\n  gather_facts: false\n  tasks:\n{FIRST_TASK_WRITES}    - copyy: {{src: a, dest: b}}\n"), &[]);
    assert!(
        text.contains("copyy") && text.contains("playbook.yml:5"),
        "{text}"
    );
}

#[test]
fn unknown_task_keyword_is_named() {
    let text = broken(&format!("- hosts: localhost\n  gather_facts: false\n  tasks:\n{FIRST_TASK_WRITES}    - debug: msg=hi\n      whne: true\n"), &[]);
    assert!(
        text.contains("whne") && text.contains("playbook.yml:6"),
        "{text}"
    );
}

#[test]
fn missing_role_is_named() {
    let text = broken(
        "- hosts: localhost\n  gather_facts: false\n  roles:\n    - nosuchrole\n",
        &[],
    );
    assert!(
        text.contains("nosuchrole") && text.contains("playbook.yml:4"),
        "{text}"
    );
}

#[test]
fn undefined_variable_names_variable_task_and_file() {
    let text = broken(
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n    - name: use it\n      copy: {content: \"{{ nosuchvar }}\", dest: \"{{ base }}/x\"}\n",
        &[],
    );
    assert!(
        text.contains("nosuchvar") && text.contains("use it") && text.contains("playbook.yml:4"),
        "{text}"
    );
}

#[test]
fn missing_template_is_named() {
    let text = broken(
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n    - name: render\n      template: {src: nope.j2, dest: \"{{ base }}/x\"}\n",
        &[],
    );
    assert!(text.contains("nope.j2"), "{text}");
}

#[test]
fn loop_over_a_non_list_is_an_error() {
    let text = broken(
        "- hosts: localhost\n  gather_facts: false\n  vars: {x: 5}\n  tasks:\n    - copy: {content: a, dest: \"{{ base }}/{{ item }}\"}\n      loop: \"{{ x }}\"\n",
        &[],
    );
    assert!(text.contains("requires a list"), "{text}");
}

#[test]
fn wrong_argument_type_is_reported() {
    let text = broken("- hosts: localhost\n  gather_facts: false\n  tasks:\n    - file: {path: \"{{ base }}/x\", state: directory, recurse: maybe}\n", &[]);
    assert!(text.contains("recurse") || text.contains("maybe"), "{text}");
}

#[test]
fn missing_required_argument_is_reported() {
    let text = broken(
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n    - copy: {content: a}\n",
        &[],
    );
    assert!(text.contains("dest"), "{text}");
}

#[test]
fn broken_inventory_is_reported() {
    let p = Project::new();
    p.write("playbook.yml", "- hosts: all\n  tasks: []\n");
    p.write("inventory.ini", "[web\nhost1\n");
    let r = p.run(&[]);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("inventory.ini"), "{}", r.stderr);
}

#[test]
fn broken_template_syntax_is_reported() {
    let text = broken(
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n    - template: {src: t.j2, dest: \"{{ base }}/x\"}\n",
        &[("templates/t.j2", "{% if %}\n")],
    );
    assert!(text.contains("t.j2"), "{text}");
}

#[test]
fn unknown_argument_of_an_engine_action_is_named() {
    for (task, key) in [
        ("debug: {msg: hi, mgs: typo}", "mgs"),
        ("assert: {that: true, fail_mgs: typo}", "fail_mgs"),
        ("group_by: {key: web, parent: all}", "parent"),
        ("include_vars: {file: x.yml, nmae: typo}", "nmae"),
    ] {
        let text = broken(
            &format!("- hosts: localhost\n  gather_facts: false\n  tasks:\n    - {task}\n"),
            &[("x.yml", "a: 1\n")],
        );
        assert!(
            text.contains(&format!("unknown field `{key}`")) && text.contains("playbook.yml:4"),
            "{text}"
        );
    }
}
