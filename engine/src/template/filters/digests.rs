//! Encodings and digests: `b64encode`, `b64decode`, `hash`, `checksum`, `md5`, `sha1`,
//! `password_hash` (SHA-512/SHA-256 crypt, as `/etc/shadow` wants).

use base64::Engine;
use md5::Md5;
use minijinja::value::Kwargs;
use minijinja::{Environment, Error, State, Value};
use sha1::Sha1;
use sha2::{Digest, Sha224, Sha256, Sha384, Sha512};

use super::{failure, text_of};
use crate::text_codec;

pub(super) fn register(env: &mut Environment<'static>) {
    env.add_filter("b64encode", b64encode);
    env.add_filter("b64decode", b64decode);
    env.add_filter("hash", hash);
    env.add_filter("checksum", |state: &State, v: &Value| {
        hash(state, v, Some("sha1"))
    });
    env.add_filter("sha1", |state: &State, v: &Value| {
        hash(state, v, Some("sha1"))
    });
    env.add_filter("md5", |state: &State, v: &Value| {
        hash(state, v, Some("md5"))
    });
    env.add_filter("password_hash", password_hash);
}

/// `b64encode(encoding='utf-16-le')`: the text's bytes in that encoding (default UTF-8).
fn b64encode(state: &State, v: &Value, kwargs: Kwargs) -> Result<String, Error> {
    let encoding: Option<String> = kwargs.get("encoding")?;
    kwargs.assert_all_used()?;
    let bytes = text_codec::encode(&text_of(state, v)?, encoding.as_deref())
        .map_err(|e| failure(e.to_string()))?;
    Ok(base64::engine::general_purpose::STANDARD.encode(bytes))
}

fn b64decode(s: &str, kwargs: Kwargs) -> Result<String, Error> {
    let encoding: Option<String> = kwargs.get("encoding")?;
    kwargs.assert_all_used()?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(s.trim())
        .map_err(|e| failure(format!("b64decode: {e}")))?;
    text_codec::decode(&bytes, encoding.as_deref()).map_err(|e| failure(e.to_string()))
}

fn hex_digest<D: Digest>(s: &str) -> String {
    hex::encode(D::digest(s.as_bytes()))
}

/// `'text' | hash('sha256')`; sha1 when no algorithm is named.
fn hash(state: &State, v: &Value, algorithm: Option<&str>) -> Result<String, Error> {
    let s = &text_of(state, v)?;
    Ok(match algorithm.unwrap_or("sha1") {
        "md5" => hex_digest::<Md5>(s),
        "sha1" => hex_digest::<Sha1>(s),
        "sha224" => hex_digest::<Sha224>(s),
        "sha256" => hex_digest::<Sha256>(s),
        "sha384" => hex_digest::<Sha384>(s),
        "sha512" => hex_digest::<Sha512>(s),
        other => return Err(failure(format!("hash: unsupported algorithm '{other}'"))),
    })
}

const CRYPT_ALPHABET: &[u8; 64] =
    b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// The crypt(3) encoding: three digest bytes (in the algorithm's shuffled order) become four
/// characters, least significant six bits first.
fn crypt_base64(digest: &[u8], order: &[[usize; 3]], tail: &[usize]) -> String {
    let mut out = String::new();
    let mut emit = |w: u32, chars: usize| {
        let mut w = w;
        for _ in 0..chars {
            out.push(CRYPT_ALPHABET[(w & 0x3f) as usize] as char);
            w >>= 6;
        }
    };
    for &[a, b, c] in order {
        emit(
            (u32::from(digest[a]) << 16) | (u32::from(digest[b]) << 8) | u32::from(digest[c]),
            4,
        );
    }
    let w = tail
        .iter()
        .fold(0u32, |w, &i| (w << 8) | u32::from(digest[i]));
    emit(w, if tail.len() == 2 { 3 } else { 2 });
    out
}

const SHA512_ORDER: [[usize; 3]; 21] = [
    [0, 21, 42],
    [22, 43, 1],
    [44, 2, 23],
    [3, 24, 45],
    [25, 46, 4],
    [47, 5, 26],
    [6, 27, 48],
    [28, 49, 7],
    [50, 8, 29],
    [9, 30, 51],
    [31, 52, 10],
    [53, 11, 32],
    [12, 33, 54],
    [34, 55, 13],
    [56, 14, 35],
    [15, 36, 57],
    [37, 58, 16],
    [59, 17, 38],
    [18, 39, 60],
    [40, 61, 19],
    [62, 20, 41],
];
const SHA256_ORDER: [[usize; 3]; 10] = [
    [0, 10, 20],
    [21, 1, 11],
    [12, 22, 2],
    [3, 13, 23],
    [24, 4, 14],
    [15, 25, 5],
    [6, 16, 26],
    [27, 7, 17],
    [18, 28, 8],
    [9, 19, 29],
];

/// A random 16-character salt from the crypt alphabet.
fn random_salt() -> Result<String, Error> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)
        .map_err(|e| failure(format!("password_hash: no randomness for a salt: {e}")))?;
    Ok(bytes
        .iter()
        .map(|b| CRYPT_ALPHABET[usize::from(b & 0x3f)] as char)
        .collect())
}

/// `'secret' | password_hash('sha512', 'mysalt')` → `$6$mysalt$…`, as passlib/crypt write it
/// (5000 rounds unless `rounds=` says otherwise).
fn password_hash(
    password: &str,
    hashtype: Option<&str>,
    salt: Option<String>,
    kwargs: Kwargs,
) -> Result<String, Error> {
    let rounds = kwargs
        .get::<Option<u32>>("rounds")?
        .unwrap_or(sha_crypt::Params::RECOMMENDED_ROUNDS);
    let salt = match salt.or(kwargs.get::<Option<String>>("salt")?) {
        Some(s) => s,
        None => random_salt()?,
    };
    if salt
        .chars()
        .any(|c| !CRYPT_ALPHABET.contains(&(c as u8)) || !c.is_ascii())
    {
        return Err(failure(
            "password_hash: the salt may only contain ./0-9A-Za-z",
        ));
    }
    let salt: String = salt.chars().take(16).collect();
    let params = sha_crypt::Params::new(rounds)
        .map_err(|_| failure(format!("password_hash: invalid rounds {rounds}")))?;
    let (ident, encoded) = match hashtype.unwrap_or("sha512") {
        "sha512" | "sha512_crypt" => (
            "6",
            crypt_base64(
                &sha_crypt::sha512_crypt(password.as_bytes(), salt.as_bytes(), params),
                &SHA512_ORDER,
                &[63],
            ),
        ),
        "sha256" | "sha256_crypt" => (
            "5",
            crypt_base64(
                &sha_crypt::sha256_crypt(password.as_bytes(), salt.as_bytes(), params),
                &SHA256_ORDER,
                &[31, 30],
            ),
        ),
        other => {
            return Err(failure(format!(
                "password_hash: '{other}' is not supported (use sha512 or sha256)"
            )))
        }
    };
    let rounds_field = if rounds == sha_crypt::Params::RECOMMENDED_ROUNDS {
        String::new()
    } else {
        format!("rounds={rounds}$")
    };
    Ok(format!("${ident}${rounds_field}{salt}${encoded}"))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::template::templar::tests::{render, render_err};

    #[test]
    fn base64_round_trip() {
        assert_eq!(
            render("{{ 'user:pass' | b64encode }}", json!({})),
            "dXNlcjpwYXNz"
        );
        assert_eq!(
            render("{{ 'dXNlcjpwYXNz' | b64decode }}", json!({})),
            "user:pass"
        );
        assert_eq!(render("{{ 42 | b64encode }}", json!({})), "NDI=");
    }

    #[test]
    fn digests_are_hex() {
        assert_eq!(
            render("{{ 'abc' | hash('md5') }}", json!({})),
            "900150983cd24fb0d6963f7d28e17f72"
        );
        assert_eq!(
            render("{{ 'abc' | hash }}", json!({})),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        assert_eq!(
            render("{{ 'abc' | checksum }}", json!({})),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        assert_eq!(
            render("{{ 'abc' | hash('sha256') }}", json!({})),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(render_err("{{ 'abc' | hash('whirlpool') }}", json!({})).contains("whirlpool"));
    }

    #[test]
    fn password_hash_matches_crypt() {
        // Test vectors from the SHA-crypt specification.
        assert_eq!(
            render("{{ 'Hello world!' | password_hash('sha512', 'saltstring') }}", json!({})),
            "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1"
        );
        assert_eq!(
            render(
                "{{ 'Hello world!' | password_hash('sha256', 'saltstring') }}",
                json!({})
            ),
            "$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5"
        );
        assert_eq!(
            render("{{ 'Hello world!' | password_hash('sha512', 'saltstringsaltstring', rounds=10000) }}", json!({})),
            "$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v."
        );
        let random = render("{{ 'pw' | password_hash('sha512') }}", json!({}));
        assert!(random.starts_with("$6$") && random.len() > 100, "{random}");
    }
}
