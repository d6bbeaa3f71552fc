//! The one minijinja environment, configured to behave like Ansible's Jinja2.

use std::borrow::Cow;
use std::path::Path;

use minijinja::syntax::SyntaxConfig;
use minijinja::{AutoEscape, Environment, Error, ErrorKind, UndefinedBehavior};

use super::{filters, jinja_tests, lookups, pycompat, python_repr};

/// Builds the environment: strict undefined, errors that name variables, no autoescape,
/// Ansible's whitespace defaults, Python-style printing and Ansible's filters, tests and lookups.
pub(crate) fn build() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_debug(true);
    env.set_auto_escape_callback(|_| AutoEscape::None);
    env.set_syntax(ansible_syntax());
    env.set_formatter(python_repr::formatter);
    env.set_loader(load_file);
    env.set_path_join_callback(join_relative);
    env.set_unknown_method_callback(pycompat::unknown_method);
    filters::register(&mut env);
    jinja_tests::register(&mut env);
    lookups::register(&mut env);
    env
}

/// trim_blocks on, lstrip_blocks off, keep_trailing_newline on: the template module's defaults.
fn ansible_syntax() -> SyntaxConfig {
    SyntaxConfig::builder()
        .trim_blocks(true)
        .lstrip_blocks(false)
        .keep_trailing_newline(true)
        .build()
        .expect("default delimiters are valid")
}

/// Template files are named by their absolute path; `{% include %}` and friends load the same way.
fn load_file(name: &str) -> Result<Option<String>, Error> {
    match std::fs::read_to_string(name) {
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
