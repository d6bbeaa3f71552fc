//! Template failures, worded the way Ansible users know them ("'foo' is undefined"), with the
//! place in the template when the template is a file.

use std::fmt;
use std::path::PathBuf;

use minijinja::ErrorKind;

/// Where in a template an error happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The template file, or `None` for a string from a playbook.
    pub file: Option<PathBuf>,
    /// The template text (for a string) or the offending line (for a file).
    pub snippet: String,
    /// 1-based line number within the template, when known.
    pub line: Option<usize>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.file, self.line) {
            (Some(file), Some(line)) => {
                write!(
                    f,
                    "\n  --> {}:{line}\n{line:>5} | {}",
                    file.display(),
                    self.snippet
                )
            }
            (Some(file), None) => write!(f, "\n  --> {}", file.display()),
            (None, _) => write!(f, " (in template {:?})", self.snippet),
        }
    }
}

/// A template that could not be compiled, read or rendered.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    /// A variable, key or attribute the template uses does not exist.
    #[error("{message}{location}")]
    Undefined { message: String, location: Location },
    /// The template is not valid Jinja.
    #[error("template syntax error: {message}{location}")]
    Syntax { message: String, location: Location },
    /// Evaluation failed: a filter refused its input, a type did not fit, `mandatory` was unset…
    #[error("{message}{location}")]
    Render { message: String, location: Location },
    /// The template file could not be read.
    #[error("could not read template {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl TemplateError {
    /// Wraps a minijinja error raised while compiling or rendering `source`.
    pub(crate) fn from_jinja(err: &minijinja::Error, source: &str, file: Option<PathBuf>) -> Self {
        let line = err.line();
        let snippet = match (&file, line) {
            (Some(_), Some(n)) => source
                .lines()
                .nth(n.saturating_sub(1))
                .unwrap_or("")
                .trim_end()
                .to_owned(),
            _ => source.to_owned(),
        };
        let location = Location {
            file,
            snippet,
            line,
        };
        match err.kind() {
            ErrorKind::UndefinedError => Self::Undefined {
                message: undefined_message(err),
                location,
            },
            ErrorKind::SyntaxError | ErrorKind::BadEscape => Self::Syntax {
                message: describe(err),
                location,
            },
            _ => Self::Render {
                message: describe(err),
                location,
            },
        }
    }

    /// The error without its location, e.g. `'foo' is undefined`.
    pub fn message(&self) -> String {
        match self {
            Self::Undefined { message, .. }
            | Self::Syntax { message, .. }
            | Self::Render { message, .. } => message.clone(),
            Self::Read { source, .. } => source.to_string(),
        }
    }
}

/// minijinja (in debug mode) says "`user.name` is undefined"; Ansible says "'user.name' is undefined".
fn undefined_message(err: &minijinja::Error) -> String {
    match err.detail() {
        Some(detail) => detail.replace('`', "'"),
        None => "undefined value".to_owned(),
    }
}

/// The kind and detail of an error, followed by the causes a filter attached.
fn describe(err: &minijinja::Error) -> String {
    // The detail says it all ("filter nosuch is unknown"); the kind alone is the fallback.
    let mut message = err
        .detail()
        .map_or_else(|| err.kind().to_string(), str::to_owned);
    let mut cause = std::error::Error::source(err);
    while let Some(c) = cause {
        message.push_str(": ");
        message.push_str(&c.to_string());
        cause = c.source();
    }
    message.replace('`', "'")
}
