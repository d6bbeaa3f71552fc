//! The vault passwords of a run and how one is chosen: to decrypt, the one whose label the
//! data names first, then every other in the order given (as Ansible does; the label is not
//! authenticated, only a hint); to encrypt, the one named by `--encrypt-vault-id`, else the
//! first.

use super::{cipher, envelope::Envelope, Secret, VaultError};

#[derive(Debug, Clone, Default)]
pub struct Keyring {
    secrets: Vec<Secret>,
}

impl Keyring {
    pub fn new(secrets: Vec<Secret>) -> Self {
        Keyring { secrets }
    }

    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty()
    }

    pub fn secrets(&self) -> &[Secret] {
        &self.secrets
    }

    /// Decrypts vault text, returning the plain bytes and the label of the secret that fit.
    pub fn decrypt(&self, text: &str) -> Result<(Vec<u8>, &Secret), VaultError> {
        let envelope = Envelope::parse(text)?;
        if envelope.cipher != cipher::CIPHER_NAME {
            return Err(VaultError::Cipher(envelope.cipher));
        }
        if self.secrets.is_empty() {
            return Err(VaultError::NoSecret);
        }
        let wanted = envelope.label.as_deref();
        let first = self
            .secrets
            .iter()
            .filter(|s| Some(s.label.as_str()) == wanted);
        let rest = self
            .secrets
            .iter()
            .filter(|s| Some(s.label.as_str()) != wanted);
        for secret in first.chain(rest) {
            match cipher::decrypt(&envelope.payload, secret.password()) {
                Ok(plain) => return Ok((plain, secret)),
                Err(VaultError::HmacMismatch) => continue,
                Err(other) => return Err(other),
            }
        }
        Err(VaultError::NoSecretFits {
            tried: self.labels(),
        })
    }

    /// Decrypts vault text that must be UTF-8 (vars files, YAML scalars, templates).
    pub fn decrypt_text(&self, text: &str) -> Result<String, VaultError> {
        String::from_utf8(self.decrypt(text)?.0).map_err(|_| VaultError::NotUtf8)
    }

    /// The secret to encrypt with.
    pub fn for_encrypting(&self, label: Option<&str>) -> Result<&Secret, VaultError> {
        match label {
            Some(wanted) => self
                .secrets
                .iter()
                .find(|s| s.label == wanted)
                .ok_or_else(|| VaultError::NoSuchLabel {
                    wanted: wanted.to_string(),
                    known: self.labels(),
                }),
            None => self.secrets.first().ok_or(VaultError::NoSecret),
        }
    }

    fn labels(&self) -> String {
        let labels: Vec<&str> = self.secrets.iter().map(|s| s.label.as_str()).collect();
        labels.join(", ")
    }
}

/// Encrypts `plaintext` with `secret` into the text of a vault file, labelled with the
/// secret's vault-id (format 1.2) unless it is the default one (format 1.1).
pub fn encrypt(plaintext: &[u8], secret: &Secret) -> Result<String, VaultError> {
    let salt = cipher::random_salt()?;
    let payload = cipher::encrypt(plaintext, secret.password(), &salt);
    Ok(Envelope::format(
        cipher::CIPHER_NAME,
        Some(&secret.label),
        &payload,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring() -> Keyring {
        Keyring::new(vec![
            Secret::new("dev", "dev-pw"),
            Secret::new("prod", "prod-pw"),
        ])
    }

    #[test]
    fn a_labelled_text_decrypts_with_its_label_or_any_other_secret() {
        let prod = encrypt(b"p", &Secret::new("prod", "prod-pw")).unwrap();
        assert!(prod.starts_with("$ANSIBLE_VAULT;1.2;AES256;prod\n"));
        let ring = ring();
        let (plain, used) = ring.decrypt(&prod).unwrap();
        assert_eq!((plain.as_slice(), used.label.as_str()), (&b"p"[..], "prod"));
        // A label nobody has: every secret is tried.
        let odd = encrypt(b"q", &Secret::new("odd", "dev-pw")).unwrap();
        assert_eq!(ring.decrypt(&odd).unwrap().1.label, "dev");
    }

    #[test]
    fn no_fitting_secret_names_what_was_tried() {
        let text = encrypt(b"x", &Secret::new("default", "other")).unwrap();
        assert!(text.starts_with("$ANSIBLE_VAULT;1.1;AES256\n"));
        let err = ring().decrypt(&text).unwrap_err().to_string();
        assert!(err.contains("tried dev, prod"), "{err}");
        assert!(matches!(
            Keyring::default().decrypt(&text),
            Err(VaultError::NoSecret)
        ));
    }

    #[test]
    fn encrypting_picks_the_named_label_or_the_first() {
        assert_eq!(ring().for_encrypting(None).unwrap().label, "dev");
        assert_eq!(ring().for_encrypting(Some("prod")).unwrap().label, "prod");
        assert!(ring().for_encrypting(Some("qa")).is_err());
    }
}
