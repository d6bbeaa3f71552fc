//! `!vault` scalars and encrypted files through the YAML loader (the process's passwords are
//! installed once for these tests; no other lib test installs any).

use std::path::Path;

use serde_json::json;

use super::*;
use crate::vault::{self, Keyring, Secret};

fn install() -> Secret {
    let secret = Secret::new("default", "yaml-test-pw");
    vault::install(Keyring::new(vec![secret.clone()]));
    secret
}

/// `name: !vault |` with the encryption of `plain`, as encrypt_string prints it.
fn tagged(name: &str, plain: &str, secret: &Secret) -> String {
    let text = vault::encrypt(plain.as_bytes(), secret).unwrap();
    let body: String = text.lines().map(|l| format!("  {l}\n")).collect();
    format!("{name}: !vault |\n{body}")
}

#[test]
fn vault_scalars_decrypt_in_trees_and_typed_reads_alike() {
    let secret = install();
    let text = format!(
        "plain: yes\n{}list:\n  - !vault \"{}\"\n",
        tagged("pw", "yaml-secret-1", &secret),
        vault::encrypt(b"in-a-list", &secret)
            .unwrap()
            .replace('\n', "\\n")
    );
    let expected = json!({"plain": true, "pw": "yaml-secret-1", "list": ["in-a-list"]});
    assert_eq!(value_from_str(&text, Path::new("v.yml")).unwrap(), expected);
    // The typed reader (inventory files) goes through the same decryption.
    let typed: Value = from_str(&text, Path::new("inv.yml")).unwrap();
    assert_eq!(typed["pw"], "yaml-secret-1");
}

#[test]
fn an_encrypted_file_reads_as_its_clear_text_and_a_bad_value_names_its_line() {
    let secret = install();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("vault.yml");
    let text = vault::encrypt(b"db_password: yaml-secret-2\n", &secret).unwrap();
    std::fs::write(&file, text).unwrap();
    assert_eq!(
        load_value(&file).unwrap(),
        json!({"db_password": "yaml-secret-2"})
    );

    let other = Secret::new("default", "not-installed");
    let bad = format!("ok: 1\n{}", tagged("pw", "x", &other));
    let err = value_from_str(&bad, Path::new("bad.yml")).unwrap_err();
    assert!(matches!(err, YamlError::Vault { line: 3, .. }), "{err}");
    assert!(err
        .to_string()
        .starts_with("bad.yml:3:3: !vault value: decryption failed"));
}
