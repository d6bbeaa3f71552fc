//! The ansible-playbook flags an Ansible user reaches for, and secrets staying secret.

mod support;

use support::Project;

const TWO_PLAYS: &str = r#"
- name: first play
  hosts: web
  gather_facts: false
  tags: [base]
  tasks:
    - name: alpha task
      copy: {content: a, dest: "{{ base }}/alpha-{{ inventory_hostname }}"}
      tags: [alpha]
    - name: beta task
      copy: {content: b, dest: "{{ base }}/beta-{{ inventory_hostname }}"}
      tags: [beta]
- import_playbook: second.yml
"#;

fn project() -> Project {
    let p = Project::new();
    p.write("playbook.yml", TWO_PLAYS);
    p.write(
        "second.yml",
        "- name: second play\n  hosts: db\n  gather_facts: false\n  tasks:\n    - name: gamma task\n      copy: {content: \"{{ greeting | default('none') }}\", dest: \"{{ base }}/gamma\"}\n",
    );
    p.write(
        "inventory.ini",
        "[web]\nweb[1:2] ansible_connection=local\n\n[db]\ndb1 ansible_connection=local\n",
    );
    p
}

#[test]
fn list_hosts_tasks_and_tags() {
    let p = project();
    let hosts = p.run(&["--list-hosts", "--limit", "web2,db1"]);
    hosts.assert_ok();
    assert!(
        hosts.stdout.contains("web2")
            && hosts.stdout.contains("db1")
            && !hosts.stdout.contains("web1"),
        "{}",
        hosts.stdout
    );
    let tasks = p.run(&["--list-tasks", "--tags", "beta"]);
    tasks.assert_ok();
    assert!(
        tasks.stdout.contains("beta task") && !tasks.stdout.contains("alpha task"),
        "{}",
        tasks.stdout
    );
    let tags = p.run(&["--list-tags"]);
    tags.assert_ok();
    assert!(
        tags.stdout.contains("alpha")
            && tags.stdout.contains("beta")
            && tags.stdout.contains("base"),
        "{}",
        tags.stdout
    );
    assert!(p.snapshot().is_empty(), "listing ran tasks");
}

#[test]
fn syntax_check_touches_nothing() {
    let p = project();
    let r = p.run(&["--syntax-check"]);
    r.assert_ok();
    assert!(p.snapshot().is_empty());
}

#[test]
fn start_at_task_skips_what_comes_before() {
    let p = project();
    p.run(&["--start-at-task", "beta task"]).assert_ok();
    assert!(!p.exists("alpha-web1") && p.exists("beta-web1") && p.exists("gamma"));
}

#[test]
fn extra_vars_from_key_value_json_and_file_override_everything() {
    let p = project();
    p.write("vars.yml", "greeting: from-file\n");
    p.run(&["-e", "greeting=from-kv"]).assert_ok();
    assert_eq!(p.read("gamma"), "from-kv");
    p.run(&["-e", "@vars.yml"]).assert_ok();
    assert_eq!(p.read("gamma"), "from-file");
    p.run(&["-e", r#"{"greeting": "from-json"}"#]).assert_ok();
    assert_eq!(p.read("gamma"), "from-json");
}

#[test]
fn limit_patterns_with_exclusion() {
    let p = project();
    let r = p.run(&["--limit", "all:!web1"]);
    r.assert_ok();
    assert!(!p.exists("alpha-web1") && p.exists("alpha-web2") && p.exists("gamma"));
}

#[test]
fn json_output_is_one_event_per_line() {
    let p = project();
    let r = p.run(&["--output", "json"]);
    r.assert_ok();
    let events: Vec<serde_json::Value> = r
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    assert!(events
        .iter()
        .any(|e| e["event"] == "result" && e["host"] == "web2" && e["status"] == "changed"));
    let recap = events
        .iter()
        .find(|e| e["event"] == "recap")
        .expect("recap event");
    assert_eq!(recap["hosts"]["db1"]["changed"], 1);
}

#[test]
fn no_log_hides_secrets_from_output_and_failures() {
    let p = Project::new();
    p.write(
        "playbook.yml",
        r#"
- hosts: localhost
  gather_facts: false
  vars:
    db_password: hunter2-secret
  tasks:
    - name: write a secret
      copy: {content: "password={{ db_password }}\n", dest: "{{ base }}/secret.conf", mode: "0600"}
      no_log: true
    - name: fail with a secret
      command: "false {{ db_password }}"
      no_log: true
      ignore_errors: true
    - name: a loop over secrets, one of them failing
      command: "test {{ item }} != hunter2-item-b"
      loop: [hunter2-item-a, hunter2-item-b]
      no_log: true
      ignore_errors: true
"#,
    );
    for args in [
        &["--diff"][..],
        &["-vvv", "--diff"][..],
        &["--output", "json", "--diff"][..],
    ] {
        let r = p.run(args);
        r.assert_ok();
        let all = format!("{}{}", r.stdout, r.stderr);
        assert!(
            !all.contains("hunter2"),
            "secret printed with {args:?}:\n{all}"
        );
    }
    assert_eq!(p.read("secret.conf"), "password=hunter2-secret\n");
    let r = p.run(&[]);
    assert!(
        r.stdout.contains("(item=(censored due to no_log))"),
        "{}",
        r.stdout
    );
}

#[test]
fn failures_and_retries_follow_the_keywords() {
    let p = Project::new();
    p.write(
        "playbook.yml",
        r#"
- hosts: localhost
  gather_facts: false
  tasks:
    - name: counts up until three
      shell: "echo x >> {{ base }}/tries; wc -l < {{ base }}/tries"
      register: tries
      until: tries.stdout | int >= 3
      retries: 5
      delay: 0
    - name: a failure that is ignored
      command: "false"
      ignore_errors: true
    - name: output decides failure
      shell: echo ERROR
      register: out
      failed_when: "'ERROR' in out.stdout"
      ignore_errors: true
    - name: environment reaches the command
      shell: "echo $GREETING > {{ base }}/env"
      environment: {GREETING: hello-env}
    - name: a real failure
      command: "false"
    - name: never reached
      copy: {content: x, dest: "{{ base }}/unreached"}
"#,
    );
    let r = p.run(&[]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert_eq!(p.read("tries"), "x\nx\nx\n");
    assert_eq!(p.read("env"), "hello-env\n");
    assert!(!p.exists("unreached"));
    assert_eq!(r.recap("localhost", "ignored"), 2);
    assert_eq!(r.recap("localhost", "failed"), 1);
}

#[test]
fn the_connection_keyword_runs_inventory_hosts_locally() {
    let p = Project::new();
    // If the keyword were ignored, troupe would try SSH to a closed loopback port and fail.
    p.write(
        "inventory.ini",
        "[remote]\nfar ansible_host=127.0.0.9 ansible_port=1\n",
    );
    p.write(
        "playbook.yml",
        "- hosts: remote\n  connection: local\n  gather_facts: false\n  tasks:\n    - copy: {content: here, dest: \"{{ base }}/local\"}\n",
    );
    p.run(&[]).assert_ok();
    assert_eq!(p.read("local"), "here");
}

/// `-K` with the password piped in, as scripts give it: read from stdin, the run goes on.
#[test]
fn ask_become_pass_reads_a_piped_password() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let p = Project::new();
    p.write(
        "playbook.yml",
        "- hosts: localhost\n  gather_facts: false\n  become: true\n  tasks:\n    - command: id -un\n      register: who\n    - copy: {content: \"{{ who.stdout }}\", dest: \"{{ base }}/who\"}\n",
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_troupe"))
        .current_dir(p.path())
        .args(["run", "playbook.yml", "-i", "inventory.ini", "-K", "-e"])
        .arg(format!("base={}", p.base().display()))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"pw\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(p.read("who"), "root");
}
