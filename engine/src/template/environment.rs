//! The one minijinja environment, configured to behave like Ansible's Jinja2.

use std::borrow::Cow;
use std::path::Path;

use minijinja::syntax::SyntaxConfig;
use minijinja::{AutoEscape, Environment, Error, ErrorKind, UndefinedBehavior};

use super::{filters, jinja_tests, lookups, pycompat, python_repr};

/// The template module's whitespace options (`trim_blocks`, `lstrip_blocks`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Whitespace {
    pub trim_blocks: bool,
    pub lstrip_blocks: bool,
}

impl Default for Whitespace {
    /// trim_blocks on, lstrip_blocks off: the template module's defaults, also used for strings.
    fn default() -> Self {
        Whitespace {
            trim_blocks: true,
            lstrip_blocks: false,
        }
    }
}

/// Builds the environment: strict undefined, errors that name variables, no autoescape,
/// the given whitespace options, Python-style printing and Ansible's filters, tests and lookups.
pub(crate) fn build(whitespace: Whitespace) -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_debug(true);
    env.set_auto_escape_callback(|_| AutoEscape::None);
    env.set_syntax(syntax(whitespace));
    env.set_formatter(python_repr::formatter);
    env.set_loader(load_file);
    env.set_path_join_callback(join_relative);
    env.set_unknown_method_callback(pycompat::unknown_method);
    filters::register(&mut env);
    jinja_tests::register(&mut env);
    lookups::register(&mut env);
    env
}

/// Jinja drops the source's last newline; `Templar` then restores the source's trailing
/// newlines as Ansible does (see `keep_trailing_newlines`).
fn syntax(whitespace: Whitespace) -> SyntaxConfig {
    SyntaxConfig::builder()
        .trim_blocks(whitespace.trim_blocks)
        .lstrip_blocks(whitespace.lstrip_blocks)
        .keep_trailing_newline(false)
        .build()
        .expect("default delimiters are valid")
}

/// Template files are named by their absolute path; `{% include %}` and friends load the same way.
fn load_file(name: &str) -> Result<Option<String>, Error> {
    match crate::vault::read_text(std::path::Path::new(name)) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::new(
            ErrorKind::InvalidOperation,
            format!("cannot read template {name}"),
        )
        .with_source(e)),
    }
}

/// `{% include 'part.j2' %}` inside `/roles/x/templates/main.j2` means `/roles/x/templates/part.j2`.
fn join_relative<'s>(name: &'s str, parent: &'s str) -> Cow<'s, str> {
    if Path::new(name).is_absolute() {
        return Cow::Borrowed(name);
    }
    match Path::new(parent).parent() {
        Some(dir) if Path::new(parent).is_absolute() => {
            Cow::Owned(dir.join(name).to_string_lossy().into_owned())
        }
        _ => Cow::Borrowed(name),
    }
}
