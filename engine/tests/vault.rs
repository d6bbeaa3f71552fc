//! Vault in a run: an encrypted group_vars file and `!vault` values written by ansible-vault
//! (the recorded fixtures), an encrypted `copy` source and template; the files land in clear
//! text, the printed output shows `********` instead of the secrets, and a wrong password or
//! a damaged file stops everything with an error naming the file.

mod support;

use std::{fs, path::PathBuf};

use support::Project;

const DB_PASSWORD: &str = "Tr0ub4dor&3-fixture";
const API_TOKEN: &str = "tok-fixture-0042";
const INLINE: &str = "S3cr3t-fixture!";
const NOTE_LINE: &str = "line one of the secret note";

fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/vault")
        .join(name);
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

const PLAYBOOK: &str = r#"
- hosts: all
  gather_facts: false
  vars_files:
    - vars/mixed-prod.yml
    - vars/inline.yml
  roles:
    - vaulted
  tasks:
    - name: the password from the encrypted group_vars file
      copy:
        content: "{{ db_password }}\n"
        dest: "{{ base }}/db.txt"
    - name: an inline !vault value
      copy:
        content: "{{ api_token }} {{ inline_password }} {{ plain_name }}\n"
        dest: "{{ base }}/inline.txt"
    - name: an encrypted copy source
      copy:
        src: note.txt
        dest: "{{ base }}/note.txt"
    - name: a directory holding an encrypted file
      copy:
        src: notes
        dest: "{{ base }}/"
    - name: an encrypted template
      template:
        src: secret.j2
        dest: "{{ base }}/from-template.txt"
    - name: an encrypted file given to include_vars
      include_vars: vars/included.yml
    - name: values from include_vars, -e @file and role defaults, all encrypted
      copy:
        content: "{{ included_secret }} {{ extra_secret }} {{ role_secret }}\n"
        dest: "{{ base }}/more.txt"
    - name: shown by debug
      debug:
        msg: "db={{ db_password }} token={{ api_token }}"
"#;

/// A project laid out as an Ansible user lays theirs out, with Vault passwords in files.
fn project() -> Project {
    let p = Project::new();
    p.write("playbook.yml", PLAYBOOK)
        .write("password.txt", &fixture("password.txt"))
        .write("prod-password.txt", &fixture("prod-password.txt"))
        .write(
            "group_vars/all/vault.yml",
            &fixture("recorded/vars-1.1.yml"),
        )
        .write("vars/mixed-prod.yml", &fixture("recorded/mixed-prod.yml"))
        .write(
            "vars/inline.yml",
            &fixture("recorded/encrypt_string.yml").replace("db_password:", "inline_password:"),
        )
        .write("files/note.txt", &fixture("recorded/note-1.2-prod.txt"))
        .write(
            "files/notes/sub/note.txt",
            &fixture("recorded/note-1.2-prod.txt"),
        )
        .write("files/notes/plain.txt", "plain\n");
    let secret = troupe::vault::Secret::new("prod", fixture("prod-password.txt").trim());
    let encrypt = |text: &str| troupe::vault::encrypt(text.as_bytes(), &secret).unwrap();
    p.write("templates/secret.j2", &encrypt("token={{ api_token }}\n"))
        .write(
            "vars/included.yml",
            &encrypt("included_secret: incl-9911\n"),
        )
        .write("extra.yml", &encrypt("extra_secret: extra-5522\n"))
        .write(
            "roles/vaulted/defaults/main.yml",
            &encrypt("role_secret: role-7788\n"),
        )
        .write("roles/vaulted/tasks/main.yml", "- debug: var=role_secret\n");
    p
}

const PASSWORDS: [&str; 6] = [
    "--vault-password-file",
    "password.txt",
    "--vault-id",
    "prod@prod-password.txt",
    "-e",
    "@extra.yml",
];

fn args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut all = PASSWORDS.to_vec();
    all.extend_from_slice(extra);
    all
}

#[test]
fn encrypted_vars_and_files_are_used_in_clear_and_printed_masked() {
    let p = project();
    let run = p.run(&args(&["-v", "--diff"]));
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(p.read("db.txt"), format!("{DB_PASSWORD}\n"));
    assert_eq!(
        p.read("inline.txt"),
        format!("{API_TOKEN} {INLINE} visible\n")
    );
    assert_eq!(p.read("note.txt"), fixture("plain/note.txt"));
    assert_eq!(p.read("notes/sub/note.txt"), fixture("plain/note.txt"));
    assert_eq!(p.read("notes/plain.txt"), "plain\n");
    assert_eq!(p.read("from-template.txt"), format!("token={API_TOKEN}\n"));
    assert_eq!(p.read("more.txt"), "incl-9911 extra-5522 role-7788\n");
    let printed = format!("{}{}", run.stdout, run.stderr);
    for secret in [
        DB_PASSWORD,
        API_TOKEN,
        INLINE,
        NOTE_LINE,
        "incl-9911",
        "extra-5522",
        "role-7788",
    ] {
        assert!(!printed.contains(secret), "{secret} printed:\n{printed}");
    }
    assert!(
        printed.contains("\"msg\": \"db=******** token=********\""),
        "{printed}"
    );
    assert!(printed.contains("visible"), "plain values stay visible");
    // Nothing decrypted is left behind in the temporary directory.
    let leftovers: Vec<_> = fs::read_dir(std::env::temp_dir())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.starts_with("troupe-vault-")
                && e.path().join("note.txt").exists()
                && fs::read_to_string(e.path().join("note.txt"))
                    .is_ok_and(|t| t.contains(NOTE_LINE))
        })
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    let again = p.run(&args(&["--output", "json"]));
    assert_eq!(again.code, 0, "{again:?}");
    let recap: serde_json::Value = again
        .stdout
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .find(|v: &serde_json::Value| v["event"] == "recap")
        .expect("a recap event");
    assert_eq!(
        recap["hosts"]["localhost"]["changed"], 0,
        "{}",
        again.stdout
    );
    assert!(!again.stdout.contains(DB_PASSWORD), "{}", again.stdout);
    assert!(again.stdout.contains("db=********"), "{}", again.stdout);
}

#[test]
fn show_vault_values_prints_them_on_purpose() {
    let p = project();
    let run = p.run(&args(&["--show-vault-values"]));
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout
            .contains(&format!("db={DB_PASSWORD} token={API_TOKEN}")),
        "{}",
        run.stdout
    );
}

/// The run ended with an error naming the encrypted `file`, before any task.
fn assert_stopped_at(file: &str, p: &Project, run: &support::RunResult) {
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains(file), "{}", run.stderr);
    assert!(run.stderr.lines().count() <= 3, "{}", run.stderr);
    assert!(p.snapshot().is_empty(), "nothing ran");
    assert!(!run.stdout.contains("TASK"), "{}", run.stdout);
}

#[test]
fn a_wrong_password_stops_before_anything_runs_and_names_the_file() {
    let p = project();
    p.write("password.txt", "not-the-password\n");
    let run = p.run(&args(&[]));
    assert_stopped_at("group_vars/all/vault.yml", &p, &run);
    assert!(run.stderr.contains("decryption failed"), "{}", run.stderr);
}

#[test]
fn no_password_and_a_damaged_file_are_clear_errors() {
    let p = project();
    // The first encrypted file met: the role's defaults, read with the playbook.
    let run = p.run(&[]);
    assert_stopped_at("roles/vaulted/defaults/main.yml", &p, &run);
    assert!(run.stderr.contains("--ask-vault-pass"), "{}", run.stderr);

    // One hex digit of the ciphertext changed: the HMAC check fails.
    let mut text = fixture("recorded/vars-1.1.yml");
    let at = text.len() - 2;
    let flipped = if &text[at..at + 1] == "3" { "6" } else { "3" };
    text.replace_range(at..at + 1, flipped);
    p.write("group_vars/all/vault.yml", &text);
    let run = p.run(&args(&[]));
    assert_stopped_at("group_vars/all/vault.yml", &p, &run);
    assert!(run.stderr.contains("decryption failed"), "{}", run.stderr);
}

#[test]
fn a_password_script_and_the_environment_variable_give_the_password() {
    use std::os::unix::fs::PermissionsExt;
    let p = project();
    p.write(
        "pass.sh",
        &format!("#!/bin/sh\necho '{}'\n", fixture("password.txt").trim()),
    );
    let script = p.path().join("pass.sh");
    fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).unwrap();
    let run = support::run_troupe_with(
        std::process::Command::new(env!("CARGO_BIN_EXE_troupe"))
            .current_dir(p.path())
            .args(["run", "playbook.yml", "-i", "inventory.ini", "-e"])
            .arg(format!("base={}", p.base().display()))
            .args(["--vault-id", "prod@prod-password.txt", "-e", "@extra.yml"])
            .env("ANSIBLE_VAULT_PASSWORD_FILE", &script),
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(p.read("db.txt"), format!("{DB_PASSWORD}\n"));
}

/// A directory given to copy that holds an encrypted file, with no password for it: the task
/// fails with Ansible's words naming the file, and nothing of the directory is sent.
#[test]
fn copying_a_directory_with_an_encrypted_file_needs_its_password() {
    let p = Project::new();
    p.write(
        "playbook.yml",
        r#"
- hosts: all
  gather_facts: false
  tasks:
    - copy:
        src: notes
        dest: "{{ base }}/"
      register: r
      ignore_errors: true
    - assert:
        that:
          - r is failed
          - r.msg is match("A vault password or secret must be specified to decrypt .*files/notes/note.txt$")
"#,
    )
    .write("files/notes/note.txt", &fixture("recorded/note-1.2-prod.txt"));
    let run = p.run(&[]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(p.snapshot().is_empty(), "sent");
}
