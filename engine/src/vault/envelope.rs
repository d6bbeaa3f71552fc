//! The text around a vault payload: a header line `$ANSIBLE_VAULT;1.1;AES256` (or
//! `$ANSIBLE_VAULT;1.2;AES256;label` when a vault-id label is recorded), then the hex payload
//! in lines of 80 characters, ending with a newline.

use super::VaultError;

/// How every vault text starts.
pub const MARKER: &str = "$ANSIBLE_VAULT";

const WIDTH: usize = 80;

/// A parsed vault text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    pub version: String,
    pub cipher: String,
    /// The vault-id label of a 1.2 header.
    pub label: Option<String>,
    /// The hex payload, newlines removed.
    pub payload: String,
}

/// Whether `text` is vault-encrypted data (leading whitespace allowed, as in a YAML block).
pub fn is_vaulted(text: &str) -> bool {
    text.trim_start().starts_with(MARKER)
}

impl Envelope {
    pub fn parse(text: &str) -> Result<Self, VaultError> {
        let mut lines = text.trim_start().lines();
        let header = lines.next().unwrap_or_default().trim();
        let fields: Vec<&str> = header.split(';').map(str::trim).collect();
        if fields.first() != Some(&MARKER) || fields.len() < 3 {
            return Err(VaultError::Format(format!(
                "the header '{header}' is not '{MARKER};<version>;<cipher>'"
            )));
        }
        let label = fields
            .get(3)
            .filter(|l| !l.is_empty())
            .map(|l| l.to_string());
        let payload: String = lines.map(str::trim).collect();
        Ok(Envelope {
            version: fields[1].to_string(),
            cipher: fields[2].to_string(),
            label,
            payload,
        })
    }

    /// The text written to a file: 1.1 without a label (or with `default`), 1.2 with one.
    pub fn format(cipher: &str, label: Option<&str>, payload: &str) -> String {
        let mut out = String::from(MARKER);
        match label.filter(|l| !l.is_empty() && *l != super::DEFAULT_LABEL) {
            Some(label) => out.push_str(&format!(";1.2;{cipher};{label}")),
            None => out.push_str(&format!(";1.1;{cipher}")),
        }
        for chunk in payload.as_bytes().chunks(WIDTH) {
            out.push('\n');
            out.push_str(std::str::from_utf8(chunk).expect("hex is ASCII"));
        }
        out.push('\n');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_wraps_at_80_and_parse_reads_it_back() {
        let payload = "ab".repeat(100);
        let text = Envelope::format("AES256", Some("prod"), &payload);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "$ANSIBLE_VAULT;1.2;AES256;prod");
        assert_eq!(lines[1].len(), 80);
        assert_eq!(lines[3].len(), 40);
        assert!(text.ends_with("\n"));
        let env = Envelope::parse(&text).unwrap();
        assert_eq!(env.label.as_deref(), Some("prod"));
        assert_eq!(env.version, "1.2");
        assert_eq!(env.payload, payload);
    }

    #[test]
    fn the_default_label_writes_version_1_1() {
        let text = Envelope::format("AES256", Some("default"), "00");
        assert_eq!(text, "$ANSIBLE_VAULT;1.1;AES256\n00\n");
        assert_eq!(Envelope::parse(&text).unwrap().label, None);
    }

    #[test]
    fn a_header_without_a_cipher_is_a_format_error() {
        assert!(Envelope::parse("$ANSIBLE_VAULT;1.1\n00\n").is_err());
        assert!(is_vaulted("  $ANSIBLE_VAULT;1.1;AES256\n"));
        assert!(!is_vaulted("name: x\n"));
    }
}
