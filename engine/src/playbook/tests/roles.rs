use serde_json::json;

use super::*;

/// A role `name` under `roles/` with a task printing `name` and a handler.
fn simple_role(p: &Project, name: &str) {
    p.write(
        &format!("roles/{name}/tasks/main.yml"),
        &format!("- debug: msg={name}\n"),
    );
    p.write(
        &format!("roles/{name}/handlers/main.yml"),
        &format!("- name: h-{name}\n  debug: msg=h-{name}\n"),
    );
}

#[test]
fn roles_become_blocks_with_their_role_files() {
    let p = Project::new();
    simple_role(&p, "web");
    p.write("roles/web/defaults/main.yml", "port: 80\nenabled: yes\n");
    p.write("roles/web/vars/main.yaml", "user: www\n");
    let play = p.play(
        "- hosts: all\n  roles:\n    - web\n    - role: web\n      port: 8080\n      tags: alt\n      when: x\n      vars: {v: 1}\n  \
         handlers:\n    - name: own\n      debug: msg=own\n",
    );
    assert_eq!(play.roles.len(), 2);
    let first = &play.roles[0];
    let role = first.role.as_ref().unwrap();
    assert_eq!(role.name, "web");
    assert_eq!(role.path, p.path("roles/web"));
    assert_eq!(
        Value::Object((*role.defaults).clone()),
        json!({"port": 80, "enabled": true})
    );
    assert_eq!(Value::Object((*role.vars).clone()), json!({"user": "www"}));
    assert_eq!(flat_names(block(first)), ["web"]);
    assert!(block(first)[0]
        .role
        .as_ref()
        .is_some_and(|r| r.name == "web"));
    assert_eq!(file_name(&block(first)[0].origin.file), "main.yml");

    let second = &play.roles[1];
    assert_eq!(
        Value::Object(second.kw.vars.clone()),
        json!({"v": 1, "port": 8080})
    );
    assert_eq!(second.kw.tags, vec!["alt"]);
    assert_eq!(second.kw.when, vec![json!("x")]);
    assert_eq!((second.origin.line, second.origin.column), (4, 7));

    // The play's handlers, then the role's, once.
    assert_eq!(flat_names(&play.handlers), ["own", "h-web"]);
}

#[test]
fn a_role_runs_once_per_play_unless_its_parameters_differ() {
    let p = Project::new();
    simple_role(&p, "a");
    simple_role(&p, "b");
    p.write("roles/b/meta/main.yml", "allow_duplicates: true\n");
    let play = p.play("- hosts: all\n  roles:\n    - a\n    - {role: a}\n    - {role: a, x: 1}\n    - b\n    - b\n");
    assert_eq!(flat_names(&play.roles), ["a", "a", "b", "b"]);
    assert_eq!(flat_names(&play.handlers), ["h-a", "h-b"]);
}

#[test]
fn dependencies_load_first_and_once() {
    let p = Project::new();
    simple_role(&p, "common");
    simple_role(&p, "web");
    simple_role(&p, "db");
    p.write(
        "roles/web/meta/main.yml",
        "galaxy_info: {author: me}\ndependencies:\n  - common\n",
    );
    p.write(
        "roles/db/meta/main.yml",
        "dependencies:\n  - role: common\n  - role: web\n    when: w\n",
    );
    let play = p.play("- hosts: all\n  roles:\n    - db\n");
    // db → common, web (→ common already used), db.
    assert_eq!(flat_names(&play.roles), ["common", "web", "db"]);
    let db = block(&play.roles[0]);
    assert_eq!(db[0].role.as_ref().unwrap().name, "common");
    assert_eq!(db[1].kw.when, vec![json!("w")]);
    assert_eq!(file_name(&db[1].origin.file), "main.yml");
    assert_eq!(db[1].origin.line, 3);
    assert_eq!(flat_names(&play.handlers), ["h-common", "h-web", "h-db"]);
}

#[test]
fn role_files_variants() {
    let p = Project::new();
    p.write("roles/r/defaults/main/a.yml", "x: 1\ny: 1\n");
    p.write("roles/r/defaults/main/b.yaml", "y: 2\n");
    p.write("roles/r/tasks/main", "- debug: msg=noext\n");
    let play = p.play("- hosts: all\n  roles: [r]\n");
    let role = play.roles[0].role.as_ref().unwrap();
    assert_eq!(
        Value::Object((*role.defaults).clone()),
        json!({"x": 1, "y": 2})
    );
    assert_eq!(flat_names(&play.roles), ["noext"]);

    p.write("roles/empty/meta/main.yml", "");
    let play = p.play("- hosts: all\n  roles: [empty]\n");
    assert!(block(&play.roles[0]).is_empty());
}

#[test]
fn role_search_order_and_paths() {
    let p = Project::new();
    p.write("extra/r/tasks/main.yml", "- debug: msg=extra\n");
    p.write("r/tasks/main.yml", "- debug: msg=beside\n");
    p.write("elsewhere/q/tasks/main.yml", "- debug: msg=path\n");
    p.write("site.yml", "- hosts: all\n  roles: [r, elsewhere/q]\n");
    let opts = LoadOptions {
        roles_path: vec![p.path("extra")],
        ..LoadOptions::default()
    };
    let book = load_playbook(&p.path("site.yml"), &opts).unwrap();
    assert_eq!(flat_names(&book.plays[0].roles), ["extra", "path"]);
    let book = p.load("site.yml").unwrap();
    assert_eq!(flat_names(&book.plays[0].roles), ["beside", "path"]);
    p.write("roles/r/tasks/main.yml", "- debug: msg=roles\n");
    let book = load_playbook(&p.path("site.yml"), &opts).unwrap();
    assert_eq!(flat_names(&book.plays[0].roles), ["roles", "path"]);
}

#[test]
fn import_role_with_from_files() {
    let p = Project::new();
    simple_role(&p, "web");
    p.write(
        "roles/web/tasks/setup.yml",
        "- debug: msg=setup\n- import_tasks: more.yml\n",
    );
    p.write("roles/web/tasks/more.yml", "- debug: msg=more\n");
    p.write("roles/web/vars/other.yml", "v: other\n");
    let play = p.play(
        "- hosts: all\n  tasks:\n    - import_role:\n        name: web\n        tasks_from: setup\n        vars_from: other.yml\n      tags: t\n",
    );
    let import = &play.tasks[0];
    assert_eq!(import.kw.tags, vec!["t"]);
    assert_eq!(flat_names(&play.tasks), ["setup", "more"]);
    let role = import.role.as_ref().unwrap();
    assert_eq!(Value::Object((*role.vars).clone()), json!({"v": "other"}));
    assert!(block(import).iter().all(|t| t.role.is_some()));
    assert_eq!(flat_names(&play.handlers), ["h-web"]);
}

#[test]
fn load_role_at_run_time() {
    let p = Project::new();
    simple_role(&p, "base");
    simple_role(&p, "app");
    p.write("roles/app/meta/main.yml", "dependencies: [base]\n");
    p.write("roles/app/tasks/extra.yml", "- debug: msg=extra\n");
    p.write(
        "roles/app/handlers/other.yml",
        "- name: other\n  debug: msg=other\n",
    );
    p.write("roles/app/defaults/alt.yml", "d: alt\n");
    let from = RoleFrom {
        tasks_from: Some("extra".into()),
        handlers_from: Some("other".into()),
        defaults_from: Some("alt".into()),
        vars_from: None,
    };
    let loaded = load_role("app", &from, &p.path(""), &LoadOptions::default()).unwrap();
    assert_eq!(loaded.role.name, "app");
    assert_eq!(
        Value::Object((*loaded.role.defaults).clone()),
        json!({"d": "alt"})
    );
    assert_eq!(flat_names(&loaded.tasks), ["base", "extra"]);
    assert_eq!(flat_names(&loaded.handlers), ["h-base", "other"]);

    let missing = load_role(
        "nope",
        &RoleFrom::default(),
        &p.path(""),
        &LoadOptions::default(),
    )
    .unwrap_err();
    assert!(
        missing
            .to_string()
            .starts_with("role 'nope' not found (looked in "),
        "{missing}"
    );
    let from = RoleFrom {
        tasks_from: Some("nope".into()),
        ..RoleFrom::default()
    };
    let e = load_role("app", &from, &p.path(""), &LoadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("role 'app' has no tasks file 'nope'"), "{e}");
}

#[test]
fn dependency_cycles_are_refused() {
    let p = Project::new();
    p.write("roles/a/meta/main.yml", "dependencies: [b]\n");
    p.write(
        "roles/b/meta/main.yml",
        "dependencies:\n  - role: a\n    x: 1\n",
    );
    let e = p.error("- hosts: all\n  roles: [a]\n").to_string();
    assert!(
        e.contains("b/meta/main.yml:2:5: role 'a' depends on itself"),
        "{e}"
    );
}
