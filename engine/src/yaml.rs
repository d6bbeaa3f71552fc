//! Reading YAML the way Ansible's loader does: YAML 1.1 booleans and `0644` octals,
//! anchors and `<<` merges, the last of duplicate keys wins.

mod excerpt;
mod node;
mod unsafe_text;
mod vault;

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

pub use excerpt::excerpt;
pub use node::{Entry, Node, NodeValue};

use crate::Value;

/// A YAML file that could not be read or parsed; the message carries line and column.
#[derive(Debug, thiserror::Error)]
pub enum YamlError {
    #[error("{path}: {source}", path = path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{path}:{line}:{column}: {message}{}",
        excerpt.as_ref().map(|e| format!("\n{e}")).unwrap_or_default(),
        path = path.display()
    )]
    Syntax {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
        /// The offending source line with a caret under the column.
        excerpt: Option<String>,
    },
    /// Vault data that could not be decrypted: a whole file (line 0) or a `!vault` scalar.
    #[error(
        "{path}{}: {source}",
        if *line > 0 { format!(":{line}:{column}: !vault value") } else { String::new() },
        path = path.display()
    )]
    Vault {
        path: PathBuf,
        line: usize,
        column: usize,
        source: crate::vault::VaultError,
    },
}

/// The most YAML nodes troupe reads from one file: a generated playbook of tens of MB fits
/// (saphyr's default of 250,000 refused a 9 MB one); a YAML bomb's expansion does not.
const MAX_NODES: usize = 5_000_000;

pub fn options() -> serde_saphyr::Options {
    let mut o = serde_saphyr::Options::default();
    let mut budget = serde_saphyr::budget::Budget::default();
    budget.max_nodes = MAX_NODES;
    budget.max_events = 4 * MAX_NODES;
    o.budget = Some(budget);
    o.legacy_octal_numbers = true;
    o.strict_booleans = false;
    o.duplicate_keys = serde_saphyr::DuplicateKeyPolicy::LastWins;
    o.with_snippet = false;
    o
}

/// Options for reading a [`Node`] tree: booleans are resolved afterwards, because the YAML 1.1
/// reading of saphyr also takes `y`/`n`, which Ansible keeps as strings.
fn node_options() -> serde_saphyr::Options {
    let mut o = options();
    o.strict_booleans = true;
    o
}

/// Parses YAML text from `path` (used only in messages) into any deserializable type.
pub fn from_str<T: DeserializeOwned>(text: &str, path: &Path) -> Result<T, YamlError> {
    if vault::may_have_tagged(text) {
        // `!vault` scalars are decrypted in the tree, then read as the wanted type.
        let value = value_from_str(text, path)?;
        return serde_json::from_value(value).map_err(|e| YamlError::Syntax {
            path: path.to_path_buf(),
            line: 0,
            column: 0,
            message: e.to_string(),
            excerpt: None,
        });
    }
    serde_saphyr::from_str_with_options(text, options()).map_err(|e| syntax(path, text, &e))
}

/// The text of a file read by its own loader (inventory sources), decrypted if it is a
/// vault file.
pub fn unvault<'t>(text: &'t str, path: &Path) -> Result<std::borrow::Cow<'t, str>, YamlError> {
    vault::unvault_file(text, path)
}

/// Reads and parses a YAML file. An empty file is `null`.
pub fn load<T: DeserializeOwned>(path: &Path) -> Result<T, YamlError> {
    from_str(&read(path)?, path)
}

/// Parses YAML text into a tree with positions. An empty document is a null node.
pub fn node_from_str(text: &str, path: &Path) -> Result<Node, YamlError> {
    if text.trim().is_empty() {
        return Ok(Node::synthetic(NodeValue::Null, 1, 1));
    }
    let mut node: Node = serde_saphyr::from_str_with_options(text, node_options())
        .map_err(|e| syntax(path, text, &e))?;
    node.resolve_yaml11_booleans(text);
    vault::decrypt_tagged(&mut node, text, path)?;
    unsafe_text::keep_unsafe_text(&mut node, text);
    Ok(node)
}

/// Reads a YAML file into a tree with positions, returning the text too (for excerpts).
pub fn load_node(path: &Path) -> Result<(Node, String), YamlError> {
    let text = read(path)?;
    let node = node_from_str(&text, path)?;
    Ok((node, text))
}

/// Reads a YAML file into a plain value, with Ansible's readings of scalars.
pub fn load_value(path: &Path) -> Result<Value, YamlError> {
    Ok(load_node(path)?.0.to_value())
}

/// Parses YAML text into a plain value, with Ansible's readings of scalars.
pub fn value_from_str(text: &str, path: &Path) -> Result<Value, YamlError> {
    Ok(node_from_str(text, path)?.to_value())
}

/// Reads a file, decrypting it if it is a vault file.
fn read(path: &Path) -> Result<String, YamlError> {
    let text = std::fs::read_to_string(path).map_err(|source| YamlError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(vault::unvault_file(&text, path)?.into_owned())
}

fn syntax(path: &Path, text: &str, e: &serde_saphyr::Error) -> YamlError {
    let (line, mut column) = e
        .location()
        .map(|l| (l.line() as usize, l.column() as usize))
        .unwrap_or((0, 0));
    let message = match innermost(e) {
        serde_saphyr::Error::Budget { breach, .. } => past_the_budget(breach),
        _ => without_position(&e.without_snippet().to_string(), line, column),
    };
    // saphyr reports a tab at the text after it; point at the tab itself.
    if message.starts_with("tabs") {
        let tab = text
            .lines()
            .nth(line.wrapping_sub(1))
            .and_then(|l| l.chars().position(|c| c == '\t'));
        column = tab.map_or(column, |t| t + 1);
    }
    YamlError::Syntax {
        path: path.to_path_buf(),
        line,
        column,
        message,
        excerpt: excerpt(text, line, column),
    }
}

/// The error under saphyr's wrappers (source snippet, alias locations).
fn innermost(mut e: &serde_saphyr::Error) -> &serde_saphyr::Error {
    while let serde_saphyr::Error::AliasError { error, .. }
    | serde_saphyr::Error::WithSnippet { error, .. } = e
    {
        e = error;
    }
    e
}

/// A file past one of the limits that guard against YAML bombs, in words.
fn past_the_budget(breach: &serde_saphyr::budget::BudgetBreach) -> String {
    use serde_saphyr::budget::BudgetBreach as B;
    let what = match breach {
        B::Nodes { .. } => format!("more than {MAX_NODES} values"),
        B::Events { .. } => format!("more than {} parser events", 4 * MAX_NODES),
        B::Depth { depth } => format!("nesting {depth} levels deep"),
        B::Aliases { aliases } => format!("{aliases} aliases (*name)"),
        B::Anchors { anchors } => format!("{anchors} anchors (&name)"),
        B::RecordedAnchorEvents { .. } | B::RecordedAnchorBytes { .. } => {
            "aliases that expand to too much".to_string()
        }
        other => format!("{other:?}"),
    };
    format!(
        "the file holds {what}, past the limit troupe sets against YAML bombs (expanding aliases without end): split the file or use fewer aliases"
    )
}

/// saphyr ends its messages with the position, which our prefix already gives.
fn without_position(message: &str, line: usize, column: usize) -> String {
    let suffix = format!(" at line {line}, column {column}");
    message.strip_suffix(&suffix).unwrap_or(message).to_string()
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod vault_tests;
