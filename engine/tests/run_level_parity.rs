//! End-to-end: run-level behaviours of ansible-playbook that Ansible's own integration targets
//! rely on (issue 10): templated set_fact keys, templated check_mode, failed templating
//! registered as a failed result, any_errors_fatal with rescue/always, clear_host_errors,
//! forced handlers, include options, include_vars paths, skipped includes and empty loops.

mod support;

use support::Project;

fn two_hosts(p: &Project) {
    p.write(
        "inventory.ini",
        "[pair]\nh1 ansible_connection=local\nh2 ansible_connection=local\n",
    );
}

#[test]
fn set_fact_key_may_be_a_template() {
    let p = Project::new();
    p.write(
        "playbook.yml",
        r#"
- hosts: localhost
  gather_facts: false
  tasks:
    - set_fact: "{{ item }}=moo"
      with_items: [foo, bar]
    - set_fact: "{{ 'b' ~ 'az' }}={{ foo ~ '!' }}"
    - copy: {content: "{{ foo }} {{ bar }} {{ baz }}\n", dest: "{{ base }}/facts.txt"}
"#,
    );
    let r = p.run(&[]);
    r.assert_ok();
    assert_eq!(p.read("facts.txt"), "moo moo moo!\n");
}

#[test]
fn templated_check_mode_changes_nothing() {
    let p = Project::new();
    p.write(
        "playbook.yml",
        r#"
- hosts: localhost
  gather_facts: false
  vars: {dry: true}
  tasks:
    - copy: {content: "x\n", dest: "{{ base }}/dry.txt"}
      check_mode: "{{ dry }}"
    - copy: {content: "y\n", dest: "{{ base }}/wet.txt"}
      check_mode: "{{ not dry }}"
"#,
    );
    let r = p.run(&[]);
    r.assert_ok();
    assert!(!p.exists("dry.txt"), "check_mode template ignored");
    assert_eq!(p.read("wet.txt"), "y\n");
}

#[test]
fn a_task_whose_templating_fails_registers_a_failed_result() {
    let p = Project::new();
    p.write(
        "playbook.yml",
        r#"
- hosts: localhost
  gather_facts: false
  tasks:
    - set_fact:
        bad: "{{ undefined_var }}"
      register: result
      ignore_errors: true
    - assert:
        that:
          - result is failed
          - "'undefined_var' in result.msg"
    - copy: {content: "reached\n", dest: "{{ base }}/after.txt"}
"#,
    );
    let r = p.run(&[]);
    r.assert_ok();
    assert_eq!(p.read("after.txt"), "reached\n");
}

#[test]
fn any_errors_fatal_still_runs_rescue_and_always_on_every_host() {
    let p = Project::new();
    two_hosts(&p);
    p.write(
        "playbook.yml",
        r#"
- hosts: pair
  gather_facts: false
  any_errors_fatal: true
  tasks:
    - block:
        - fail:
          when: inventory_hostname == 'h1'
        - copy: {content: "no\n", dest: "{{ base }}/not-{{ inventory_hostname }}"}
      rescue:
        - copy: {content: "r\n", dest: "{{ base }}/rescue-{{ inventory_hostname }}"}
      always:
        - copy: {content: "a\n", dest: "{{ base }}/always-{{ inventory_hostname }}"}
    - copy: {content: "after\n", dest: "{{ base }}/after-{{ inventory_hostname }}"}
"#,
    );
    let r = p.run(&[]);
    r.assert_ok();
    for h in ["h1", "h2"] {
        assert!(p.exists(&format!("rescue-{h}")), "{}", r.stdout);
        assert!(p.exists(&format!("always-{h}")));
        assert!(p.exists(&format!("after-{h}")));
        assert!(!p.exists(&format!("not-{h}")));
    }
    // As Ansible counts: the host whose task failed was rescued; the other was failed by
    // any_errors_fatal, which counts neither as a failure nor as a rescue.
    assert_eq!((r.recap("h1", "rescued"), r.recap("h1", "failed")), (1, 0));
    assert_eq!((r.recap("h2", "rescued"), r.recap("h2", "failed")), (0, 0));
}

#[test]
fn any_errors_fatal_without_rescue_ends_every_host_after_always() {
    let p = Project::new();
    two_hosts(&p);
    p.write(
        "playbook.yml",
        r#"
- hosts: pair
  gather_facts: false
  any_errors_fatal: true
  tasks:
    - block:
        - fail:
          when: inventory_hostname == 'h1'
      always:
        - copy: {content: "a\n", dest: "{{ base }}/always-{{ inventory_hostname }}"}
    - copy: {content: "no\n", dest: "{{ base }}/after-{{ inventory_hostname }}"}
"#,
    );
    let r = p.run(&[]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(p.exists("always-h1") && p.exists("always-h2"));
    assert!(!p.exists("after-h1") && !p.exists("after-h2"));
}

#[test]
fn a_failure_in_rescue_counts_once_beside_the_rescue() {
    let p = Project::new();
    p.write(
        "playbook.yml",
        r#"
- hosts: localhost
  gather_facts: false
  tasks:
    - block:
        - fail:
      rescue:
        - fail:
    - copy: {content: "no\n", dest: "{{ base }}/after.txt"}
"#,
    );
    let r = p.run(&[]);
    assert_eq!(r.code, 2);
    assert_eq!(r.recap("localhost", "rescued"), 1, "{}", r.stdout);
    assert_eq!(r.recap("localhost", "failed"), 1);
    assert!(!p.exists("after.txt"));
}

#[test]
fn clear_host_errors_in_always_lets_the_host_go_on() {
    let p = Project::new();
    p.write(
        "playbook.yml",
        r#"
- hosts: localhost
  gather_facts: false
  tasks:
    - block:
        - fail:
      always:
        - meta: clear_host_errors
    - copy: {content: "after\n", dest: "{{ base }}/after.txt"}
"#,
    );
    let r = p.run(&[]);
    assert_eq!(p.read("after.txt"), "after\n", "{}", r.stdout);
    // The failure stays in the recap, but the run succeeds: no host ended failed.
    assert_eq!(r.recap("localhost", "failed"), 1);
    assert_eq!(r.code, 0);
}

const FORCED: &str = r#"
- hosts: pair
  gather_facts: false
  tasks:
    - command: "true"
      notify: h
    - fail:
      when: inventory_hostname == 'h1'
  handlers:
    - name: h
      copy: {content: "ran\n", dest: "{{ base }}/handler-{{ inventory_hostname }}"}
"#;

#[test]
fn force_handlers_runs_handlers_on_failed_hosts() {
    let p = Project::new();
    two_hosts(&p);
    p.write("playbook.yml", FORCED);
    let r = p.run(&[]);
    assert_eq!(r.code, 2);
    assert!(!p.exists("handler-h1") && p.exists("handler-h2"));

    let p = Project::new();
    two_hosts(&p);
    p.write("playbook.yml", FORCED);
    let r = p.run(&["--force-handlers"]);
    assert_eq!(r.code, 2);
    assert!(
        p.exists("handler-h1") && p.exists("handler-h2"),
        "{}",
        r.stdout
    );

    // The play's `force_handlers: false` wins over the command line.
    let p = Project::new();
    two_hosts(&p);
    p.write(
        "playbook.yml",
        &FORCED.replace(
            "gather_facts: false",
            "gather_facts: false\n  force_handlers: false",
        ),
    );
    p.run(&["--force-handlers"]);
    assert!(!p.exists("handler-h1") && p.exists("handler-h2"));
}

#[test]
fn include_options_apply_notify_and_role_alias() {
    let p = Project::new();
    p.write("tasks/change.yml", "- command: \"true\"\n");
    p.write(
        "roles/r1/tasks/main.yml",
        "- copy: {content: \"r1\\n\", dest: \"{{ base }}/r1.txt\"}\n",
    );
    p.write(
        "playbook.yml",
        r#"
- hosts: localhost
  gather_facts: false
  tasks:
    - include_tasks:
        file: tasks/change.yml
        apply:
          notify: hello
    - include_role:
        role: r1
  handlers:
    - name: hello
      copy: {content: "hello\n", dest: "{{ base }}/hello.txt"}
"#,
    );
    let r = p.run(&[]);
    r.assert_ok();
    assert_eq!(p.read("hello.txt"), "hello\n");
    assert_eq!(p.read("r1.txt"), "r1\n");
}

#[test]
fn include_vars_paths_relative_to_the_role_and_files_without_extension() {
    let p = Project::new();
    p.write("roles/v/vars/main.yml", "from_main: 1\n");
    p.write("roles/v/vars/webapp/noext", "webapp_version: 7\n");
    p.write("roles/v/vars2/hash.yml", "hashed: 3\n");
    p.write(
        "roles/v/tasks/main.yml",
        r#"
- include_vars:
    dir: webapp
    extensions: ['', 'yml']
  register: inc
- include_vars:
    dir: vars
    extensions: ['', 'yml']
  register: every
- include_vars: vars2/hash.yml
- copy:
    content: "{{ webapp_version }} {{ hashed }} {{ inc.ansible_included_var_files | map('basename') | list }} {{ every.ansible_included_var_files | length }}\n"
    dest: "{{ base }}/vars.txt"
"#,
    );
    p.write(
        "playbook.yml",
        "- hosts: localhost\n  gather_facts: false\n  roles: [v]\n",
    );
    let r = p.run(&[]);
    r.assert_ok();
    // `dir: vars` in a role is the role's vars/, without its main.yml.
    assert_eq!(p.read("vars.txt"), "7 3 ['noext'] 1\n");
}

#[test]
fn skipped_includes_and_empty_loops_count_as_skipped() {
    let p = Project::new();
    p.write("inc.yml", "- debug: msg=inc\n");
    p.write(
        "playbook.yml",
        r#"
- hosts: localhost
  gather_facts: false
  tasks:
    - include_tasks: inc.yml
      when: false
    - include_tasks: inc.yml
    - debug: msg=x
      loop: []
      register: r
    - assert:
        that: [r is skipped, "r.results | length == 0"]
    - include_role: {name: nope}
      when: false
"#,
    );
    let r = p.run(&[]);
    r.assert_ok();
    // As Ansible: the include that ran, its debug, the assert; three skipped.
    assert_eq!(r.recap("localhost", "ok"), 3, "{}", r.stdout);
    assert_eq!(r.recap("localhost", "skipped"), 3);
    assert_eq!(r.stdout.matches("TASK [include_tasks]").count(), 2);
}

#[test]
fn python_facts_when_the_target_has_python() {
    if std::process::Command::new("python3")
        .arg("-V")
        .output()
        .is_err()
    {
        return;
    }
    let p = Project::new();
    p.write(
        "playbook.yml",
        r#"
- hosts: localhost
  tasks:
    - copy:
        content: "{{ ansible_python.version.major }} {{ ansible_python_version.startswith(ansible_python.version.major ~ '.') }} {{ ansible_python.executable is file }}\n"
        dest: "{{ base }}/python.txt"
"#,
    );
    let r = p.run(&[]);
    r.assert_ok();
    assert_eq!(p.read("python.txt"), "3 True True\n");
}

/// `troupe run PLAYBOOK ARGS` in the project with environment variables `env`.
fn run_with_env(
    p: &Project,
    playbook: &str,
    args: &[&str],
    env: &[(&str, &str)],
) -> support::RunResult {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_troupe"));
    cmd.current_dir(p.path())
        .args(["run", playbook, "-i", "inventory.ini", "-e"])
        .arg(format!("base={}", p.base().display()))
        .args(args)
        .envs(env.iter().copied());
    support::run_troupe_with(&mut cmd)
}

/// `troupe run PLAYBOOK` in the project with a jsonfile fact cache in `cache/`.
fn run_cached(p: &Project, playbook: &str, args: &[&str]) -> support::RunResult {
    let cache = p.path().join("cache").display().to_string();
    let env = [
        ("ANSIBLE_CACHE_PLUGIN", "jsonfile"),
        ("ANSIBLE_CACHE_PLUGIN_CONNECTION", cache.as_str()),
        ("ANSIBLE_CACHE_PLUGIN_PREFIX", "prefix_"),
    ];
    run_with_env(p, playbook, args, &env)
}

#[test]
fn cacheable_facts_outlive_the_run_in_a_jsonfile_cache() {
    let p = Project::new();
    p.write(
        "set.yml",
        r#"
- hosts: localhost
  gather_facts: false
  tasks:
    - set_fact:
        ansible_foobar: from_cache
        cacheable: true
    - set_fact: not_cached=x
- hosts: localhost
  gather_facts: false
  vars: {ansible_foobar: from_play_vars}
  tasks:
    - copy: {content: "{{ ansible_foobar }}\n", dest: "{{ base }}/same-run.txt"}
"#,
    );
    p.write(
        "read.yml",
        r#"
- hosts: localhost
  gather_facts: false
  tasks:
    - copy:
        content: "{{ ansible_foobar | default('MISSING') }} {{ (ansible_facts | default({})).foobar | default('MISSING') }} {{ not_cached | default('MISSING') }}\n"
        dest: "{{ base }}/next-run.txt"
"#,
    );
    run_cached(&p, "set.yml", &[]).assert_ok();
    // A cacheable fact also beats play vars in the same run, as a plain set_fact does.
    assert_eq!(p.read("same-run.txt"), "from_cache\n");
    assert!(p.path().join("cache/prefix_localhost").is_file());
    run_cached(&p, "read.yml", &[]).assert_ok();
    assert_eq!(p.read("next-run.txt"), "from_cache from_cache MISSING\n");
    run_cached(&p, "read.yml", &["--flush-cache"]).assert_ok();
    assert_eq!(p.read("next-run.txt"), "MISSING MISSING MISSING\n");
}

#[test]
fn set_fact_refuses_a_name_that_is_no_identifier() {
    let p = Project::new();
    p.write(
        "playbook.yml",
        r#"
- hosts: localhost
  gather_facts: false
  vars: {k: "not valid"}
  tasks:
    - set_fact: "{{ k }}=1"
"#,
    );
    let r = p.run(&[]);
    assert_eq!(r.code, 2);
    assert!(
        r.stdout
            .contains("The variable name 'not valid' is not valid"),
        "{}",
        r.stdout
    );
}

#[test]
fn a_loop_lookup_error_is_its_own_message_and_ignore_errors_covers_it() {
    let p = Project::new();
    p.write(
        "playbook.yml",
        r#"
- hosts: localhost
  gather_facts: false
  tasks:
    - debug: msg=x
      with_sequence: start=1 end=4 count=2
      register: seq
      ignore_errors: true
    - block:
        - debug: msg=x
          with_together: []
      rescue:
        - copy:
            content: "{{ seq.msg }}|{{ ansible_failed_result.msg }}\n"
            dest: "{{ base }}/msgs.txt"
"#,
    );
    let r = p.run(&[]);
    r.assert_ok();
    assert_eq!(
        p.read("msgs.txt"),
        "can't specify both count and end in with_sequence|with_together requires at least one element in each list\n"
    );
}

#[test]
fn set_fact_booleans_under_non_native_templating() {
    let p = Project::new();
    p.write(
        "playbook.yml",
        r#"
- hosts: localhost
  gather_facts: false
  vars: {word: "no"}
  tasks:
    - set_fact:
        quoted: "yes"
        templated: "{{ word }}"
    - copy: {content: "{{ quoted is boolean }} {{ templated is boolean }} {{ templated }}\n", dest: "{{ base }}/b.txt"}
"#,
    );
    run_with_env(&p, "playbook.yml", &[], &[("ANSIBLE_JINJA2_NATIVE", "0")]).assert_ok();
    assert_eq!(p.read("b.txt"), "True True False\n");
    // Unset, as ansible-core 2.19: the strings stay strings.
    p.run(&[]).assert_ok();
    assert_eq!(p.read("b.txt"), "False False no\n");
}
