//! Files written by ansible-vault (engine/tests/fixtures/vault, made by its record.sh)
//! decrypt here, and troupe writes the very same bytes given the same salt.

use std::path::PathBuf;

use super::{cipher, envelope::Envelope, Keyring, Secret, VaultError};

fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/vault")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn default_secret() -> Secret {
    Secret::new("default", fixture("password.txt").trim())
}

fn prod_secret() -> Secret {
    Secret::new("prod", fixture("prod-password.txt").trim())
}

/// The `!vault |` block of an encrypt_string output, unindented.
fn block(yaml: &str, name: &str) -> String {
    let start = yaml
        .find(&format!("{name}: !vault |"))
        .expect("the named block");
    yaml[start..]
        .lines()
        .skip(1)
        .take_while(|l| l.starts_with("          "))
        .map(|l| format!("{}\n", l.trim()))
        .collect()
}

/// `plain` encrypted by troupe with the salt of the vault text `recorded`.
fn rewrite(recorded: &str, plain: &str, secret: &Secret) -> String {
    let envelope = Envelope::parse(recorded).unwrap();
    let inner = String::from_utf8(hex::decode(&envelope.payload).unwrap()).unwrap();
    let salt = hex::decode(inner.lines().next().unwrap()).unwrap();
    let payload = cipher::encrypt(plain.as_bytes(), secret.password(), &salt);
    Envelope::format(cipher::CIPHER_NAME, Some(&secret.label), &payload)
}

#[test]
fn an_ansible_1_1_vars_file_decrypts_to_its_clear_text() {
    let ring = Keyring::new(vec![default_secret()]);
    let plain = ring
        .decrypt_text(&fixture("recorded/vars-1.1.yml"))
        .unwrap();
    assert_eq!(plain, fixture("plain/vars.yml"));
}

#[test]
fn an_ansible_1_2_labelled_file_decrypts_with_the_labelled_password_among_others() {
    let text = fixture("recorded/note-1.2-prod.txt");
    assert!(text.starts_with("$ANSIBLE_VAULT;1.2;AES256;prod\n"));
    let ring = Keyring::new(vec![default_secret(), prod_secret()]);
    let (plain, used) = ring.decrypt(&text).unwrap();
    assert_eq!(String::from_utf8(plain).unwrap(), fixture("plain/note.txt"));
    assert_eq!(used.label, "prod");
}

#[test]
fn ansible_encrypt_string_blocks_decrypt() {
    let ring = Keyring::new(vec![prod_secret(), default_secret()]);
    let db = block(&fixture("recorded/encrypt_string.yml"), "db_password");
    assert_eq!(ring.decrypt_text(&db).unwrap(), "S3cr3t-fixture!");
    let token = block(&fixture("recorded/mixed-prod.yml"), "api_token");
    assert_eq!(ring.decrypt_text(&token).unwrap(), "tok-fixture-0042");
}

/// Byte compatibility the other way: with ansible-vault's salt, troupe's encryption gives
/// ansible-vault's file exactly (header, hex layout, 80-column lines, final newline).
#[test]
fn troupe_writes_ansible_vaults_bytes_given_the_same_salt() {
    for (file, plain, secret) in [
        ("recorded/vars-1.1.yml", "plain/vars.yml", default_secret()),
        (
            "recorded/note-1.2-prod.txt",
            "plain/note.txt",
            prod_secret(),
        ),
    ] {
        let recorded = fixture(file);
        assert_eq!(
            rewrite(&recorded, &fixture(plain), &secret),
            recorded,
            "{file}"
        );
    }
}

#[test]
fn a_wrong_password_and_a_damaged_file_are_refused() {
    let text = fixture("recorded/vars-1.1.yml");
    let wrong = Keyring::new(vec![Secret::new("default", "not-it")]);
    let err = wrong.decrypt(&text).unwrap_err();
    assert!(matches!(err, VaultError::NoSecretFits { .. }), "{err}");
    // One hex digit of the ciphertext changed: the HMAC no longer matches.
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let last = lines.last_mut().unwrap();
    let digit = if last.starts_with('3') { "6" } else { "3" };
    last.replace_range(0..1, digit);
    let damaged = lines.join("\n");
    let right = Keyring::new(vec![default_secret()]);
    assert!(right.decrypt(&damaged).is_err());
}

/// The recorded check the other way (check-with-ansible.sh): files `troupe vault` wrote and
/// ansible-vault decrypted. Today's troupe still writes exactly those bytes given their salt,
/// so they stand for what troupe writes now.
#[test]
fn files_troupe_wrote_and_ansible_read_are_what_troupe_still_writes() {
    let log = fixture("recorded/checked-by-ansible.txt");
    assert!(log.contains("all checks passed"), "{log}");
    for (file, plain, secret) in [
        ("vars-1.1.yml", "plain/vars.yml", default_secret()),
        ("note-1.2-prod.txt", "plain/note.txt", prod_secret()),
        ("rekeyed-prod.yml", "plain/vars.yml", prod_secret()),
    ] {
        let recorded = fixture(&format!("recorded/troupe-written/{file}"));
        assert_eq!(
            rewrite(&recorded, &fixture(plain), &secret),
            recorded,
            "{file}"
        );
    }
    let token = block(
        &fixture("recorded/troupe-written/encrypt_string.yml"),
        "api_token",
    );
    let ring = Keyring::new(vec![prod_secret()]);
    assert_eq!(ring.decrypt_text(&token).unwrap(), "tok-troupe-0042");
}
