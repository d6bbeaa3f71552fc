//! The user module's `generate_ssh_key` on a real host, where the user's home is theirs to
//! rearrange: a `.ssh` the user pointed at root's keys gets nothing written through it, a
//! `.ssh` only root can write gets a key pair owned by the user (replacing a planted link
//! only when forced, as Ansible does), and a home left behind by a removed account (its
//! owner a uid no one has) gets a `.ssh` of the user's.

use troupe_e2e::{Lab, Project};

const PLAYBOOK: &str = r#"
- hosts: all
  gather_facts: false
  tasks:
    - name: a .ssh the user pointed at root's own
      user: {name: mallory, generate_ssh_key: true, force: true}
      register: pointed
      ignore_errors: true
    - name: a root-only .ssh whose public key is a link, not forced
      user: {name: keeper, generate_ssh_key: true}
      register: kept
    - name: the same, forced
      user: {name: keeper, generate_ssh_key: true, force: true}
      register: forced
    - name: a home whose owner is gone
      user: {name: heir, generate_ssh_key: true}
      register: inherited
    - assert:
        that:
          - pointed is failed
          - kept is not changed
          - kept.warnings[0] is search('no force, so skipping')
          - forced is changed
          - inherited is changed
"#;

#[test]
fn keys_go_only_where_the_user_could_not_redirect_them() {
    let lab = Lab::up("sshkeys", 1).expect("lab");
    let h = lab.hosts()[0].name.clone();
    let setup = "set -e
        mkdir -p -m 700 /root/.ssh && printf precious > /root/.ssh/id_rsa.pub
        useradd -m mallory && ln -s /root/.ssh /home/mallory/.ssh
        useradd -m keeper && install -d -o root -m 0755 /home/keeper/.ssh
        printf flag > /etc/flag && ln -s /etc/flag /home/keeper/.ssh/id_rsa.pub
        useradd -m heir && chown 4321:4321 /home/heir && chmod 755 /home/heir";
    let out = lab.ssh(&h, setup).unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let p = Project::new("sshkeys");
    p.write("playbook.yml", PLAYBOOK);
    let run = p.run(&lab, "playbook.yml", &[]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);

    let state = lab
        .ssh_stdout(
            "root",
            &h,
            "cat /root/.ssh/id_rsa.pub; echo; ls /root/.ssh | grep id_rsa; cat /etc/flag; echo
             stat -c '%U %F %n' /home/keeper/.ssh/id_rsa /home/keeper/.ssh/id_rsa.pub \
               /home/heir/.ssh /home/heir/.ssh/id_rsa",
        )
        .unwrap();
    assert_eq!(
        state,
        "precious\nid_rsa.pub\nflag\n\
         keeper regular file /home/keeper/.ssh/id_rsa\n\
         keeper regular file /home/keeper/.ssh/id_rsa.pub\n\
         heir directory /home/heir/.ssh\n\
         heir regular file /home/heir/.ssh/id_rsa",
        "{}",
        run.stdout
    );
    lab.down().unwrap();
}
