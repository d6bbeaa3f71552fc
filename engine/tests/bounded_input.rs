//! Input that once hung or crashed troupe (issue 12): every such loop ends, quickly, with an
//! error that says what to fix. Each run is stopped after 60 s so a regression fails the test
//! instead of hanging the suite (exit 124).

mod support;

use support::Project;

fn failing_within_a_minute(playbook: &str) -> String {
    let p = Project::new();
    p.write("playbook.yml", playbook);
    let r = p.run_within(60, &[]);
    assert_ne!(r.code, 124, "still running after 60 s:\n{}", r.stdout);
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    r.stdout
}

#[test]
fn a_variable_defined_through_itself_is_a_recursive_loop() {
    let out = failing_within_a_minute(
        r#"
- hosts: localhost
  gather_facts: false
  vars:
    x: "{{ x }}"
  tasks:
    - debug: msg="{{ x }}"
"#,
    );
    assert!(
        out.contains("Recursive loop detected in template: x -> x"),
        "{out}"
    );
    assert!(out.contains("playbook.yml:7:7"), "{out}");
}

#[test]
fn a_variable_extending_itself_is_a_recursive_loop() {
    let out = failing_within_a_minute(
        r#"
- hosts: localhost
  gather_facts: false
  vars:
    app_dir: "{{ app_dir }}/current"
  tasks:
    - file: path="{{ app_dir }}" state=directory
"#,
    );
    assert!(
        out.contains("Recursive loop detected in template: app_dir -> app_dir"),
        "{out}"
    );
}

#[test]
fn variables_defined_through_each_other_name_the_chain() {
    let p = Project::new();
    p.write(
        "playbook.yml",
        r#"
- hosts: localhost
  gather_facts: false
  roles: [looped]
"#,
    );
    p.write(
        "roles/looped/defaults/main.yml",
        "a: \"{{ b }}\"\nc: \"{{ a }}\"\n",
    );
    p.write("roles/looped/vars/main.yml", "b: \"x{{ c }}\"\n");
    p.write("roles/looped/tasks/main.yml", "- debug: var=c\n");
    let r = p.run_within(60, &[]);
    assert_ne!(r.code, 124, "still running after 60 s:\n{}", r.stdout);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(
        r.stdout
            .contains("Recursive loop detected in template: c -> a -> b -> c"),
        "{}",
        r.stdout
    );
}

#[test]
fn a_template_failing_deep_down_fails_once_not_exponentially() {
    // Forty levels, each using the one below twice: rendered naively, 2^40 lookups.
    let mut vars = String::from("    v0: \"{{ missing_var }}\"\n");
    for i in 1..40 {
        vars.push_str(&format!(
            "    v{i}: \"{{{{ v{j} }}}}{{{{ v{j} }}}}\"\n",
            j = i - 1
        ));
    }
    let out = failing_within_a_minute(&format!(
        "- hosts: localhost\n  gather_facts: false\n  vars:\n{vars}  tasks:\n    - debug: msg=\"{{{{ v39 }}}}\"\n"
    ));
    assert!(out.contains("missing_var"), "{out}");
}

#[test]
fn an_include_that_never_ends_fails_its_hosts_with_the_chain() {
    let p = Project::new();
    p.write(
        "playbook.yml",
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n    - include_tasks: again.yml\n",
    );
    p.write("again.yml", "- include_tasks: again.yml\n");
    let r = p.run_within(60, &[]);
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("includes nest deeper than 64 levels")
            && r.stdout.contains("again.yml -> "),
        "{}",
        r.stdout
    );
}

#[test]
fn a_role_including_itself_fails_with_the_chain() {
    let p = Project::new();
    p.write(
        "playbook.yml",
        "- hosts: localhost\n  gather_facts: false\n  roles: [again]\n",
    );
    p.write(
        "roles/again/tasks/main.yml",
        "- include_role: {name: again}\n",
    );
    let r = p.run_within(60, &[]);
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("role again -> role again"),
        "{}",
        r.stdout
    );
}

#[test]
fn an_include_that_includes_itself_until_a_condition_ends_it_runs() {
    let p = Project::new();
    p.write(
        "playbook.yml",
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n    - set_fact: {level: 0}\n    - include_tasks: step.yml\n",
    );
    p.write(
        "step.yml",
        "- set_fact: {level: \"{{ level | int + 1 }}\"}\n- include_tasks: step.yml\n  when: level | int < 50\n- copy: {content: \"{{ level }}\", dest: \"{{ base }}/depth\"}\n  when: level | int == 50\n",
    );
    let r = p.run_within(120, &[]);
    r.assert_ok();
    assert_eq!(p.read("depth"), "50");
}

#[test]
fn a_task_past_its_timeout_fails_and_its_command_is_ended() {
    let p = Project::new();
    // A sleep long enough to be this test's own, to look for afterwards.
    let marker = format!("sleep {}", 100_000 + std::process::id());
    p.write(
        "playbook.yml",
        &format!(
            r#"
- hosts: localhost
  gather_facts: false
  tasks:
    - name: hangs
      shell: "{marker}"
      timeout: 2
      ignore_errors: true
      register: hung
    - copy: {{content: "{{{{ hung.msg }}}} {{{{ hung.timedout.period }}}}", dest: "{{{{ base }}}}/result"}}
"#
        ),
    );
    let r = p.run_within(60, &[]);
    r.assert_ok();
    assert_eq!(p.read("result"), "Timed out after 2 second(s). 2");
    let left = std::process::Command::new("pgrep")
        .args(["-f", &marker])
        .output()
        .unwrap();
    assert!(
        left.stdout.is_empty(),
        "the command still runs: {}",
        String::from_utf8_lossy(&left.stdout)
    );
}

#[test]
fn a_command_printing_more_than_troupe_keeps_fails_and_the_host_goes_on() {
    let p = Project::new();
    p.write(
        "playbook.yml",
        r#"
- hosts: localhost
  gather_facts: false
  tasks:
    - shell: head -c 70000000 /dev/zero
      register: out
      ignore_errors: true
    - copy: {content: "{{ out.msg }}", dest: "{{ base }}/why"}
    - shell: echo still in step
      register: after
    - copy: {content: "{{ after.stdout }}", dest: "{{ base }}/after"}
"#,
    );
    let r = p.run_within(120, &[]);
    r.assert_ok();
    assert!(
        p.read("why")
            .starts_with("the command printed more than 64 MiB"),
        "{}",
        p.read("why")
    );
    assert_eq!(p.read("after"), "still in step");
}

#[test]
fn a_destination_with_a_255_byte_name_is_written() {
    let p = Project::new();
    let name = "n".repeat(255);
    p.write(
        "playbook.yml",
        &format!(
            "- hosts: localhost\n  gather_facts: false\n  tasks:\n    - copy: {{content: \"long\\n\", dest: \"{{{{ base }}}}/{name}\"}}\n    - template: {{src: t.j2, dest: \"{{{{ base }}}}/{name}\"}}\n"
        ),
    );
    p.write("templates/t.j2", "long\n");
    let r = p.run(&[]);
    r.assert_ok();
    assert_eq!(p.read(&name), "long\n");
}
