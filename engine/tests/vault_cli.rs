//! `troupe vault`: the commands of ansible-vault on real files, as a user runs them.

use std::{
    fs,
    io::Write,
    os::unix::fs::PermissionsExt,
    path::Path,
    process::{Command, Stdio},
};

use troupe::vault::{Keyring, Secret};

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn troupe(dir: &Path, args: &[&str], env: &[(&str, &str)], stdin: &str) -> Out {
    let mut child = Command::new(env!("CARGO_BIN_EXE_troupe"))
        .current_dir(dir)
        .arg("vault")
        .args(args)
        .envs(env.iter().copied())
        .env_remove("ANSIBLE_VAULT_PASSWORD_FILE")
        .env_remove("ANSIBLE_VAULT_IDENTITY_LIST")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("pw"), "first-pw\n").unwrap();
    fs::write(dir.path().join("pw2"), "second-pw\n").unwrap();
    dir
}

/// `troupe vault ARGS` with no input and no extra environment.
fn plain(dir: &Path, args: &[&str]) -> Out {
    troupe(dir, args, &[], "")
}

/// Writes `name` with `text` and encrypts it in place with `troupe vault encrypt ARGS`.
fn encrypted(dir: &Path, name: &str, text: &str, args: &[&str]) -> std::path::PathBuf {
    let file = dir.join(name);
    fs::write(&file, text).unwrap();
    let mut all = vec!["encrypt"];
    all.extend_from_slice(args);
    all.push(name);
    let out = troupe(dir, &all, &[], "");
    assert_eq!(out.code, 0, "{}", out.stderr);
    file
}

fn decrypt(path: &Path, label: &str, password: &str) -> Result<String, String> {
    let text = fs::read_to_string(path).unwrap();
    Keyring::new(vec![Secret::new(label, password)])
        .decrypt_text(&text)
        .map_err(|e| e.to_string())
}

#[test]
fn encrypt_in_place_with_a_label_then_view_and_decrypt() {
    let dir = setup();
    let file = dir.path().join("vars.yml");
    fs::write(&file, "token: abc-123\n").unwrap();
    fs::set_permissions(&file, fs::Permissions::from_mode(0o640)).unwrap();
    let out = plain(
        dir.path(),
        &["encrypt", "--vault-id", "prod@pw", "vars.yml"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let text = fs::read_to_string(&file).unwrap();
    assert!(
        text.starts_with("$ANSIBLE_VAULT;1.2;AES256;prod\n"),
        "{text}"
    );
    assert!(text.lines().skip(1).all(|l| l.len() <= 80));
    assert_eq!(
        fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o640
    );
    assert_eq!(
        decrypt(&file, "prod", "first-pw").unwrap(),
        "token: abc-123\n"
    );

    let again = plain(
        dir.path(),
        &["encrypt", "--vault-password-file", "pw", "vars.yml"],
    );
    assert_ne!(again.code, 0);
    assert!(
        again.stderr.contains("already encrypted"),
        "{}",
        again.stderr
    );
    assert_eq!(fs::read_to_string(&file).unwrap(), text, "unchanged");

    let view = plain(
        dir.path(),
        &["view", "--vault-password-file", "pw", "vars.yml"],
    );
    assert_eq!((view.code, view.stdout.as_str()), (0, "token: abc-123\n"));

    let wrong = plain(
        dir.path(),
        &["view", "--vault-password-file", "pw2", "vars.yml"],
    );
    assert_eq!(wrong.code, 1);
    assert!(wrong.stderr.contains("vars.yml") && wrong.stderr.contains("decryption failed"));

    let dec = plain(
        dir.path(),
        &["decrypt", "--vault-password-file", "pw", "vars.yml"],
    );
    assert_eq!(dec.code, 0, "{}", dec.stderr);
    assert_eq!(fs::read_to_string(&file).unwrap(), "token: abc-123\n");
}

#[test]
fn standard_input_to_standard_output() {
    let dir = setup();
    let enc = troupe(
        dir.path(),
        &["encrypt", "--vault-password-file", "pw"],
        &[],
        "from stdin\n",
    );
    assert_eq!(enc.code, 0, "{}", enc.stderr);
    assert!(enc.stdout.starts_with("$ANSIBLE_VAULT;1.1;AES256\n"));
    let dec = troupe(
        dir.path(),
        &["decrypt", "--vault-password-file", "pw", "--output", "-"],
        &[],
        &enc.stdout,
    );
    assert_eq!(
        (dec.code, dec.stdout.as_str()),
        (0, "from stdin\n"),
        "{}",
        dec.stderr
    );
}

#[test]
fn encrypt_string_prints_a_named_vault_block() {
    let dir = setup();
    let out = plain(
        dir.path(),
        &[
            "encrypt_string",
            "--vault-password-file",
            "pw",
            "--name",
            "db_password",
            "S3cret!",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let mut lines = out.stdout.lines();
    assert_eq!(lines.next(), Some("db_password: !vault |"));
    assert_eq!(lines.next(), Some("          $ANSIBLE_VAULT;1.1;AES256"));
    let body: Vec<&str> = lines.collect();
    assert!(body
        .iter()
        .all(|l| l.starts_with("          ") && l.len() <= 90));
    let block: String = out
        .stdout
        .lines()
        .skip(1)
        .map(|l| format!("{}\n", l.trim()))
        .collect();
    let ring = Keyring::new(vec![Secret::new("default", "first-pw")]);
    assert_eq!(ring.decrypt_text(&block).unwrap(), "S3cret!");
}

#[test]
fn edit_re_encrypts_with_the_same_label_and_leaves_no_clear_text() {
    let dir = setup();
    let file = encrypted(
        dir.path(),
        "secret.yml",
        "pw: old\n",
        &["--vault-id", "prod@pw"],
    );
    // The editor records where it was given the clear text, then changes it.
    let editor = dir.path().join("editor.sh");
    fs::write(
        &editor,
        "#!/bin/sh\nstat -c %a \"$1\" > \"$(dirname \"$0\")/seen-mode\"\necho \"$1\" > \"$(dirname \"$0\")/seen-path\"\nsed -i s/old/new/ \"$1\"\n",
    )
    .unwrap();
    fs::set_permissions(&editor, fs::Permissions::from_mode(0o755)).unwrap();
    let editor = editor.display().to_string();
    let out = troupe(
        dir.path(),
        &["edit", "--vault-id", "prod@pw", "secret.yml"],
        &[("EDITOR", &editor)],
        "",
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let text = fs::read_to_string(&file).unwrap();
    assert!(
        text.starts_with("$ANSIBLE_VAULT;1.2;AES256;prod\n"),
        "{text}"
    );
    assert_eq!(decrypt(&file, "prod", "first-pw").unwrap(), "pw: new\n");
    let seen_mode = fs::read_to_string(dir.path().join("seen-mode")).unwrap();
    assert_eq!(seen_mode.trim(), "600");
    let seen = fs::read_to_string(dir.path().join("seen-path")).unwrap();
    let seen = Path::new(seen.trim());
    assert!(
        !seen.exists() && !seen.parent().unwrap().exists(),
        "{seen:?} removed"
    );

    // A failing editor leaves the file as it was.
    let out = troupe(
        dir.path(),
        &["edit", "--vault-id", "prod@pw", "secret.yml"],
        &[("EDITOR", "false")],
        "",
    );
    assert_ne!(out.code, 0);
    assert_eq!(fs::read_to_string(&file).unwrap(), text);
}

#[test]
fn create_writes_what_the_editor_wrote_and_refuses_an_existing_file() {
    let dir = setup();
    let out = troupe(
        dir.path(),
        &["create", "--vault-password-file", "pw", "new.yml"],
        &[("EDITOR", "sh -c 'echo \"made: here\" > \"$0\"'")],
        "",
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let file = dir.path().join("new.yml");
    assert_eq!(
        decrypt(&file, "default", "first-pw").unwrap(),
        "made: here\n"
    );
    assert_eq!(
        fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let again = troupe(
        dir.path(),
        &["create", "--vault-password-file", "pw", "new.yml"],
        &[("EDITOR", "true")],
        "",
    );
    assert_ne!(again.code, 0);
    assert!(again.stderr.contains("exists"), "{}", again.stderr);
}

#[test]
fn rekey_moves_files_to_the_new_password() {
    let dir = setup();
    let file = encrypted(
        dir.path(),
        "s.txt",
        "rekey me\n",
        &["--vault-password-file", "pw"],
    );
    let out = plain(
        dir.path(),
        &[
            "rekey",
            "--vault-password-file",
            "pw",
            "--new-vault-id",
            "qa@pw2",
            "s.txt",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(fs::read_to_string(&file)
        .unwrap()
        .starts_with("$ANSIBLE_VAULT;1.2;AES256;qa\n"));
    assert!(decrypt(&file, "default", "first-pw").is_err());
    assert_eq!(decrypt(&file, "qa", "second-pw").unwrap(), "rekey me\n");
}

#[test]
fn asking_for_a_password_without_a_terminal_is_a_clear_error() {
    let dir = setup();
    fs::write(dir.path().join("f.txt"), "x\n").unwrap();
    let out = plain(dir.path(), &["encrypt", "--ask-vault-pass", "f.txt"]);
    assert_ne!(out.code, 0);
    assert!(out.stderr.contains("needs a terminal"), "{}", out.stderr);
    assert_eq!(fs::read_to_string(dir.path().join("f.txt")).unwrap(), "x\n");
}
