use std::sync::Arc;

use serde_json::json;

use super::*;

#[test]
fn module_with_mapping_arguments_and_fqcn() {
    let t = task("- name: copy it\n  ansible.builtin.copy:\n    src: a\n    mode: 0644\n");
    assert_eq!(t.name.as_deref(), Some("copy it"));
    assert_eq!(module(&t), ("copy", json!({"src": "a", "mode": 420})));
}

#[test]
fn key_value_arguments_merge_with_args() {
    let t = task("- copy: src=a dest=\"/b c\"\n  args:\n    dest: /ignored\n    owner: root\n");
    assert_eq!(
        module(&t),
        ("copy", json!({"dest": "/b c", "owner": "root", "src": "a"}))
    );
}

#[test]
fn free_form_commands_keep_their_options() {
    let t = task("- shell: echo {{ x }} > /tmp/f chdir=/tmp creates=/tmp/f\n");
    assert_eq!(
        module(&t),
        (
            "shell",
            json!({"_raw_params": "echo {{ x }} > /tmp/f", "chdir": "/tmp", "creates": "/tmp/f"})
        )
    );
    let t = task("- command:\n    cmd: ls\n    chdir: /\n");
    assert_eq!(module(&t), ("command", json!({"cmd": "ls", "chdir": "/"})));
    let t = task("- shell: |\n    set -e\n    echo a=b\n");
    assert_eq!(
        module(&t),
        ("shell", json!({"_raw_params": "set -e\necho a=b\n"}))
    );
}

#[test]
fn action_and_local_action_forms() {
    let t = task("- action: copy src=a dest=b\n");
    assert_eq!(module(&t), ("copy", json!({"src": "a", "dest": "b"})));
    assert!(t.kw.delegate_to.is_none());
    let t = task("- local_action:\n    module: ansible.builtin.command\n    cmd: date\n");
    assert_eq!(module(&t), ("command", json!({"cmd": "date"})));
    assert_eq!(t.kw.delegate_to, Some(json!("localhost")));
    let t = task("- local_action: shell echo hi\n");
    assert_eq!(module(&t), ("shell", json!({"_raw_params": "echo hi"})));
}

#[test]
fn task_keywords_are_read() {
    let t = task(
        "- debug: msg=hi\n  when: x is defined\n  tags: a, b\n  notify: restart\n  register: out\n  \
         become: yes\n  become_user: root\n  ignore_errors: true\n  changed_when: false\n  \
         failed_when: [rc != 0, \"'x' in out\"]\n  until: out is success\n  retries: 5\n  delay: 2\n  \
         vars: {a: 1}\n  environment: {PATH: /bin}\n  no_log: true\n  delegate_to: h1\n  run_once: true\n  \
         timeout: 30\n  throttle: 2\n  check_mode: no\n  collections: [x.y]\n",
    );
    assert_eq!(t.kw.when, vec![json!("x is defined")]);
    assert_eq!(t.kw.tags, vec!["a", "b"]);
    assert_eq!(t.notify, vec!["restart"]);
    assert_eq!(t.register.as_deref(), Some("out"));
    assert_eq!(t.kw.r#become, Some(json!(true)));
    assert_eq!(t.kw.become_user, Some(json!("root")));
    assert_eq!(t.kw.ignore_errors, Some(json!(true)));
    assert_eq!(t.changed_when, Some(vec![json!(false)]));
    assert_eq!(t.failed_when, vec![json!("rc != 0"), json!("'x' in out")]);
    assert_eq!(t.until, vec![json!("out is success")]);
    assert_eq!((t.retries, t.delay), (Some(json!(5)), Some(json!(2))));
    assert_eq!(Value::Object(t.kw.vars.clone()), json!({"a": 1}));
    assert_eq!(t.kw.environment, Some(json!({"PATH": "/bin"})));
    assert_eq!(t.kw.no_log, Some(json!(true)));
    assert_eq!(t.kw.delegate_to, Some(json!("h1")));
    assert_eq!(t.kw.run_once, Some(json!(true)));
    assert_eq!(t.kw.timeout, Some(json!(30)));
    assert_eq!(t.kw.throttle, Some(json!(2)));
    assert_eq!(t.kw.check_mode, Some(json!(false)));
}

#[test]
fn tags_notify_and_when_take_lists() {
    let t = task(
        "- ping:\n  tags: [a, 7]\n  notify: [h1, h2]\n  when: [a, b]\n  changed_when: [x, y]\n",
    );
    assert_eq!(t.kw.tags, vec!["a", "7"]);
    assert_eq!(t.notify, vec!["h1", "h2"]);
    assert_eq!(t.kw.when, vec![json!("a"), json!("b")]);
    assert_eq!(t.changed_when, Some(vec![json!("x"), json!("y")]));
}

#[test]
fn loops_are_normalised() {
    let source = |text: &str| task(text).r#loop.expect("a loop").source;
    assert!(matches!(
        source("- ping:\n  loop: [1, 2]\n"),
        LoopSource::Items { flatten: false, .. }
    ));
    assert!(matches!(
        source("- ping:\n  loop: \"{{ xs }}\"\n"),
        LoopSource::Items { flatten: false, .. }
    ));
    assert!(matches!(
        source("- ping:\n  with_items: [1, [2]]\n"),
        LoopSource::Items { flatten: true, .. }
    ));
    assert!(matches!(
        source("- ping:\n  with_list: [1]\n"),
        LoopSource::Lookup { ref name, .. } if name == "list"
    ));
    assert!(matches!(
        source("- ping:\n  with_dict: {a: 1}\n"),
        LoopSource::Dict(_)
    ));
    assert!(matches!(
        source("- ping:\n  with_fileglob: '*.conf'\n"),
        LoopSource::Fileglob(_)
    ));
    match source("- ping:\n  with_sequence: start=1 end=3\n") {
        LoopSource::Lookup { name, value } => {
            assert_eq!((name.as_str(), value), ("sequence", json!("start=1 end=3")))
        }
        other => panic!("{other:?}"),
    }
    assert!(task("- ping:\n").r#loop.is_none());
}

#[test]
fn loop_control_is_read() {
    let t = task("- ping:\n  loop: [1]\n  loop_control:\n    loop_var: pkg\n    index_var: i\n    label: \"{{ pkg }}\"\n    pause: 1\n    extended: yes\n");
    let c = t.r#loop.unwrap().control;
    assert_eq!(c.loop_var, "pkg");
    assert_eq!(c.index_var.as_deref(), Some("i"));
    assert_eq!(c.label, Some(json!("{{ pkg }}")));
    assert_eq!(c.pause, Some(json!(1)));
    assert!(c.extended);
    assert_eq!(
        task("- ping:\n  loop: [1]\n")
            .r#loop
            .unwrap()
            .control
            .loop_var,
        "item"
    );
}

#[test]
fn blocks_with_rescue_and_always() {
    let t = task(
        "- name: b\n  when: x\n  become: true\n  block:\n    - debug: msg=one\n  rescue:\n    - debug: msg=two\n  always:\n    - debug: msg=three\n",
    );
    assert_eq!(t.name.as_deref(), Some("b"));
    assert_eq!(t.kw.when, vec![json!("x")]);
    assert_eq!(t.kw.r#become, Some(json!(true)));
    match &t.action {
        Action::Block {
            block,
            rescue,
            always,
        } => {
            assert_eq!(flat_names(block), ["one"]);
            assert_eq!(flat_names(rescue), ["two"]);
            assert_eq!(flat_names(always), ["three"]);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn include_tasks_forms() {
    match task("- include_tasks: other.yml\n").action {
        Action::IncludeTasks { file, apply } => {
            assert_eq!((file, apply.is_none()), (json!("other.yml"), true))
        }
        other => panic!("{other:?}"),
    }
    match task("- include_tasks:\n    file: \"{{ x }}.yml\"\n    apply:\n      tags: [t]\n      become: true\n      notify: h\n").action {
        Action::IncludeTasks { file, apply } => {
            assert_eq!(file, json!("{{ x }}.yml"));
            let apply = apply.unwrap();
            assert_eq!((apply.kw.tags.clone(), apply.kw.r#become.clone()), (vec!["t".to_string()], Some(json!(true))));
            assert_eq!(apply.notify, vec!["h".to_string()]);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn meta_and_include_role() {
    assert!(
        matches!(task("- meta: flush_handlers\n").action, Action::Meta(m) if m == "flush_handlers")
    );
    match task("- include_role:\n    role: web\n").action {
        Action::IncludeRole { args } => assert_eq!(Value::Object(args), json!({"role": "web"})),
        other => panic!("{other:?}"),
    }
    match task("- include_role:\n    name: web\n    tasks_from: setup\n").action {
        Action::IncludeRole { args } => assert_eq!(
            Value::Object(args),
            json!({"name": "web", "tasks_from": "setup"})
        ),
        other => panic!("{other:?}"),
    }
    match task("- include_role: name=web\n").action {
        Action::IncludeRole { args } => assert_eq!(Value::Object(args), json!({"name": "web"})),
        other => panic!("{other:?}"),
    }
}

#[test]
fn tasks_know_their_origin() {
    let p = Project::new();
    let play =
        p.play("- hosts: all\n  tasks:\n    - name: first\n      ping:\n    -   debug: msg=x\n");
    let origins: Vec<(usize, usize)> = play
        .tasks
        .iter()
        .map(|t| (t.origin.line, t.origin.column))
        .collect();
    assert_eq!(origins, [(3, 7), (5, 9)]);
    assert_eq!(file_name(&play.tasks[0].origin.file), "site.yml");
    assert!(play.tasks.iter().all(|t| t.role.is_none()));
}

#[test]
fn handlers_listen() {
    let p = Project::new();
    let play = p.play("- hosts: all\n  handlers:\n    - name: restart web\n      service: name=web state=restarted\n      listen: web changed\n");
    assert_eq!(play.handlers[0].listen, vec!["web changed"]);
    assert_eq!(play.handlers[0].name.as_deref(), Some("restart web"));
}

#[test]
fn tasks_file_loads_with_role() {
    let p = Project::new();
    let path = p.write("t.yml", "- debug: msg=a\n- debug: msg=b\n");
    let role = Arc::new(Role {
        name: "r".into(),
        path: p.path("r"),
        defaults: Default::default(),
        vars: Default::default(),
    });
    let tasks = load_tasks_file(&path, &p.path(""), Some(role), &LoadOptions::default()).unwrap();
    assert_eq!(flat_names(&tasks), ["a", "b"]);
    assert!(tasks
        .iter()
        .all(|t| t.role.as_ref().is_some_and(|r| r.name == "r")));
    let empty = p.write("empty.yml", "");
    assert!(
        load_tasks_file(&empty, &p.path(""), None, &LoadOptions::default())
            .unwrap()
            .is_empty()
    );
}
