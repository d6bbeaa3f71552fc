//! troupe over SSH against real lab hosts: every module on five hosts at once, idempotence,
//! check mode, and the run-shaping keywords and flags.

use troupe_e2e::{Lab, Project};

const INIT_SCRIPT: &str = r#"#!/bin/sh
### BEGIN INIT INFO
# Provides:          demo
# Required-Start:    $remote_fs
# Required-Stop:     $remote_fs
# Default-Start:     2 3 4 5
# Default-Stop:      0 1 6
# Short-Description: A SysV service for the tests: a sleeping process with a pid file
### END INIT INFO
PIDFILE=/run/demo.pid
case "$1" in
  start) [ -f $PIDFILE ] && kill -0 "$(cat $PIDFILE)" 2>/dev/null && exit 0
         sleep 100000 >/dev/null 2>&1 & echo $! > $PIDFILE ;;
  stop) [ -f $PIDFILE ] && kill "$(cat $PIDFILE)" 2>/dev/null; rm -f $PIDFILE ;;
  restart|force-reload|reload) "$0" stop; "$0" start ;;
  status) [ -f $PIDFILE ] && kill -0 "$(cat $PIDFILE)" 2>/dev/null ;;
  *) exit 3 ;;
esac
"#;

const EVERY_MODULE: &str = r#"
- hosts: lab
  gather_facts: true
  vars:
    app_dir: /srv/app
    level: info
  tasks:
    - group: {name: appgrp, gid: 3001}
    - user: {name: appuser, uid: 3001, group: appgrp, shell: /bin/sh, create_home: false}
    - file: {path: "{{ app_dir }}/conf.d", state: directory, owner: appuser, group: appgrp, mode: "0750"}
    - copy: {src: motd, dest: "{{ app_dir }}/motd", mode: "0644"}
    - copy: {src: demo.init, dest: /etc/init.d/demo, mode: "0755"}
    - template: {src: app.conf.j2, dest: "{{ app_dir }}/conf.d/app.conf", owner: appuser, mode: "0640"}
      notify: restart demo
    - lineinfile: {path: /etc/app-extra.conf, regexp: '^port=', line: port=8080, create: true}
    - blockinfile: {path: /etc/app-extra.conf, block: "a=1\nb=2"}
    - copy: {content: "mode=DEBUG\n", dest: /etc/app-mode.conf, force: false}
    - replace: {path: /etc/app-mode.conf, regexp: 'DEBUG', replace: 'QUIET'}
    - cron: {name: clock sync, minute: "*/5", job: /bin/true}
    - service: {name: demo, state: started, enabled: true}
    - command: {cmd: "touch {{ app_dir }}/stamp", creates: "{{ app_dir }}/stamp"}
    - shell: "echo {{ inventory_hostname }} {{ ansible_hostname }} > {{ app_dir }}/host"
      args: {creates: "{{ app_dir }}/host"}
    - stat: {path: "{{ app_dir }}/motd"}
      register: motd
    - assert:
        that: [motd.stat.exists, "motd.stat.mode == '0644'"]
    - archive: {path: "{{ app_dir }}/conf.d", dest: /tmp/conf.tgz, format: gz}
    - file: {path: /srv/unpacked, state: directory}
    - unarchive: {src: /tmp/conf.tgz, dest: /srv/unpacked, remote_src: true}
    - fetch: {src: "{{ app_dir }}/host", dest: "{{ local_dir }}/"}
    - find: {paths: "{{ app_dir }}", patterns: "*.conf", recurse: true}
      register: confs
    - assert:
        that: confs.matched == 1
    - wait_for: {port: 22, timeout: 10}
    - package: {name: cron, state: present}
    - set_fact: {served_by: "{{ ansible_hostname }}"}
    - debug: {msg: "{{ served_by }} at {{ ansible_default_ipv4.address }}"}
  handlers:
    - name: restart demo
      service: {name: demo, state: restarted}
"#;

fn every_module_project() -> Project {
    let p = Project::new("every-module");
    p.write("playbook.yml", EVERY_MODULE)
        .write("files/motd", "welcome\n")
        .write("files/demo.init", INIT_SCRIPT)
        .write("templates/app.conf.j2", "host={{ inventory_hostname }}\nlevel={{ level }}\npeers={{ groups['lab'] | join(',') }}\n");
    p
}

#[test]
fn every_module_on_five_hosts_converges_and_stays_converged() {
    let lab = Lab::up("every", 5).expect("lab");
    let p = every_module_project();

    let first = p.run(&lab, "playbook.yml", &[]);
    first.assert_ok();
    assert_eq!(first.recap_hosts().len(), 5);
    for host in lab.hosts() {
        let h = &host.name;
        assert_eq!(first.recap(h, "failed"), 0);
        assert!(
            first.recap(h, "changed") >= 15,
            "{h} changed too little:\n{}",
            first.stdout
        );
        let conf = lab
            .ssh_stdout("root", h, "cat /srv/app/conf.d/app.conf")
            .unwrap();
        assert_eq!(
            conf,
            format!("host={h}\nlevel=info\npeers=h01,h02,h03,h04,h05")
        );
        let owner = lab
            .ssh_stdout(
                "root",
                h,
                "stat -c '%U:%G %a' /srv/app/conf.d /srv/app/conf.d/app.conf",
            )
            .unwrap();
        assert_eq!(owner, "appuser:appgrp 750\nappuser:root 640");
        assert_eq!(
            lab.ssh_stdout("root", h, "cat /etc/app-mode.conf").unwrap(),
            "mode=QUIET"
        );
        assert!(lab
            .ssh_stdout("root", h, "crontab -l")
            .unwrap()
            .contains("#Ansible: clock sync\n*/5 * * * * /bin/true"));
        assert!(
            lab.ssh(h, "/etc/init.d/demo status")
                .unwrap()
                .status
                .success(),
            "demo not running on {h}"
        );
        assert!(lab
            .ssh(
                h,
                "test -f /srv/unpacked/conf.d/app.conf || test -f /srv/unpacked/app.conf"
            )
            .unwrap()
            .status
            .success());
        let fetched = std::fs::read_to_string(p.path().join(format!("fetched/{h}/srv/app/host")))
            .expect("fetched file");
        assert_eq!(fetched, format!("{h} {h}\n"));
    }

    let second = p.run(&lab, "playbook.yml", &[]);
    second.assert_ok();
    assert_eq!(
        second.total("changed"),
        0,
        "second run changed something:\n{}",
        second.stdout
    );

    // Check mode on a changed variable predicts the template change on every host and touches nothing.
    let check = p.run(
        &lab,
        "playbook.yml",
        &["--check", "--diff", "-e", "level=debug"],
    );
    check.assert_ok();
    for host in lab.hosts() {
        assert_eq!(check.recap(&host.name, "changed"), 2, "{}", check.stdout);
        let conf = lab
            .ssh_stdout("root", &host.name, "cat /srv/app/conf.d/app.conf")
            .unwrap();
        assert!(
            conf.contains("level=info"),
            "check mode changed {}",
            host.name
        );
    }
    assert!(
        check.stdout.contains("-level=info") && check.stdout.contains("+level=debug"),
        "{}",
        check.stdout
    );
}

#[test]
fn limit_tags_serial_run_once_delegate_and_become() {
    let lab = Lab::up("shape", 4).expect("lab");
    let p = Project::new("shape");
    p.write(
        "playbook.yml",
        r#"
- hosts: lab
  gather_facts: false
  serial: 2
  tasks:
    - name: mark the host
      copy: {content: "{{ inventory_hostname }}\n", dest: /tmp/mark}
      tags: [mark]
    - name: count once
      shell: echo once >> /tmp/once
      delegate_to: h01
      run_once: true
      tags: [once]
    - name: report to the controller
      copy: {content: "{{ inventory_hostname }}\n", dest: "{{ local_dir }}/{{ inventory_hostname }}"}
      delegate_to: localhost
      tags: [report]
    - name: who am I after become
      command: id -un
      become: true
      become_user: app
      register: who
      changed_when: false
      tags: [become]
    - name: write as app
      copy: {content: "{{ who.stdout }}\n", dest: /tmp/app-owned}
      become: true
      become_user: app
      tags: [become]
"#,
    );

    let limited = p.run(
        &lab,
        "playbook.yml",
        &["--limit", "h01,h03", "--tags", "mark"],
    );
    limited.assert_ok();
    assert_eq!(limited.recap_hosts(), ["h01", "h03"]);
    for (h, marked) in [("h01", true), ("h02", false), ("h03", true), ("h04", false)] {
        assert_eq!(
            lab.ssh(h, "test -f /tmp/mark").unwrap().status.success(),
            marked,
            "{h}"
        );
        assert!(
            !lab.ssh(h, "test -f /tmp/once").unwrap().status.success(),
            "untagged task ran on {h}"
        );
    }

    // Everything, as tester with sudo, in two serial batches.
    let all = p.run(
        &lab,
        "playbook.yml",
        &["-e", "ansible_user=tester", "--become-user", "root"],
    );
    all.assert_ok();
    assert_eq!(
        all.stdout.matches("TASK [mark the host]").count(),
        2,
        "serial: 2 makes two batches:\n{}",
        all.stdout
    );
    // run_once runs once per batch, on the delegate.
    assert_eq!(
        lab.ssh_stdout("root", "h01", "cat /tmp/once").unwrap(),
        "once\nonce"
    );
    for host in lab.hosts() {
        let local = std::fs::read_to_string(p.path().join("fetched").join(&host.name))
            .expect("delegated to localhost");
        assert_eq!(local, format!("{}\n", host.name));
        let owned = lab
            .ssh_stdout(
                "root",
                &host.name,
                "stat -c %U /tmp/app-owned; cat /tmp/app-owned",
            )
            .unwrap();
        assert_eq!(owned, "app\napp");
    }
}
