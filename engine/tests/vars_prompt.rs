//! `vars_prompt` asked on a real terminal (a pseudo-terminal driven by Python's `pty`, as a
//! user would type), answered by default without one, skipped for names given with `-e`.

mod support;

use std::process::Command;

use support::Project;

const PLAYBOOK: &str = r#"
- hosts: localhost
  gather_facts: false
  vars_prompt:
    - name: user_name
      prompt: What is your name?
      private: false
      default: bob
    - name: pw
      prompt: Password
      confirm: true
      encrypt: sha512_crypt
      salt: abcdefgh
  tasks:
    - copy: {content: "{{ user_name }} {{ pw }}\n", dest: "{{ base }}/answers"}
"#;

/// Runs troupe on a pseudo-terminal, typing each answer after its prompt appears.
const DRIVER: &str = r#"
import os, pty, select, sys, time
argv = sys.argv[1:]
pid, fd = pty.fork()
if pid == 0:
    os.execv(argv[0], argv)
out = b''
def until(token):
    global out
    end = time.time() + 30
    while token not in out and time.time() < end:
        if select.select([fd], [], [], 0.2)[0]:
            try:
                out += os.read(fd, 4096)
            except OSError:
                return
for token, answer in [(b'name?', b'alice'), (b'Password: ', b's3cret'),
                      (b'confirm Password: ', b'wrong'), (b'NOT MATCH', None),
                      (b'Password: ', b's3cret'), (b'confirm Password: ', b's3cret')]:
    until(token)
    if token not in out:
        sys.exit('no prompt ' + token.decode() + ' in: ' + out.decode(errors='replace'))
    out = out[out.index(token) + len(token):]
    if answer is not None:
        os.write(fd, answer + b'\n')
until(b'PLAY RECAP')
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status))
"#;

#[test]
fn prompts_are_asked_on_a_terminal_confirmed_and_encrypted() {
    let p = Project::new();
    p.write("playbook.yml", PLAYBOOK);
    let status = Command::new("python3")
        .arg("-c")
        .arg(DRIVER)
        .arg(env!("CARGO_BIN_EXE_troupe"))
        .args(["run", "playbook.yml", "-i", "inventory.ini", "-e"])
        .arg(format!("base={}", p.base().display()))
        .current_dir(p.path())
        .status()
        .unwrap();
    assert!(status.success());
    // openssl passwd -6 -salt abcdefgh s3cret
    assert_eq!(
        p.read("answers"),
        "alice $6$abcdefgh$Z7KfoKnKTSZrzo5VZ0YubGLQOj9ov6sHo9TmE3zIU/LHKhpE30zCnZ0mcIXYf9r9rQ4DYaXoxAFSPFlcWdxjB.\n"
    );
}

#[test]
fn without_a_terminal_defaults_answer_and_extra_vars_skip_the_question() {
    let p = Project::new();
    p.write("playbook.yml", PLAYBOOK);
    let r = p.run(&[]);
    assert_eq!(r.code, 5, "{}", r.stdout);
    assert!(
        r.stderr.contains("vars_prompt 'pw' needs an answer"),
        "{}",
        r.stderr
    );
    assert!(!p.exists("answers"));
    let r = p.run(&["-e", "pw=given"]);
    r.assert_ok();
    assert_eq!(p.read("answers"), "bob given\n");
}
