//! SSH password login (`ansible_password`) on a lab host whose sshd takes passwords: troupe
//! logs in through `sshpass`, the password never in a process's arguments or in the output;
//! a wrong password is an unreachable host that says why. Then `su` with a password.

use troupe_e2e::{run_troupe, Lab, Project};

const PASSWORD: &str = "Pw-s3cret-troupe";

/// Each inventory gets its own control directory: a master from an earlier login would
/// otherwise be reused (ControlPersist), whatever the password.
fn inventory(ip: &str, password: &str, control_dir: &std::path::Path) -> String {
    format!(
        "[lab]\nh01 ansible_host={ip} ansible_user=pwuser ansible_password={password} \
         ansible_control_path_dir={} \
         ansible_ssh_common_args='-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o PubkeyAuthentication=no'\n",
        control_dir.display()
    )
}

/// A one-host lab whose sshd takes passwords and where `pwuser` logs in with [`PASSWORD`],
/// after `more` (shell text ending in `&&`, or nothing) ran as root.
fn password_lab(name: &str, more: &str) -> Lab {
    let lab = Lab::up(name, 1).expect("lab");
    let setup = format!(
        "useradd -m -s /bin/sh pwuser && echo 'pwuser:{PASSWORD}' | chpasswd && {more}\
         sed -i 's/^PasswordAuthentication.*/PasswordAuthentication yes/' /etc/ssh/sshd_config.d/lab.conf \
         && grep -q '^PasswordAuthentication yes' /etc/ssh/sshd_config.d/lab.conf \
         && kill -HUP \"$(cat /run/sshd.pid)\""
    );
    let out = lab.ssh(&lab.hosts()[0].name, &setup).unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    lab
}

#[test]
fn a_password_login_goes_through_sshpass_and_shows_no_password() {
    let lab = password_lab("sshpw", "");
    let host = &lab.hosts()[0];

    let p = Project::new("sshpw");
    p.write(
        "playbook.yml",
        "- hosts: lab\n  gather_facts: false\n  tasks:\n    - command: id -un\n      register: who\n    - copy: {content: \"{{ who.stdout }}\\n\", dest: /home/pwuser/who}\n",
    );
    p.write(
        "inventory.ini",
        &inventory(&host.ip.to_string(), PASSWORD, &p.path().join("cp-right")),
    );
    let ok = run_troupe(
        p.path(),
        &["run", "playbook.yml", "-i", "inventory.ini", "-vvv"],
    );
    ok.assert_ok();
    assert!(!ok.stdout.contains(PASSWORD) && !ok.stderr.contains(PASSWORD));
    assert_eq!(
        lab.ssh_stdout("root", &host.name, "cat /home/pwuser/who")
            .unwrap(),
        "pwuser"
    );

    p.write(
        "inventory.ini",
        &inventory(
            &host.ip.to_string(),
            "wrong-password",
            &p.path().join("cp-wrong"),
        ),
    );
    let refused = run_troupe(p.path(), &["run", "playbook.yml", "-i", "inventory.ini"]);
    assert_eq!(refused.code, 4, "{}", refused.stdout);
    assert!(
        refused.stdout.contains("Permission denied"),
        "{}",
        refused.stdout
    );
    lab.down().unwrap();
}

const ROOT_PASSWORD: &str = "Root-s3cret-troupe";

/// `become_method: su` with a password: a user who logs in with a password becomes root
/// through su, which reads root's password from troupe (never from argv, never shown); a
/// wrong password fails the task with su's words.
#[test]
fn su_with_a_password_becomes_root_and_shows_no_password() {
    let lab = password_lab(
        "supw",
        &format!("echo 'root:{ROOT_PASSWORD}' | chpasswd && "),
    );
    let host = &lab.hosts()[0];
    let p = Project::new("supw");
    p.write(
        "playbook.yml",
        "- hosts: lab\n  gather_facts: false\n  become: true\n  become_method: su\n  tasks:\n    - command: id -un\n      register: who\n    - copy: {content: \"{{ who.stdout }}\\n\", dest: /root/who}\n",
    );
    let inventory = |become_password: &str, dir: &str| {
        inventory(&host.ip.to_string(), PASSWORD, &p.path().join(dir)).replace(
            " ansible_control_path_dir",
            &format!(" ansible_become_password={become_password} ansible_control_path_dir"),
        )
    };
    p.write("inventory.ini", &inventory(ROOT_PASSWORD, "cp-su"));
    let ok = run_troupe(
        p.path(),
        &["run", "playbook.yml", "-i", "inventory.ini", "-vvv"],
    );
    ok.assert_ok();
    assert!(!ok.stdout.contains(ROOT_PASSWORD) && !ok.stderr.contains(ROOT_PASSWORD));
    assert_eq!(
        lab.ssh_stdout("root", &host.name, "cat /root/who").unwrap(),
        "root"
    );

    p.write(
        "inventory.ini",
        &inventory("wrong-Pw-troupe", "cp-su-wrong"),
    );
    let refused = run_troupe(p.path(), &["run", "playbook.yml", "-i", "inventory.ini"]);
    assert_ne!(refused.code, 0, "{}", refused.stdout);
    assert!(
        refused.stdout.contains("Authentication failure"),
        "{}",
        refused.stdout
    );
    assert!(
        !refused.stdout.contains("wrong-Pw-troupe"),
        "{}",
        refused.stdout
    );
    lab.down().unwrap();
}
