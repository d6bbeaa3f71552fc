//! Every action name the parser accepts runs, and the names it accepts without running them
//! (Ansible modules troupe lacks, a role's own Python plugins, templated names) fail only the
//! task that runs them, as Ansible does; a name that is no module at all stops the load.

mod support;

use support::Project;
use troupe::action_names::ENGINE_ACTIONS;

/// A task of each engine action that succeeds on localhost (`fail` is ignored).
const SAMPLES: &[(&str, &str)] = &[
    ("debug", "debug: {msg: hello}"),
    ("set_fact", "set_fact: {fact_x: 1}"),
    ("assert", "assert: {that: [fact_x == 1]}"),
    (
        "fail",
        "fail: {msg: failed on purpose}\n      ignore_errors: true",
    ),
    (
        "template",
        "template: {src: t.j2, dest: \"{{ base }}/t.txt\"}",
    ),
    ("include_vars", "include_vars: {file: v.yml}"),
    ("meta", "meta: noop"),
    ("include_tasks", "include_tasks: inc.yml"),
    ("import_tasks", "import_tasks: inc.yml"),
    ("include_role", "include_role: {name: r}"),
    ("import_role", "import_role: {name: r}"),
    ("setup", "setup:"),
    ("gather_facts", "gather_facts:"),
    ("add_host", "add_host: {name: added_host}"),
    ("group_by", "group_by: {key: grouped}"),
    (
        "async_status",
        "async_status: {jid: \"{{ job.ansible_job_id }}\"}",
    ),
];

/// A localhost play of `tasks` (each line indented for the play's task list).
fn play(tasks: &str) -> String {
    format!("- hosts: localhost\n  gather_facts: false\n  tasks:\n{tasks}")
}

/// The run went on past one ignored failure whose message says `why`, skipping `skipped`.
fn ran_past_one_failure(p: &Project, skipped: u32, why: &str) {
    let run = p.run(&[]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(run.recap("localhost", "skipped"), skipped, "{}", run.stdout);
    assert_eq!(run.recap("localhost", "ignored"), 1, "{}", run.stdout);
    assert!(run.stdout.contains(why), "{}", run.stdout);
}

#[test]
fn every_engine_action_runs() {
    // A job for async_status to report on.
    let mut tasks = String::from("    - command: 'true'\n      async: 5\n      register: job\n");
    for action in ENGINE_ACTIONS {
        let Some((_, task)) = SAMPLES.iter().find(|(n, _)| *n == action.name) else {
            panic!("add a sample task for the engine action '{}'", action.name);
        };
        tasks.push_str(&format!("    - {task}\n"));
        tasks.push_str(&format!("    - ansible.builtin.{task}\n"));
    }
    let p = Project::new();
    p.write("playbook.yml", &play(&tasks));
    p.write("t.j2", "x={{ fact_x }}\n");
    p.write("v.yml", "from_vars: 1\n");
    p.write("inc.yml", "- shell: echo inc >> {{ base }}/inc.log\n");
    p.write(
        "roles/r/tasks/main.yml",
        "- shell: echo role >> {{ base }}/role.log\n",
    );
    let run = p.run(&[]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(run.recap("localhost", "failed"), 0, "{}", run.stdout);
    assert_eq!(run.recap("localhost", "ignored"), 2, "{}", run.stdout);
    assert!(!run.stdout.contains("no module named"), "{}", run.stdout);
    assert_eq!(p.read("t.txt"), "x=1\n");
    assert_eq!(p.read("inc.log"), "inc\n".repeat(4));
    assert_eq!(p.read("role.log"), "role\n".repeat(4));
}

#[test]
fn an_ansible_module_troupe_lacks_fails_only_the_task_that_runs_it() {
    let p = Project::new();
    p.write(
        "playbook.yml",
        r#"
- hosts: localhost
  gather_facts: false
  tasks:
    - name: never runs
      ansible.builtin.dnf: {name: httpd, state: present}
      when: false
    - name: free-form words are kept for run time
      script: setup.sh --quick
      when: false
    - name: runs and fails
      pip: {name: requests}
      ignore_errors: true
    - name: the play goes on
      copy: {content: "after\n", dest: "{{ base }}/after.txt"}
"#,
    );
    ran_past_one_failure(&p, 2, "troupe does not implement the Ansible module 'pip'");
    assert_eq!(p.read("after.txt"), "after\n");
}

#[test]
fn systemd_service_is_the_systemd_module() {
    let p = Project::new();
    p.write(
        "playbook.yml",
        &play("    - systemd_service: {name: x}\n      when: false\n"),
    );
    let run = p.run(&["--syntax-check"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
}

#[test]
fn a_name_that_is_no_module_stops_the_load() {
    let p = Project::new();
    p.write(
        "playbook.yml",
        &play("    - copyy: {content: a, dest: /nonexistent/x}\n      when: false\n"),
    );
    let run = p.run(&[]);
    assert_ne!(run.code, 0);
    assert!(
        run.stderr
            .contains("unknown module 'copyy' (did you mean 'copy'?)"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_templated_module_name_is_resolved_when_the_task_runs() {
    let p = Project::new();
    p.write(
        "playbook.yml",
        r#"
- hosts: localhost
  gather_facts: false
  vars:
    mod: copy
    missing: dnf
  tasks:
    - action: "{{ mod }} content=one dest={{ base }}/one.txt"
    - "{{ mod }}": {content: two, dest: "{{ base }}/two.txt"}
    - "{{ missing }}": {name: httpd}
      when: false
    - "{{ missing }}": name=httpd
      ignore_errors: true
"#,
    );
    ran_past_one_failure(&p, 1, "troupe does not implement the Ansible module 'dnf'");
    assert_eq!(p.read("one.txt"), "one");
    assert_eq!(p.read("two.txt"), "two");
}

#[test]
fn a_roles_own_python_plugin_fails_when_it_runs() {
    let p = Project::new();
    p.write(
        "playbook.yml",
        "- hosts: localhost\n  gather_facts: false\n  roles: [r]\n",
    );
    p.write("roles/r/library/my_module.py", "# a custom module\n");
    p.write(
        "roles/r/tasks/main.yml",
        r#"
- my_module: {x: 1}
  when: false
- my_module: x=1
  ignore_errors: true
- copy: {content: "after\n", dest: "{{ base }}/after.txt"}
"#,
    );
    ran_past_one_failure(
        &p,
        1,
        "troupe does not run custom Python modules or action plugins",
    );
    assert_eq!(p.read("after.txt"), "after\n");
}
