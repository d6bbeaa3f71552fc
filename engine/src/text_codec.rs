//! Text in other encodings than UTF-8, by Python's codec names (`utf-16-le`, `latin-1`,
//! `windows-1252`...): the `b64encode`/`b64decode` filters' `encoding` and the template
//! module's `output_encoding`. encoding_rs (the WHATWG encodings) does the work; UTF-16 is
//! written by hand, since encoding_rs only decodes it.

/// Why text could not be converted.
#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    /// A name neither Python's spellings nor the WHATWG labels know.
    #[error("unknown encoding: {0}")]
    Unknown(String),
    /// The text has characters the encoding cannot write (Python's strict errors).
    #[error("the text has characters that '{0}' cannot encode")]
    Unmappable(String),
}

/// UTF-8 itself (no conversion needed).
pub fn is_utf8(name: &str) -> bool {
    matches!(
        name.trim().to_ascii_lowercase().replace('_', "-").as_str(),
        "" | "utf-8" | "utf8"
    )
}

/// A Python codec name (`utf-8`, `utf-16-le`, `latin-1`...) as encoding_rs knows it; UTF-16
/// by hand, since encoding_rs only decodes it.
fn codec(name: &str) -> Result<Codec, CodecError> {
    let n = name.trim().to_ascii_lowercase().replace('_', "-");
    Ok(match n.as_str() {
        // Python's spellings that are no WHATWG label.
        "latin-1" | "l1" => Codec::Other(encoding_rs::WINDOWS_1252),
        "utf-16-le" | "utf-16le" => Codec::Utf16 { little: true },
        "utf-16-be" | "utf-16be" => Codec::Utf16 { little: false },
        _ => Codec::Other(
            encoding_rs::Encoding::for_label(n.as_bytes())
                .ok_or_else(|| CodecError::Unknown(name.to_string()))?,
        ),
    })
}

enum Codec {
    Utf16 { little: bool },
    Other(&'static encoding_rs::Encoding),
}

pub fn encode(text: &str, encoding: Option<&str>) -> Result<Vec<u8>, CodecError> {
    match encoding.map(codec).transpose()? {
        None => Ok(text.as_bytes().to_vec()),
        Some(Codec::Utf16 { little }) => Ok(text
            .encode_utf16()
            .flat_map(|u| {
                if little {
                    u.to_le_bytes()
                } else {
                    u.to_be_bytes()
                }
            })
            .collect()),
        Some(Codec::Other(e)) => match e.encode(text) {
            (_, _, true) => Err(CodecError::Unmappable(e.name().to_string())),
            (bytes, _, false) => Ok(bytes.into_owned()),
        },
    }
}

pub fn decode(bytes: &[u8], encoding: Option<&str>) -> Result<String, CodecError> {
    match encoding.map(codec).transpose()? {
        None => Ok(String::from_utf8_lossy(bytes).into_owned()),
        Some(Codec::Utf16 { little }) => {
            let units: Vec<u16> = bytes
                .chunks(2)
                .map(|c| {
                    let pair = [c[0], *c.get(1).unwrap_or(&0)];
                    if little {
                        u16::from_le_bytes(pair)
                    } else {
                        u16::from_be_bytes(pair)
                    }
                })
                .collect();
            Ok(String::from_utf16_lossy(&units))
        }
        Some(Codec::Other(e)) => Ok(e.decode(bytes).0.into_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;

    #[test]
    fn base64_in_other_encodings() {
        let text = "Ansible - \u{304f}\u{3089}\u{3068}\u{307f}\n";
        let b = encode(text, Some("utf-16-le")).unwrap();
        let b64 = base64::engine::general_purpose::STANDARD.encode(&b);
        assert_eq!(b64, "QQBuAHMAaQBiAGwAZQAgAC0AIABPMIkwaDB/MAoA");
        assert_eq!(decode(&b, Some("utf-16-le")).unwrap(), text);
        assert_eq!(encode("\u{e9}", Some("latin-1")).unwrap(), vec![0xe9]);
        assert!(encode("x", Some("klingon")).is_err());
    }
}
