//! troupe writes as root into a directory an unprivileged user can write, while that user
//! swaps every temp file troupe makes there for a symlink to a root-only file: the root-only
//! file keeps its owner, mode and content (issue 12, item 1). With the former by-name
//! `chown`/`chmod` of the temp file, a few hundred writes were enough to hand it over.

use troupe_e2e::{Lab, Project};

/// The user's loop: every temp file troupe creates in /srv/shared is moved aside and its
/// name pointed at /etc/victim, as fast as the shell can.
const ATTACKER: &str = r#"
cd /srv/shared || exit 1
while [ ! -e /tmp/stop-attack ]; do
  for f in .*troupe* *troupe-tmp*; do
    [ -e "$f" ] || [ -h "$f" ] || continue
    [ -h "$f" ] && continue
    mv -f -- "$f" "stolen.$$" 2>/dev/null && ln -s /etc/victim "$f" 2>/dev/null
  done
done
"#;

const PLAYBOOK: &str = r#"
- hosts: all
  gather_facts: false
  tasks:
    - name: many small writes, each with an owner and a mode
      copy:
        content: "write {{ item }}\n"
        dest: /srv/shared/conf
        owner: root
        group: root
        mode: "0644"
      loop: "{{ range(0, 300) | list }}"
      ignore_errors: true
    - name: copies made on the host
      copy:
        src: /etc/hostname
        remote_src: true
        dest: /srv/shared/remote-copy
        mode: "0644"
        force: true
      loop: "{{ range(0, 50) | list }}"
      ignore_errors: true
    - name: archives written beside their destination
      archive:
        path: /etc/hostname
        dest: "/srv/shared/archive-{{ item }}.gz"
        mode: "0644"
      loop: "{{ range(0, 30) | list }}"
      ignore_errors: true
    - name: validated writes
      copy:
        content: "validated {{ item }}\n"
        dest: /srv/shared/validated
        mode: "0644"
        validate: "grep -q validated %s"
      loop: "{{ range(0, 30) | list }}"
      ignore_errors: true
"#;

#[test]
fn a_user_swapping_temp_files_for_links_gains_nothing() {
    let lab = Lab::up("races", 1).expect("lab");
    let h = lab.hosts()[0].name.clone();
    let setup = "useradd -m attacker && install -d -o attacker -m 0755 /srv/shared \
        && printf precious > /etc/victim && chmod 0600 /etc/victim && rm -f /tmp/stop-attack";
    assert!(lab.ssh(&h, setup).unwrap().status.success());
    // The loop goes to a file first: it holds quotes of its own.
    let install = format!(
        "cat > /usr/local/bin/attack <<'EOF'\n{ATTACKER}\nEOF\nchmod 0755 /usr/local/bin/attack"
    );
    assert!(lab.ssh(&h, &install).unwrap().status.success());
    let start =
        "nohup su attacker -s /bin/sh -c /usr/local/bin/attack >/dev/null 2>&1 </dev/null &";
    assert!(lab.ssh(&h, start).unwrap().status.success());

    let p = Project::new("races");
    p.write("playbook.yml", PLAYBOOK);
    let run = p.run(&lab, "playbook.yml", &[]);
    let _ = lab.ssh(&h, "touch /tmp/stop-attack");

    // The attack really ran: it caught temp files (moved aside) during the run.
    let stolen = lab
        .ssh_stdout("root", &h, "ls -a /srv/shared | grep -c '^stolen' || true")
        .unwrap();
    assert!(
        stolen.trim().parse::<u32>().unwrap_or(0) > 0,
        "the attacker never caught a temp file; the test proves nothing:\n{}",
        run.stdout
    );
    let victim = lab
        .ssh_stdout(
            "root",
            &h,
            "stat -c '%U:%G %a' /etc/victim; cat /etc/victim",
        )
        .unwrap();
    assert_eq!(victim, "root:root 600\nprecious", "{}", run.stdout);
    // Each theft was noticed and reported, not written through.
    assert!(
        run.stdout.contains("was replaced"),
        "no write reported its temp file replaced:\n{}",
        run.stdout
    );
    // The destinations that are files are the root-owned files troupe wrote. (A name may be
    // left a link: its directory is the user's, who can make any name a link at any time.)
    let files = lab
        .ssh_stdout(
            "root",
            &h,
            "find /srv/shared -maxdepth 1 -type f ! -name 'stolen.*' -printf '%u:%g %m %f\\n'",
        )
        .unwrap();
    assert!(!files.is_empty());
    for line in files.lines() {
        assert!(line.starts_with("root:root 644 "), "{line}\n{}", run.stdout);
    }
    lab.down().unwrap();
}
