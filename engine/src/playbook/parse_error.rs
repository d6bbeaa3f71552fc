use std::{path::Path, sync::Arc};

use super::Origin;
use crate::yaml::{self, Entry, Node, YamlError};

/// Why a playbook, task file or role could not be loaded. Displayed as
/// `file:line:column: message`, then the offending source line with a caret.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    #[error(transparent)]
    Yaml(#[from] YamlError),
    #[error("{origin}: {message}{}", excerpt.as_ref().map(|e| format!("\n{e}")).unwrap_or_default())]
    At {
        origin: Origin,
        message: String,
        /// The source line at `origin` with a caret under the column.
        excerpt: Option<String>,
    },
    /// A role problem found where no position is known (a role loaded at run time).
    #[error("role '{name}' {message}")]
    Role { name: String, message: String },
}

impl ParseError {
    /// Where the error is, when known.
    pub fn origin(&self) -> Option<Origin> {
        match self {
            ParseError::At { origin, .. } => Some(origin.clone()),
            ParseError::Yaml(YamlError::Syntax {
                path, line, column, ..
            }) => Some(Origin::new(path, *line, *column)),
            ParseError::Yaml(YamlError::Read { path, .. }) => Some(Origin::new(path, 0, 0)),
            ParseError::Yaml(YamlError::Vault {
                path, line, column, ..
            }) => Some(Origin::new(path, *line, *column)),
            ParseError::Role { .. } => None,
        }
    }

    /// The message without its position.
    pub fn message(&self) -> String {
        match self {
            ParseError::At { message, .. } => message.clone(),
            ParseError::Yaml(YamlError::Syntax { message, .. }) => message.clone(),
            ParseError::Yaml(e @ (YamlError::Read { .. } | YamlError::Vault { .. })) => {
                e.to_string()
            }
            ParseError::Role { name, message } => format!("role '{name}' {message}"),
        }
    }
}

/// A YAML file being parsed: its path and text, to make origins and error excerpts.
pub(crate) struct Source {
    pub path: Arc<Path>,
    pub text: String,
}

impl Source {
    /// Reads and parses `path`, returning the source and its root node.
    pub fn load(path: &Path) -> Result<(Source, Node), ParseError> {
        let (node, text) = yaml::load_node(path)?;
        Ok((
            Source {
                path: Arc::from(path),
                text,
            },
            node,
        ))
    }

    pub fn origin(&self, line: usize, column: usize) -> Origin {
        Origin {
            file: self.path.clone(),
            line,
            column,
        }
    }

    pub fn error(&self, line: usize, column: usize, message: impl Into<String>) -> ParseError {
        ParseError::At {
            origin: self.origin(line, column),
            message: message.into(),
            excerpt: yaml::excerpt(&self.text, line, column),
        }
    }

    /// An error about a value.
    pub fn at(&self, node: &Node, message: impl Into<String>) -> ParseError {
        self.error(node.line, node.column, message)
    }

    /// An error about a mapping key.
    pub fn at_key(&self, entry: &Entry, message: impl Into<String>) -> ParseError {
        self.error(entry.key_line, entry.key_column, message)
    }
}
