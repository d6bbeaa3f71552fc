//! Vault data met while reading YAML: a whole file encrypted with `ansible-vault encrypt`,
//! and scalars tagged `!vault` (from `ansible-vault encrypt_string`). Both are decrypted with
//! the process's vault passwords; the clear values are remembered for masking.

use std::{borrow::Cow, collections::HashSet, path::Path};

use serde_saphyr::granit_parser::{Event, Parser};

use super::{Node, NodeValue, YamlError};
use crate::vault::{self, mask};

/// The text of a file, decrypted if it is a vault file.
pub(super) fn unvault_file<'t>(text: &'t str, path: &Path) -> Result<Cow<'t, str>, YamlError> {
    if !vault::is_vaulted(text) {
        return Ok(Cow::Borrowed(text));
    }
    let plain = vault::decrypt_text(text).map_err(|source| YamlError::Vault {
        path: path.to_path_buf(),
        line: 0,
        column: 0,
        source,
    })?;
    // Every string in the file is a secret; the file is parsed again by its reader, which
    // reports any syntax error.
    match super::value_from_str(&plain, path) {
        Ok(value) => mask::remember_value(&value),
        Err(_) => mask::remember(&plain),
    }
    Ok(Cow::Owned(plain))
}

/// Whether `text` may hold `!vault` scalars (a cheap test before walking the events).
pub(super) fn may_have_tagged(text: &str) -> bool {
    text.contains("!vault")
}

/// Decrypts, in place, the scalars of `node` written with the `!vault` tag in `source`.
pub(super) fn decrypt_tagged(node: &mut Node, source: &str, path: &Path) -> Result<(), YamlError> {
    if !may_have_tagged(source) {
        return Ok(());
    }
    let tagged = tagged_positions(source);
    if tagged.is_empty() {
        return Ok(());
    }
    walk(node, &tagged, path)
}

fn walk(node: &mut Node, tagged: &HashSet<(usize, usize)>, path: &Path) -> Result<(), YamlError> {
    let at = node.defined_at();
    match &mut node.value {
        NodeValue::Str(s) if tagged.contains(&at) => {
            let plain = vault::decrypt_text(s).map_err(|source| YamlError::Vault {
                path: path.to_path_buf(),
                line: at.0,
                column: at.1,
                source,
            })?;
            mask::remember(&plain);
            *s = plain;
        }
        NodeValue::Seq(items) => {
            for item in items {
                walk(item, tagged, path)?;
            }
        }
        NodeValue::Map(entries) => {
            for e in entries {
                walk(&mut e.value, tagged, path)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Positions (as the tree records them) of scalars tagged `!vault`.
fn tagged_positions(source: &str) -> HashSet<(usize, usize)> {
    positions_tagged(source, "vault")
}

/// Positions (as the tree records them) of scalars tagged `!SUFFIX`.
pub(super) fn positions_tagged(source: &str, suffix: &str) -> HashSet<(usize, usize)> {
    let mut found = HashSet::new();
    for (event, span) in Parser::new_from_str(source).flatten() {
        if let Event::Scalar(_, _, _, Some(tag)) = event {
            if tag.handle() == "!" && tag.suffix() == suffix {
                found.insert((span.start.line(), span.start.col() + 1));
            }
        }
    }
    found
}
