//! Values that came out of Vault, remembered so that what troupe prints shows `********`
//! in their place (task results, `-v`, `--diff`, `--output json`, error messages). Tasks
//! still see the real values. `troupe run --show-vault-values` turns masking off.
//!
//! Values shorter than four characters are not masked: hiding every `yes` or `80` in the
//! output would garble it and tell little.

use std::{
    borrow::Cow,
    sync::{
        atomic::{AtomicBool, Ordering},
        RwLock,
    },
};

use crate::Value;

/// What a masked value prints as.
pub const MASK: &str = "********";

const SHORTEST: usize = 4;

static REVEALED: RwLock<Vec<String>> = RwLock::new(Vec::new());
static SHOWN: AtomicBool = AtomicBool::new(false);

/// Prints vault values as they are (`--show-vault-values`).
pub fn show_values() {
    SHOWN.store(true, Ordering::Relaxed);
}

/// Remembers one decrypted string, as written and as it appears inside JSON text.
pub fn remember(value: &str) {
    let value = value.trim();
    if value.chars().count() < SHORTEST {
        return;
    }
    let mut forms = vec![value.to_string()];
    if let Ok(json) = serde_json::to_string(value) {
        let inner = &json[1..json.len() - 1];
        if inner != value {
            forms.push(inner.to_string());
        }
    }
    // A multi-line secret (a key, a certificate) is also hidden line by line.
    if value.contains('\n') {
        forms.extend(value.lines().map(str::trim).map(String::from));
    }
    let mut known = REVEALED.write().unwrap_or_else(|e| e.into_inner());
    for form in forms {
        if form.chars().count() >= SHORTEST && !known.contains(&form) {
            known.push(form);
        }
    }
    // Longest first, so that a value containing another is hidden whole.
    known.sort_by_key(|s| std::cmp::Reverse(s.len()));
}

/// Remembers every string inside a decrypted value (a vars file's variables).
pub fn remember_value(value: &Value) {
    match value {
        Value::String(s) => remember(s),
        Value::Array(items) => items.iter().for_each(remember_value),
        Value::Object(map) => map.values().for_each(remember_value),
        _ => {}
    }
}

/// `text` with every remembered value replaced by [`MASK`].
pub fn mask(text: &str) -> Cow<'_, str> {
    if SHOWN.load(Ordering::Relaxed) {
        return Cow::Borrowed(text);
    }
    let known = REVEALED.read().unwrap_or_else(|e| e.into_inner());
    let mut out = Cow::Borrowed(text);
    for secret in known.iter() {
        if out.contains(secret.as_str()) {
            out = Cow::Owned(out.replace(secret.as_str(), MASK));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembered_values_are_masked_raw_and_json_escaped_short_ones_are_not() {
        remember("mask-test \"quoted\" value");
        remember("abc");
        let json = serde_json::json!({"msg": "pw=mask-test \"quoted\" value"}).to_string();
        assert!(!json.contains("mask-test \"quoted"), "precondition: {json}");
        assert_eq!(mask(&json), r#"{"msg":"pw=********"}"#);
        assert_eq!(mask("say mask-test \"quoted\" value"), "say ********");
        assert_eq!(mask("abc"), "abc");
    }

    #[test]
    fn each_line_of_a_multi_line_secret_is_masked() {
        remember("-----BEGIN mask test-----\nAAAAmaskline\n-----END mask test-----\n");
        assert_eq!(mask("key: AAAAmaskline"), "key: ********");
    }
}
