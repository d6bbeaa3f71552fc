use serde_json::json;

use super::*;

#[test]
fn play_keywords_are_read() {
    let p = Project::new();
    let play = p.play(
        "- name: web setup\n  hosts: [web, db]\n  gather_facts: no\n  become: yes\n  become_user: admin\n  \
         become_method: sudo\n  serial: [1, \"50%\"]\n  strategy: free\n  any_errors_fatal: true\n  \
         max_fail_percentage: 20\n  environment: {A: b}\n  tags: [deploy]\n  connection: ssh\n  remote_user: ops\n  \
         check_mode: false\n  diff: true\n  ignore_errors: true\n  ignore_unreachable: true\n  no_log: false\n  \
         force_handlers: true\n  order: sorted\n  collections: [a.b]\n  vars:\n    port: 80\n  \
         vars_files:\n    - common.yml\n    - [\"{{ os }}.yml\", default.yml]\n  pre_tasks:\n    - debug: msg=pre\n  \
         tasks:\n    - debug: msg=main\n  post_tasks:\n    - debug: msg=post\n  handlers:\n    - name: h\n      debug: msg=handler\n",
    );
    assert_eq!(play.name, "web setup");
    assert_eq!(play.hosts, "web,db");
    assert_eq!(play.gather_facts, Some(json!(false)));
    assert_eq!(play.kw.r#become, Some(json!(true)));
    assert_eq!(play.kw.become_user, Some(json!("admin")));
    assert_eq!(play.kw.become_method, Some(json!("sudo")));
    assert_eq!(play.serial, Some(json!([1, "50%"])));
    assert_eq!(play.strategy.as_deref(), Some("free"));
    assert_eq!(play.kw.any_errors_fatal, Some(json!(true)));
    assert_eq!(play.max_fail_percentage, Some(json!(20)));
    assert_eq!(play.kw.environment, Some(json!({"A": "b"})));
    assert_eq!(play.kw.tags, vec!["deploy"]);
    assert_eq!(play.kw.connection, Some(json!("ssh")));
    assert_eq!(play.kw.remote_user, Some(json!("ops")));
    assert_eq!(play.kw.check_mode, Some(json!(false)));
    assert_eq!(play.kw.diff, Some(json!(true)));
    assert_eq!(play.kw.ignore_errors, Some(json!(true)));
    assert_eq!(play.kw.ignore_unreachable, Some(json!(true)));
    assert_eq!(play.kw.no_log, Some(json!(false)));
    assert_eq!(play.force_handlers, Some(json!(true)));
    assert_eq!(play.order, Some(json!("sorted")));
    assert_eq!(Value::Object(play.kw.vars.clone()), json!({"port": 80}));
    assert_eq!(
        play.vars_files,
        vec![json!("common.yml"), json!(["{{ os }}.yml", "default.yml"])]
    );
    assert_eq!(flat_names(&play.pre_tasks), ["pre"]);
    assert_eq!(flat_names(&play.tasks), ["main"]);
    assert_eq!(flat_names(&play.post_tasks), ["post"]);
    assert_eq!(flat_names(&play.handlers), ["handler"]);
    assert_eq!(play.dir, p.path(""));
    assert_eq!((play.origin.line, play.origin.column), (1, 3));
}

#[test]
fn play_name_defaults_to_hosts() {
    let play = Project::new().play("- hosts: all\n");
    assert_eq!((play.name.as_str(), play.hosts.as_str()), ("all", "all"));
    assert!(play.tasks.is_empty() && play.roles.is_empty() && play.handlers.is_empty());
}

#[test]
fn several_plays_in_order() {
    let p = Project::new();
    p.write(
        "site.yml",
        "- hosts: a\n- name: second\n  hosts: b\n  vars_files: one.yml\n",
    );
    let book = p.load("site.yml").unwrap();
    let names: Vec<&str> = book.plays.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["a", "second"]);
    assert_eq!(book.plays[1].vars_files, vec![json!("one.yml")]);
    assert_eq!(book.path, p.path("site.yml"));
}
