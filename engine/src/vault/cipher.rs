//! The AES256 vault cipher: keys from PBKDF2-SHA256 (10000 rounds over a 32-byte salt,
//! 80 bytes: cipher key, HMAC key, counter start), AES-256 in CTR mode over PKCS#7-padded
//! text, and an HMAC-SHA256 of the ciphertext checked (in constant time) before decrypting.
//!
//! The payload is hex of three lines: hex salt, hex HMAC, hex ciphertext.

use aes::Aes256;
use ctr::cipher::{KeyIvInit, StreamCipher};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use super::VaultError;

/// The only cipher Ansible writes or reads.
pub const CIPHER_NAME: &str = "AES256";

const ROUNDS: u32 = 10_000;
const KEY_LEN: usize = 32;
const IV_LEN: usize = 16;
const SALT_LEN: usize = 32;
const BLOCK: usize = 16;

type Aes256Ctr = ctr::Ctr128BE<Aes256>;
type HmacSha256 = Hmac<Sha256>;

/// The three derived keys.
struct Keys {
    cipher: [u8; KEY_LEN],
    mac: [u8; KEY_LEN],
    iv: [u8; IV_LEN],
}

fn derive(password: &[u8], salt: &[u8]) -> Keys {
    let mut material = [0u8; 2 * KEY_LEN + IV_LEN];
    pbkdf2::pbkdf2_hmac::<Sha256>(password, salt, ROUNDS, &mut material);
    let mut keys = Keys {
        cipher: [0; KEY_LEN],
        mac: [0; KEY_LEN],
        iv: [0; IV_LEN],
    };
    keys.cipher.copy_from_slice(&material[..KEY_LEN]);
    keys.mac.copy_from_slice(&material[KEY_LEN..2 * KEY_LEN]);
    keys.iv.copy_from_slice(&material[2 * KEY_LEN..]);
    keys
}

fn mac(keys: &Keys) -> HmacSha256 {
    <HmacSha256 as KeyInit>::new_from_slice(&keys.mac).expect("HMAC takes keys of any length")
}

/// A fresh random salt, as `os.urandom(32)` gives Ansible.
pub fn random_salt() -> Result<[u8; SALT_LEN], VaultError> {
    let mut salt = [0u8; SALT_LEN];
    getrandom::fill(&mut salt).map_err(|e| VaultError::Random(e.to_string()))?;
    Ok(salt)
}

/// Encrypts `plaintext` into the hex payload that follows a vault header.
pub fn encrypt(plaintext: &[u8], password: &[u8], salt: &[u8]) -> String {
    let keys = derive(password, salt);
    let pad = BLOCK - plaintext.len() % BLOCK;
    let mut data = plaintext.to_vec();
    data.extend(std::iter::repeat_n(pad as u8, pad));
    Aes256Ctr::new(&keys.cipher.into(), &keys.iv.into()).apply_keystream(&mut data);
    let mut m = mac(&keys);
    m.update(&data);
    let tag = m.finalize().into_bytes();
    let inner = format!(
        "{}\n{}\n{}",
        hex::encode(salt),
        hex::encode(tag),
        hex::encode(&data)
    );
    hex::encode(inner)
}

/// Decrypts a hex payload with one password. A wrong password and a damaged payload both
/// fail the HMAC check, which Ansible cannot tell apart either.
pub fn decrypt(payload: &str, password: &[u8]) -> Result<Vec<u8>, VaultError> {
    let inner = unhex(payload)?;
    let mut parts = inner.splitn(3, |b| *b == b'\n');
    let (Some(salt), Some(tag), Some(data)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(VaultError::Format(
            "the payload has no salt, HMAC and ciphertext lines".into(),
        ));
    };
    let salt = unhex(std::str::from_utf8(salt).unwrap_or("?"))?;
    let tag = unhex(std::str::from_utf8(tag).unwrap_or("?"))?;
    let mut data = unhex(std::str::from_utf8(data).unwrap_or("?"))?;
    let keys = derive(password, &salt);
    let mut m = mac(&keys);
    m.update(&data);
    m.verify_slice(&tag).map_err(|_| VaultError::HmacMismatch)?;
    Aes256Ctr::new(&keys.cipher.into(), &keys.iv.into()).apply_keystream(&mut data);
    unpad(data)
}

fn unpad(mut data: Vec<u8>) -> Result<Vec<u8>, VaultError> {
    let pad = data.last().copied().unwrap_or(0) as usize;
    let valid = (1..=BLOCK).contains(&pad)
        && pad <= data.len()
        && data[data.len() - pad..].iter().all(|b| *b as usize == pad);
    if !valid {
        return Err(VaultError::Format(
            "the decrypted text has bad padding".into(),
        ));
    }
    data.truncate(data.len() - pad);
    Ok(data)
}

fn unhex(text: &str) -> Result<Vec<u8>, VaultError> {
    hex::decode(text.trim()).map_err(|e| VaultError::Format(format!("not hexadecimal: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_for_lengths_around_a_block() {
        for len in [0, 1, 15, 16, 17, 100] {
            let text: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let payload = encrypt(&text, b"pw", &[7; 32]);
            assert_eq!(decrypt(&payload, b"pw").unwrap(), text, "length {len}");
        }
    }

    #[test]
    fn a_wrong_password_fails_the_hmac_check() {
        let payload = encrypt(b"secret", b"right", &[1; 32]);
        assert!(matches!(
            decrypt(&payload, b"wrong"),
            Err(VaultError::HmacMismatch)
        ));
    }

    #[test]
    fn a_flipped_ciphertext_byte_fails_the_hmac_check() {
        let payload = encrypt(b"secret text", b"pw", &[1; 32]);
        let inner = String::from_utf8(hex::decode(&payload).unwrap()).unwrap();
        let mut lines: Vec<String> = inner.split('\n').map(str::to_string).collect();
        let flipped = if lines[2].starts_with('0') { "1" } else { "0" };
        lines[2].replace_range(0..1, flipped);
        let tampered = hex::encode(lines.join("\n"));
        assert!(matches!(
            decrypt(&tampered, b"pw"),
            Err(VaultError::HmacMismatch)
        ));
    }

    #[test]
    fn the_same_salt_gives_the_same_payload_and_salts_differ() {
        assert_eq!(
            encrypt(b"x", b"pw", &[3; 32]),
            encrypt(b"x", b"pw", &[3; 32])
        );
        assert_ne!(random_salt().unwrap(), random_salt().unwrap());
    }
}
