//! End-to-end: real playbooks run by the troupe binary with the local connection; assertions
//! on the files left behind, the recap counts, and that a second run changes nothing.

mod support;

use support::Project;

#[test]
fn files_templates_and_lines_converge_and_stay_converged() {
    let p = Project::new();
    p.write(
        "playbook.yml",
        r#"
- hosts: localhost
  gather_facts: false
  vars:
    greeting: hello
    servers: [alpha, beta]
  tasks:
    - name: make a directory
      file: path={{ base }}/etc state=directory mode=0755
    - name: copy content
      copy:
        content: "static\n"
        dest: "{{ base }}/etc/static.txt"
        mode: 0640
    - name: render a template
      template:
        src: app.conf.j2
        dest: "{{ base }}/etc/app.conf"
    - name: set a line
      lineinfile:
        path: "{{ base }}/etc/lines.conf"
        regexp: '^key='
        line: key=value
        create: true
    - name: a file per server
      copy:
        content: "{{ item }}\n"
        dest: "{{ base }}/etc/{{ item }}.txt"
      loop: "{{ servers }}"
"#,
    );
    p.write("templates/app.conf.j2", "greeting={{ greeting }}\n{% for s in servers %}server {{ s }}\n{% endfor %}flag={{ true }}\n");
    let first = p.run(&[]);
    first.assert_ok();
    assert_eq!(p.read("etc/static.txt"), "static\n");
    assert_eq!(p.mode("etc/static.txt"), 0o640);
    assert_eq!(p.mode("etc"), 0o755);
    assert_eq!(
        p.read("etc/app.conf"),
        "greeting=hello\nserver alpha\nserver beta\nflag=True\n"
    );
    assert_eq!(p.read("etc/lines.conf"), "key=value\n");
    assert_eq!(p.read("etc/beta.txt"), "beta\n");
    assert!(first.stdout.contains("(item=alpha)"), "{}", first.stdout);
    assert_eq!(first.changed(), 5);

    let second = p.run(&[]);
    second.assert_ok();
    assert_eq!(
        second.changed(),
        0,
        "second run changed something:\n{}",
        second.stdout
    );
}

/// Whether a file already holds what a task wants is judged on its bytes, whatever its size,
/// its bytes (NUL, not UTF-8, no final newline) or its timestamps say: a byte changed behind
/// troupe's back, with the size and modification time put back, is put right.
#[test]
fn content_is_judged_byte_for_byte_whatever_the_size_and_times_say() {
    let p = Project::new();
    p.write(
        "playbook.yml",
        r#"
- hosts: localhost
  gather_facts: false
  tasks:
    - copy:
        src: "{{ item }}"
        dest: "{{ base }}/{{ item }}"
      loop: [nul.bin, latin1.txt, no_newline.txt, big.txt]
    - template:
        src: app.conf.j2
        dest: "{{ base }}/app.conf"
    - lineinfile:
        path: "{{ base }}/lines.conf"
        regexp: "^key="
        line: key=value
        create: true
"#,
    );
    let sources: [(&str, Vec<u8>); 4] = [
        ("nul.bin", b"a\0b\n".to_vec()),
        ("latin1.txt", b"caf\xe9\n".to_vec()),
        ("no_newline.txt", b"x".to_vec()),
        ("big.txt", b"0123456789\n".repeat(1000)),
    ];
    for (name, bytes) in &sources {
        std::fs::create_dir_all(p.path().join("files")).unwrap();
        std::fs::write(p.path().join("files").join(name), bytes).unwrap();
    }
    p.write("templates/app.conf.j2", "port={{ 80 + 1 }}\n");
    let first = p.run(&[]);
    first.assert_ok();
    assert_eq!(first.changed(), 3, "{}", first.stdout);
    let second = p.run(&[]);
    second.assert_ok();
    assert_eq!(second.changed(), 0, "{}", second.stdout);

    let targets = [
        "nul.bin",
        "latin1.txt",
        "no_newline.txt",
        "big.txt",
        "app.conf",
        "lines.conf",
    ];
    for name in targets {
        let path = p.base().join(name);
        let modified = std::fs::metadata(&path).unwrap().modified().unwrap();
        let mut bytes = std::fs::read(&path).unwrap();
        // The last byte before the final newline: `lineinfile` still finds its line.
        let i = bytes.len().saturating_sub(2);
        bytes[i] ^= 1;
        std::fs::write(&path, &bytes).unwrap();
        std::fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(modified)
            .unwrap();
    }
    let third = p.run(&[]);
    third.assert_ok();
    assert_eq!(third.changed(), 3, "{}", third.stdout);
    for (name, bytes) in &sources {
        assert_eq!(
            &std::fs::read(p.base().join(name)).unwrap(),
            bytes,
            "{name}"
        );
    }
    assert_eq!(p.read("app.conf"), "port=81\n");
    assert_eq!(p.read("lines.conf"), "key=value\n");
    let fourth = p.run(&[]);
    assert_eq!(fourth.changed(), 0, "{}", fourth.stdout);
}

#[test]
fn check_mode_predicts_without_touching() {
    let p = Project::new();
    p.write(
        "playbook.yml",
        r#"
- hosts: localhost
  gather_facts: false
  tasks:
    - copy: {content: "a\n", dest: "{{ base }}/a.txt"}
    - file: {path: "{{ base }}/d", state: directory}
"#,
    );
    let before = p.snapshot();
    let check = p.run(&["--check", "--diff"]);
    check.assert_ok();
    assert_eq!(check.changed(), 2);
    assert_eq!(p.snapshot(), before, "check mode changed files");
    assert!(
        check.stdout.contains("+a"),
        "diff not shown:\n{}",
        check.stdout
    );
    let real = p.run(&[]);
    assert_eq!(real.changed(), 2);
    assert_eq!(p.run(&["--check"]).changed(), 0);
}

#[test]
fn handlers_run_once_at_the_end_and_only_when_notified() {
    let p = Project::new();
    p.write(
        "playbook.yml",
        r#"
- hosts: localhost
  gather_facts: false
  tasks:
    - copy: {content: "1\n", dest: "{{ base }}/one"}
      notify: record
    - copy: {content: "2\n", dest: "{{ base }}/two"}
      notify: [record, also]
  handlers:
    - name: record
      shell: echo ran >> {{ base }}/handler.log
    - name: also
      shell: echo also >> {{ base }}/handler.log
"#,
    );
    p.run(&[]).assert_ok();
    assert_eq!(p.read("handler.log"), "ran\nalso\n");
    let second = p.run(&[]);
    second.assert_ok();
    assert_eq!(
        p.read("handler.log"),
        "ran\nalso\n",
        "handler ran without a change"
    );
    assert_eq!(second.changed(), 0);
}

#[test]
fn meta_actions_are_told_at_vv_as_ansible_tells_them() {
    let p = Project::new();
    p.write(
        "playbook.yml",
        r#"
- hosts: localhost
  gather_facts: false
  tasks:
    - command: echo
      notify: noop_handler
    - meta: clear_host_errors
  handlers:
    - name: noop_handler
      meta: noop
"#,
    );
    let quiet = p.run(&[]);
    quiet.assert_ok();
    assert!(!quiet.stdout.contains("META:"), "{}", quiet.stdout);
    let told = p.run(&["-vv"]);
    told.assert_ok();
    assert_eq!(
        told.stdout.matches("META: cleared host errors").count(),
        1,
        "{}",
        told.stdout
    );
    assert_eq!(
        told.stdout.matches("META: noop").count(),
        1,
        "{}",
        told.stdout
    );
    assert_eq!(
        told.stdout
            .matches("RUNNING HANDLER [noop_handler]")
            .count(),
        1
    );
}

#[test]
fn tags_select_and_skip() {
    let p = Project::new();
    p.write(
        "playbook.yml",
        r#"
- hosts: localhost
  gather_facts: false
  tasks:
    - copy: {content: "a", dest: "{{ base }}/a"}
      tags: [alpha]
    - copy: {content: "b", dest: "{{ base }}/b"}
      tags: beta
    - copy: {content: "c", dest: "{{ base }}/c"}
      tags: [always]
    - copy: {content: "n", dest: "{{ base }}/n"}
      tags: [never, debug]
    - copy: {content: "u", dest: "{{ base }}/u"}
"#,
    );
    p.run(&["--tags", "alpha"]).assert_ok();
    assert!(p.exists("a") && p.exists("c"));
    assert!(!p.exists("b") && !p.exists("n") && !p.exists("u"));
    p.run(&["--skip-tags", "alpha,always"]).assert_ok();
    assert!(p.exists("b") && p.exists("u") && !p.exists("n"));
    p.run(&["--tags", "debug"]).assert_ok();
    assert!(p.exists("n"));
}

#[test]
fn when_register_set_fact_and_loops() {
    let p = Project::new();
    p.write(
        "playbook.yml",
        r#"
- hosts: localhost
  gather_facts: false
  vars:
    users: {alice: 1000, bob: 1001}
  tasks:
    - command: echo hello
      register: out
      changed_when: false
    - set_fact:
        word: "{{ out.stdout | upper }}"
        numbers: "{{ [3, 1, 2] | sort }}"
    - copy:
        content: "{{ word }} {{ numbers }} {{ numbers | length }}\n"
        dest: "{{ base }}/facts.txt"
      when: out.rc == 0 and word == 'HELLO'
    - copy:
        content: "{{ item.key }}={{ item.value }}\n"
        dest: "{{ base }}/user-{{ item.key }}"
      with_dict: "{{ users }}"
    - copy: {content: "never", dest: "{{ base }}/skipped"}
      when: false
"#,
    );
    let r = p.run(&[]);
    r.assert_ok();
    assert_eq!(p.read("facts.txt"), "HELLO [1, 2, 3] 3\n");
    assert_eq!(p.read("user-bob"), "bob=1001\n");
    assert!(!p.exists("skipped"));
    assert_eq!(r.recap("localhost", "skipped"), 1);
}

#[test]
fn blocks_rescue_and_always() {
    let p = Project::new();
    p.write(
        "playbook.yml",
        r#"
- hosts: localhost
  gather_facts: false
  tasks:
    - block:
        - command: "false"
        - copy: {content: "not reached", dest: "{{ base }}/after-failure"}
      rescue:
        - copy:
            content: "rescued {{ ansible_failed_task.action }} rc={{ ansible_failed_result.rc }}\n"
            dest: "{{ base }}/rescue"
      always:
        - copy: {content: "always\n", dest: "{{ base }}/always"}
    - copy: {content: "after\n", dest: "{{ base }}/after"}
"#,
    );
    let r = p.run(&[]);
    r.assert_ok();
    assert!(!p.exists("after-failure"));
    assert_eq!(p.read("rescue"), "rescued command rc=1\n");
    assert_eq!(p.read("always"), "always\n");
    assert_eq!(p.read("after"), "after\n");
    assert_eq!(r.recap("localhost", "rescued"), 1);
}

#[test]
fn roles_with_defaults_templates_and_precedence() {
    let p = Project::new();
    p.write(
        "playbook.yml",
        r#"
- hosts: localhost
  gather_facts: false
  vars:
    color: from-play
  roles:
    - role: web
"#,
    );
    p.write(
        "roles/web/defaults/main.yml",
        "color: from-defaults\nport: 8080\nname_from_role: web\n",
    );
    p.write("roles/web/vars/main.yml", "port: 9090\n");
    p.write(
        "roles/web/tasks/main.yml",
        "- name: conf\n  template: {src: web.conf.j2, dest: \"{{ base }}/web.conf\"}\n  notify: restart web\n- include_tasks: extra.yml\n",
    );
    p.write(
        "roles/web/tasks/extra.yml",
        "- copy: {content: \"{{ role_name }}\\n\", dest: \"{{ base }}/extra\"}\n",
    );
    p.write(
        "roles/web/templates/web.conf.j2",
        "color={{ color }} port={{ port }}\n",
    );
    p.write(
        "roles/web/handlers/main.yml",
        "- name: restart web\n  copy: {content: restarted, dest: \"{{ base }}/restarted\"}\n",
    );
    let r = p.run(&["-e", "port=7070"]);
    r.assert_ok();
    assert_eq!(p.read("web.conf"), "color=from-play port=7070\n");
    assert_eq!(p.read("extra"), "web\n");
    assert!(p.exists("restarted"));
    assert_eq!(p.run(&["-e", "port=7070"]).changed(), 0);
}

#[test]
fn cron_file_entries_are_marked_like_ansible() {
    let p = Project::new();
    p.write(
        "playbook.yml",
        r#"
- hosts: localhost
  gather_facts: false
  tasks:
    - cron:
        name: ntpdate every minute
        job: /usr/sbin/ntpdate -s time.example.org
        user: root
        cron_file: "{{ base }}/ntp"
"#,
    );
    let r = p.run(&[]);
    r.assert_ok();
    let text = p.read("ntp");
    assert!(text.contains("#Ansible: ntpdate every minute\n* * * * * root /usr/sbin/ntpdate -s time.example.org\n"), "{text}");
    assert_eq!(p.run(&[]).changed(), 0);
}

#[test]
fn notify_on_a_block_reaches_its_tasks() {
    let p = Project::new();
    p.write(
        "playbook.yml",
        r#"
- hosts: localhost
  gather_facts: false
  tasks:
    - block:
        - copy: {content: "x\n", dest: "{{ base }}/x"}
        - copy: {content: "y\n", dest: "{{ base }}/y"}
      notify: block changed
  handlers:
    - name: block changed
      shell: echo once >> {{ base }}/handled
"#,
    );
    p.run(&[]).assert_ok();
    assert_eq!(p.read("handled"), "once\n");
    p.run(&[]).assert_ok();
    assert_eq!(p.read("handled"), "once\n");
}

#[test]
fn defaults_of_roles_in_the_play_are_public() {
    let p = Project::new();
    p.write(
        "playbook.yml",
        "- hosts: localhost\n  gather_facts: false\n  roles: [db, web]\n  tasks:\n    - copy: {content: \"{{ web_port }} {{ shared }}\\n\", dest: \"{{ base }}/play\"}\n",
    );
    p.write("roles/db/defaults/main.yml", "shared: from-db\n");
    p.write(
        "roles/db/tasks/main.yml",
        "- copy: {content: \"{{ shared }}\\n\", dest: \"{{ base }}/db\"}\n",
    );
    p.write(
        "roles/web/defaults/main.yml",
        "web_port: 8080\nshared: from-web\n",
    );
    p.write(
        "roles/web/tasks/main.yml",
        "- copy: {content: \"{{ shared }}\\n\", dest: \"{{ base }}/web\"}\n",
    );
    p.run(&[]).assert_ok();
    // A role's own defaults win inside it; outside, the last role loaded wins, as in Ansible.
    assert_eq!(p.read("db"), "from-db\n");
    assert_eq!(p.read("web"), "from-web\n");
    assert_eq!(p.read("play"), "8080 from-web\n");
}

#[test]
fn a_host_that_failed_sits_out_later_plays_and_a_failed_batch_ends_the_run() {
    let p = Project::new();
    p.write(
        "inventory.ini",
        "localhost ansible_connection=local\nother ansible_connection=local\n",
    );
    p.write(
        "playbook.yml",
        r#"
- hosts: all
  gather_facts: false
  tasks:
    - command: /bin/false
      when: inventory_hostname == 'localhost'
- hosts: all
  gather_facts: false
  tasks:
    - copy: {content: "x\n", dest: "{{ base }}/second-{{ inventory_hostname }}.txt"}
- hosts: localhost
  gather_facts: false
  tasks:
    - command: /bin/false
- hosts: other
  gather_facts: false
  tasks:
    - copy: {content: "x\n", dest: "{{ base }}/after-a-failed-play.txt"}
"#,
    );
    let r = p.run(&[]);
    assert_ne!(r.code, 0, "{}", r.stdout);
    assert!(p.exists("second-other.txt"));
    assert!(!p.exists("second-localhost.txt"), "a failed host ran on");
    // The third play's only host had already failed: its batch is empty, not failed. The
    // fourth runs. Then fail `other` alone in a play of its own: the run ends there.
    assert!(p.exists("after-a-failed-play.txt"));
    p.write(
        "playbook.yml",
        r#"
- hosts: other
  gather_facts: false
  tasks:
    - command: /bin/false
- hosts: localhost
  gather_facts: false
  tasks:
    - copy: {content: "x\n", dest: "{{ base }}/never.txt"}
"#,
    );
    assert_ne!(p.run(&[]).code, 0);
    assert!(
        !p.exists("never.txt"),
        "the run went on after a whole batch failed"
    );
}

#[test]
fn a_false_when_skips_a_loop_over_something_undefined() {
    let p = Project::new();
    p.write(
        "playbook.yml",
        r#"
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Registers only where the block runs
      when: false
      block:
        - command: echo found
          register: found
        - copy: {content: "{{ item }}", dest: "{{ base }}/{{ item }}"}
          loop: "{{ found.stdout_lines }}"
    - copy: {content: "{{ item }}", dest: "{{ base }}/{{ item }}"}
      loop: "{{ never_set }}"
      when: never_set is defined
"#,
    );
    let r = p.run(&[]);
    r.assert_ok();
    assert_eq!(r.recap("localhost", "skipped"), 3);
    assert!(!p.exists("found"));

    // A true `when` does not hide the undefined loop.
    p.write(
        "playbook.yml",
        r#"
- hosts: localhost
  gather_facts: false
  tasks:
    - copy: {content: "{{ item }}", dest: "{{ base }}/{{ item }}"}
      loop: "{{ never_set }}"
      when: true
"#,
    );
    let r = p.run(&[]);
    assert_ne!(r.code, 0);
    assert!(
        r.stdout.contains("'never_set' is undefined"),
        "{}",
        r.stdout
    );
}

#[test]
fn a_template_rendered_in_a_loop_sees_the_item_and_task_vars_made_from_it() {
    let p = Project::new();
    p.write(
        "playbook.yml",
        r#"
- hosts: localhost
  gather_facts: false
  tasks:
    - name: one file per item
      template:
        src: item.j2
        dest: "{{ base }}/{{ item }}.conf"
      vars:
        x: "{{ item }}-y"
      loop: [one, two]
    - name: the index and the loop variable's own name
      template:
        src: server.j2
        dest: "{{ base }}/server-{{ server }}.conf"
      loop: [alpha]
      loop_control:
        loop_var: server
        index_var: n
        extended: true
"#,
    );
    p.write("templates/item.j2", "item={{ item }} x={{ x }}\n");
    p.write(
        "templates/server.j2",
        "{{ server }} {{ n }} {{ ansible_loop.length }} {{ ansible_loop_var }}\n",
    );
    let first = p.run(&[]);
    first.assert_ok();
    assert_eq!(p.read("one.conf"), "item=one x=one-y\n");
    assert_eq!(p.read("two.conf"), "item=two x=two-y\n");
    assert_eq!(p.read("server-alpha.conf"), "alpha 0 1 server\n");
    assert_eq!(first.changed(), 2);

    let second = p.run(&[]);
    second.assert_ok();
    assert_eq!(second.changed(), 0, "{}", second.stdout);
}

#[test]
fn a_background_job_printing_late_is_its_own_tasks_output() {
    let p = Project::new();
    p.write(
        "playbook.yml",
        r#"
- hosts: localhost
  gather_facts: false
  tasks:
    - shell: "(sleep 0.3; echo late) & echo now"
      register: first
    - shell: "sleep 30 >/dev/null 2>&1 & echo $! >{{ base }}/pid"
      timeout: 20
    - shell: "echo next"
      register: second
    - copy:
        content: "{{ first.stdout_lines | join(',') }}|{{ second.stdout }}"
        dest: "{{ base }}/result"
"#,
    );
    let r = p.run_within(60, &[]);
    r.assert_ok();
    assert_eq!(p.read("result"), "now,late|next");
    let pid = p.read("pid");
    std::process::Command::new("kill")
        .arg(pid.trim())
        .status()
        .unwrap();
}

#[test]
fn templated_retries_and_delay_are_honoured_and_a_bad_one_is_named() {
    let p = Project::new();
    p.write(
        "playbook.yml",
        r#"
- hosts: localhost
  gather_facts: false
  vars:
    tries: 5
  tasks:
    - shell: "echo x >>{{ base }}/attempts; false"
      register: r
      until: r.rc == 0
      retries: "{{ tries | int }}"
      delay: "{{ 0.01 }}"
      ignore_errors: true
    - copy:
        content: "{{ r.attempts }}"
        dest: "{{ base }}/result"
    - shell: "true"
      register: bad
      until: bad.rc == 0
      retries: "{{ 'many' }}"
"#,
    );
    let r = p.run_within(60, &[]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    // Six runs; Ansible's attempts, once all are spent, says the retries.
    assert_eq!(p.read("attempts").lines().count(), 6);
    assert_eq!(p.read("result"), "5");
    assert!(
        r.stdout.contains(
            "'retries' must be a whole number, not 'many' (task 'shell' at playbook.yml:16:7)"
        ),
        "{}",
        r.stdout
    );
}

#[test]
fn file_results_carry_the_paths_information_as_ansibles_do() {
    let p = Project::new();
    p.write(
        "playbook.yml",
        r#"
- hosts: localhost
  gather_facts: false
  tasks:
    - copy: {content: "four", dest: "{{ base }}/f", mode: "0640"}
      register: made
    - copy: {content: "four", dest: "{{ base }}/f", mode: "0640"}
      register: again
    - file: {path: "{{ base }}/d", state: directory}
      register: dir
    - copy: {content: "five\n", dest: "{{ base }}/f"}
      diff: true
      register: changed
    - copy:
        content: >-
          {{ made.state }} {{ made.mode }} {{ made.size }} {{ made.uid == again.uid }}
          {{ made.owner | length > 0 }} {{ made.md5sum }}|{{ again.state }} {{ again.mode }}
          {{ again.size }}|{{ dir.state }}|{{ changed.diff[0].before }}>{{ changed.diff[0].after }}
        dest: "{{ base }}/result"
"#,
    );
    let r = p.run_within(60, &[]);
    r.assert_ok();
    assert_eq!(
        p.read("result"),
        "file 0640 4 True True 8cbad96aced40b3838dd9f07f6ef5772|file 0640 4|directory|four>five\n"
    );
}

#[test]
fn command_with_executable_runs_without_it_and_warns_as_ansible_does() {
    let p = Project::new();
    p.write(
        "playbook.yml",
        r#"
- hosts: localhost
  gather_facts: false
  tasks:
    - command: echo plain
      args:
        executable: /bogus
      register: r
    - copy:
        content: "{{ r.stdout }}|{{ r.warnings | length }}|{{ 'no longer supported' in r.warnings[0] }}"
        dest: "{{ base }}/result"
"#,
    );
    let r = p.run_within(60, &[]);
    r.assert_ok();
    assert_eq!(p.read("result"), "plain|1|True");
    assert!(
        r.stdout
            .contains("[WARNING]: As of Ansible 2.4, the parameter 'executable'"),
        "{}",
        r.stdout
    );
}

#[test]
fn a_chdir_that_cannot_be_entered_fails_saying_so() {
    let p = Project::new();
    p.write(
        "playbook.yml",
        r#"
- hosts: localhost
  gather_facts: false
  tasks:
    - command: echo
      args: {chdir: "{{ base }}/nope"}
      ignore_errors: true
      register: r
    - copy: {content: "{{ r.msg }}", dest: "{{ base }}/result"}
"#,
    );
    let r = p.run_within(60, &[]);
    r.assert_ok();
    let msg = p.read("result");
    assert!(
        msg.starts_with(
            "Unable to change directory before execution: [Errno 2] No such file or directory: '"
        ) && msg.ends_with("/nope'"),
        "{msg}"
    );
}

/// `async`/`poll` and `async_status`: the job's result is there to wait for, a job past its
/// time fails with Ansible's words, and a `poll: 0` job says it ran to its end.
#[test]
fn async_tasks_and_async_status() {
    let p = Project::new();
    p.write(
        "playbook.yml",
        r#"
- hosts: localhost
  gather_facts: false
  tasks:
    - name: polled job
      command: echo polled
      async: 10
      poll: 1
      register: polled
    - name: started job
      shell: echo started > {{ base }}/started.txt
      async: "{{ 5 * 2 }}"
      poll: 0
      register: started
    - name: wait for it
      async_status:
        jid: "{{ started.ansible_job_id }}"
      register: job
      until: job.finished
      retries: 3
    - name: too long
      command: sleep 5
      async: 1
      poll: 1
      ignore_errors: true
      register: slow
    - assert:
        that:
          - polled is finished and polled is started
          - polled.stdout == 'polled'
          - job.finished == 1 and job.rc == 0
          - slow is failed
          - slow.msg == 'async task did not complete within the requested time - 1s'
    - name: cleanup
      async_status:
        jid: "{{ started.ansible_job_id }}"
        mode: cleanup
    - name: gone
      async_status:
        jid: "{{ started.ansible_job_id }}"
      register: gone
      ignore_errors: true
    - assert:
        that:
          - gone is failed
"#,
    );
    let r = p.run(&[]);
    r.assert_ok();
    assert_eq!(p.read("started.txt"), "started\n");
    assert!(
        r.stdout
            .contains("[WARNING]: troupe ran this async task (poll: 0)"),
        "{}",
        r.stdout
    );
}

/// `ansible_search_path`: the playbook's directory in a play, the role's own first in a role.
#[test]
fn ansible_search_path_names_the_playbook_and_role_dirs() {
    let p = Project::new();
    p.write(
        "playbook.yml",
        r#"
- hosts: localhost
  gather_facts: false
  roles: [r]
  tasks:
    - assert:
        that:
          - ansible_search_path == [playbook_dir]
"#,
    );
    p.write(
        "roles/r/tasks/main.yml",
        "- assert:\n    that:\n      - ansible_search_path[0] == role_path\n",
    );
    p.run(&[]).assert_ok();
}

/// An empty condition (null or "") holds, in `when` and in `assert`, as Ansible before 2.19
/// (and 2.19 with `allow_broken_conditionals`) reads it; the integration targets rely on it.
#[test]
fn empty_conditions_hold() {
    let p = Project::new();
    p.write(
        "playbook.yml",
        r#"
- hosts: localhost
  gather_facts: false
  tasks:
    - assert:
        that:
          - 1 == 1
          -
          - ""
      when:
        -
        - true
      register: r
    - assert:
        that:
          - r is not skipped
          - false
      ignore_errors: true
      register: last
    - assert:
        that: last is failed
"#,
    );
    p.run(&[]).assert_ok();
}

/// `output_encoding`: the written file is in that encoding; an unknown name is refused.
#[test]
fn template_output_encoding_writes_those_bytes() {
    let p = Project::new();
    p.write("templates/t.j2", "caf\u{e9} \u{20ac}{{ 1 }}\n")
        .write(
            "playbook.yml",
            r#"
- hosts: localhost
  gather_facts: false
  tasks:
    - template: {src: t.j2, dest: "{{ base }}/latin.txt", output_encoding: windows-1252}
    - template: {src: t.j2, dest: "{{ base }}/utf8.txt", output_encoding: ''}
    - template: {src: t.j2, dest: "{{ base }}/x.txt", output_encoding: klingon}
      register: bad
      ignore_errors: true
    - assert: {that: [bad is failed, "'unknown encoding' in bad.msg"]}
"#,
        );
    p.run(&[]).assert_ok();
    let bytes = std::fs::read(p.base().join("latin.txt")).unwrap();
    assert_eq!(bytes, b"caf\xe9 \x801\n");
    assert_eq!(p.read("utf8.txt"), "caf\u{e9} \u{20ac}1\n");
}

/// copy's registered `diff` is the list Ansible's copy returns; a templated `loop_var` names
/// the loop variable; a device as a remote source is refused with Ansible's words.
#[test]
fn copy_diff_list_templated_loop_var_and_device_source() {
    let p = Project::new();
    p.write(
        "playbook.yml",
        r#"
- hosts: localhost
  gather_facts: false
  tasks:
    - copy: {content: "managed\n", dest: "{{ base }}/f.txt"}
      diff: true
      register: d
    - debug: {msg: "{{ picked }}"}
      loop: [one]
      loop_control: {loop_var: "{{ name }}"}
      vars: {name: picked}
      register: l
    - copy: {src: /dev/null, dest: "{{ base }}/null", remote_src: true}
      register: dev
      ignore_errors: true
    - assert:
        that:
          - d.diff[0].before == ""
          - "'managed' in d.diff[0].after"
          - "'f.txt' in d.diff[0].after_header"
          - l.results[0].msg == 'one'
          - dev is failed
          - "'not a file' in dev.msg"
"#,
    );
    p.run(&[]).assert_ok();
}

/// A collection's role (`ns.col.role`, from `collections/` beside the playbook); handlers
/// notified by a templated name, by `role : listen topic`, by the role's full name; a name no
/// handler answers fails the host with Ansible's words.
#[test]
fn collection_roles_and_handler_names() {
    let p = Project::new();
    p.write(
        "collections/ansible_collections/ns/col/roles/r/handlers/main.yml",
        "- name: h\n  set_fact: {from_role: true}\n  listen: topic\n",
    )
    .write(
        "collections/ansible_collections/ns/col/roles/r/tasks/main.yml",
        "- debug: msg=in-collection\n",
    )
    .write(
        "playbook.yml",
        r#"
- hosts: localhost
  gather_facts: false
  vars: {which: named}
  roles: [ns.col.r]
  handlers:
    - name: "{{ which }}"
      set_fact: {templated: true}
  tasks:
    - command: "true"
      notify: ["{{ which }}", "r : topic"]
    - meta: flush_handlers
    - assert: {that: [templated, from_role]}
    - set_fact: {from_role: false}
    - command: "true"
      notify: "ns.col.r : topic"
    - meta: flush_handlers
    - assert: {that: [from_role]}
    - command: "true"
      notify: nobody
"#,
    );
    let r = p.run(&[]);
    assert_ne!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("in-collection"), "{}", r.stdout);
    let all = format!("{}{}", r.stdout, r.stderr);
    assert!(
        all.contains("The requested handler 'nobody' was not found"),
        "{all}"
    );
    assert!(all.contains("failed=1"), "{all}");
}

/// An undefined name in a task's option is worded as Ansible words it, and names the variable.
#[test]
fn an_undefined_option_is_worded_as_ansible_does() {
    let p = Project::new();
    p.write(
        "playbook.yml",
        r#"
- hosts: localhost
  gather_facts: false
  tasks:
    - debug: {msg: "{{ 'x' in y }}"}
      register: e
      ignore_errors: true
    - assert:
        that:
          - "'The task includes an option with an undefined variable' in e.msg"
          - "\"'y' is undefined\" in e.msg"
"#,
    );
    p.run(&[]).assert_ok();
}

/// A template's `#jinja2:` first line overrides its options; a pair without `:` is refused
/// with Ansible's words.
#[test]
fn a_template_header_overrides_its_options() {
    let p = Project::new();
    p.write(
        "templates/lines.j2",
        "#jinja2: line_statement_prefix: \":\", trim_blocks: False\n: if true\nfoo\n: endif\n",
    )
    .write("templates/bad.j2", "#jinja2: lstrip_blocks=True\nx\n")
    .write(
        "playbook.yml",
        r#"
- hosts: localhost
  gather_facts: false
  tasks:
    - template: {src: lines.j2, dest: "{{ base }}/lines.txt"}
    - template: {src: bad.j2, dest: "{{ base }}/bad.txt"}
      register: bad
      ignore_errors: true
    - assert: {that: ["'failed to parse jinja2 override' in bad.msg"]}
"#,
    );
    p.run(&[]).assert_ok();
    assert_eq!(p.read("lines.txt"), "foo\n");
}

/// Handlers of a role imported inside an included role answer; a handler may be a tasks
/// include or a meta action; a handler name that cannot be templated is warned about.
#[test]
fn handlers_from_nested_roles_includes_and_meta() {
    let p = Project::new();
    p.write("roles/outer/tasks/main.yml", "- import_role: {name: inner}\n")
        .write(
            "roles/inner/tasks/main.yml",
            "- command: \"true\"\n  notify: [inner handler, include handler, meta handler]\n",
        )
        .write(
            "roles/inner/handlers/main.yml",
            "- name: inner handler\n  set_fact: {inner_ran: true}\n- name: \"{{ nowhere }} x\"\n  debug: {msg: never}\n",
        )
        .write("more.yml", "- set_fact: {included_ran: true}\n")
        .write(
            "playbook.yml",
            r#"
- hosts: localhost
  gather_facts: false
  handlers:
    - name: include handler
      include_tasks: more.yml
    - name: meta handler
      meta: noop
  tasks:
    - include_role: {name: outer}
    - meta: flush_handlers
    - assert: {that: [inner_ran, included_ran]}
"#,
        );
    let r = p.run(&[]);
    r.assert_ok();
    assert!(
        r.stdout.contains("RUNNING HANDLER [meta handler]"),
        "{}",
        r.stdout
    );
    let all = format!("{}{}", r.stdout, r.stderr);
    assert!(
        all.contains("is unusable because it has no listen topics"),
        "{all}"
    );
}
