//! The broken playbooks of `tests/fixtures/bad/`: each error names the file, the line and
//! column of the problem, and the problem, in one screen.

use super::*;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/bad")
        .join(name)
}

/// Loads fixture `name` and checks its error: `line:column`, a phrase, and the excerpt.
fn check(name: &str, line: usize, column: usize, phrase: &str) {
    let path = fixture(name);
    let error = match load_playbook(&path, &LoadOptions::default()) {
        Ok(_) => panic!("{name} loaded without error"),
        Err(e) => e.to_string(),
    };
    let position = format!("{}:{line}:{column}: ", path.display());
    assert!(
        error.starts_with(&position),
        "{name}: expected {position}…, got:\n{error}"
    );
    assert!(
        error.contains(phrase),
        "{name}: expected '{phrase}' in:\n{error}"
    );
    let lines: Vec<&str> = error.lines().collect();
    assert!(lines.len() <= 12, "{name}: more than a screen:\n{error}");
    let source_line = std::fs::read_to_string(&path)
        .unwrap()
        .lines()
        .nth(line - 1)
        .unwrap()
        .replace('\t', " ");
    assert!(
        lines
            .iter()
            .any(|l| l.ends_with(&format!("| {source_line}"))),
        "{name}: the source line is not shown:\n{error}"
    );
    let caret = format!("|{}^", " ".repeat(column));
    assert!(
        lines.iter().any(|l| l.trim_start().starts_with(&caret)),
        "{name}: no caret at {column}:\n{error}"
    );
}

#[test]
fn bad_indentation() {
    check(
        "bad_indentation.yml",
        6,
        6,
        "did not find expected '-' indicator",
    );
}

#[test]
fn tab_indentation() {
    check("tab_indentation.yml", 3, 1, "tabs");
}

#[test]
fn unclosed_quote() {
    check("unclosed_quote.yml", 4, 14, "unclosed quote");
}

#[test]
fn unknown_module() {
    check(
        "unknown_module.yml",
        4,
        7,
        "unknown module 'debeg' (did you mean 'debug'?)",
    );
}

#[test]
fn unknown_task_keyword() {
    check(
        "unknown_task_keyword.yml",
        5,
        7,
        "unknown task keyword 'whne' (did you mean 'when'?)",
    );
}

#[test]
fn loop_control_not_a_mapping() {
    check(
        "loop_control_not_mapping.yml",
        5,
        21,
        "'loop_control' must be a mapping, not a number",
    );
}

#[test]
fn loop_control_unknown_option() {
    check(
        "loop_control_unknown.yml",
        5,
        9,
        "unknown loop_control option 'loop_vr' (did you mean 'loop_var'?)",
    );
}

#[test]
fn tags_as_a_mapping() {
    check(
        "tags_mapping.yml",
        4,
        13,
        "'tags' must be a string, a comma-separated string or a list, not a mapping",
    );
}

#[test]
fn when_as_a_mapping() {
    check("when_mapping.yml", 4, 13, "'when' must be a condition");
}

#[test]
fn missing_role() {
    check(
        "missing_role.yml",
        4,
        7,
        "role 'nosuchrole' not found (looked in ",
    );
    let e = load_playbook(&fixture("missing_role.yml"), &LoadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("bad/roles/nosuchrole"), "{e}");
}

#[test]
fn two_modules_in_one_task() {
    check(
        "two_modules.yml",
        5,
        7,
        "a task has one action, but this one has 'debug' and 'command'",
    );
}

#[test]
fn two_loops_in_one_task() {
    check("two_loops.yml", 5, 7, "a task has one loop");
}

#[test]
fn unknown_play_keyword() {
    check(
        "unknown_play_keyword.yml",
        1,
        3,
        "'host' is not a valid attribute for a Play (did you mean 'hosts'?)",
    );
}

#[test]
fn task_without_action() {
    check("no_action.yml", 3, 7, "this task has no action");
}

#[test]
fn vars_prompt_must_be_a_list() {
    check(
        "vars_prompt.yml",
        3,
        5,
        "'vars_prompt' must be a list, not a mapping",
    );
}

#[test]
fn missing_imported_file() {
    check(
        "missing_import.yml",
        3,
        21,
        "cannot find 'nowhere.yml' to import",
    );
}

#[test]
fn reserved_argument_prefix() {
    check(
        "reserved_argument.yml",
        4,
        9,
        "'set_fact' cannot take the argument '_ansible_foo': the prefix '_ansible_' is reserved for internal use only.",
    );
}

#[test]
fn unknown_meta_action() {
    check(
        "unknown_meta.yml",
        3,
        13,
        "unknown meta action 'flush_handler' (did you mean 'flush_handlers'?)",
    );
}

#[test]
fn unknown_block_keyword() {
    check(
        "block_keyword.yml",
        5,
        7,
        "'register' is not a valid attribute for a Block",
    );
}

#[test]
fn key_value_without_equals() {
    check(
        "bad_key_value.yml",
        3,
        13,
        "'copy' takes key=value arguments, but 'dest' is not of that form",
    );
}

#[test]
fn playbook_not_a_list() {
    check(
        "not_a_list.yml",
        1,
        1,
        "a playbook must be a list, not a mapping",
    );
}

#[test]
fn errors_in_imported_files_point_into_them() {
    let p = Project::new();
    p.write("inner.yml", "- debug: msg=ok\n- shel: echo\n");
    let e = p.error("- hosts: all\n  tasks:\n    - import_tasks: inner.yml\n");
    let origin = e.origin().unwrap();
    assert_eq!(
        (file_name(&origin.file), origin.line, origin.column),
        ("inner.yml", 2, 3)
    );
    assert!(
        e.message()
            .contains("unknown module 'shel' (did you mean 'shell'?)"),
        "{e}"
    );
}

#[test]
fn errors_in_role_files_point_into_them() {
    let p = Project::new();
    p.write(
        "roles/r/tasks/main.yml",
        "- debug: msg=ok\n  loop: {a: 1}\n",
    );
    let e = p.error("- hosts: all\n  roles: [r]\n");
    let origin = e.origin().unwrap();
    assert!(origin.file.ends_with("roles/r/tasks/main.yml"));
    assert_eq!((origin.line, origin.column), (2, 9));
    assert!(e.message().contains("'loop' must be a list"), "{e}");
}

#[test]
fn listen_outside_handlers() {
    let e = Project::new().error("- hosts: all\n  tasks:\n    - ping:\n      listen: x\n");
    assert!(
        e.to_string()
            .contains("site.yml:4:7: 'listen' is only for handlers"),
        "{e}"
    );
}

#[test]
fn static_imports_refuse_loops_and_templates() {
    let p = Project::new();
    p.write("t.yml", "- ping:\n");
    let e = p.error("- hosts: all\n  tasks:\n    - import_tasks: t.yml\n      loop: [1]\n");
    assert!(
        e.to_string()
            .contains("site.yml:4:7: 'loop' cannot be used with 'import_tasks'"),
        "{e}"
    );
    let e = p.error("- hosts: all\n  tasks:\n    - import_tasks: \"{{ x }}.yml\"\n");
    assert!(
        e.to_string()
            .contains("site.yml:3:21: 'import_tasks' is resolved before variables exist"),
        "{e}"
    );
}

#[test]
fn include_arguments_are_checked() {
    let e = Project::new().error("- hosts: all\n  tasks:\n    - include_role:\n        nmae: x\n");
    assert!(
        e.to_string()
            .contains("site.yml:4:9: 'include_role' has no option 'nmae' (did you mean 'name'?)"),
        "{e}"
    );
}

#[test]
fn missing_hosts() {
    let e = Project::new().error("- name: p\n  tasks: []\n");
    assert!(
        e.to_string()
            .contains("site.yml:1:3: this play has no 'hosts'"),
        "{e}"
    );
}
