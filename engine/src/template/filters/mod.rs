//! Ansible's filters, on top of minijinja's builtins (which already give `default`/`d`, `int`,
//! `float`, `lower`, `upper`, `map`, `select`, `selectattr`, `sort`, `unique`, `min`, `max`,
//! `sum`, `length`, `first`, `last`, `list`, `zip`, `replace`, `trim`, `split`, `indent`).

mod collections;
mod digests;
mod jinja_text;
mod math;
mod paths;
mod random;
mod regex;
mod serialization;
mod text;
mod time;

use minijinja::value::StringInput;
use minijinja::{Environment, Error, ErrorKind, State, Value};

pub(crate) use self::collections::merge_hash;
pub(crate) use self::regex::{compiled_regex, RegexFlags};
pub use self::serialization::to_json_text;

pub(crate) fn register(env: &mut Environment<'static>) {
    text::register(env);
    regex::register(env);
    collections::register(env);
    serialization::register(env);
    paths::register(env);
    digests::register(env);
    jinja_text::register(env);
    math::register(env);
    random::register(env);
    time::register(env);
}

/// Fails with the engine's own "'x' is undefined" error when `v` is undefined, for filters
/// that take any value but cannot work on a missing one.
pub(crate) fn require_defined(state: &State, v: &Value) -> Result<(), Error> {
    if v.is_undefined() {
        StringInput::new(state, v)?;
    }
    Ok(())
}

/// The text of a value as Python's `str()` gives it, for filters that work on text but, as in
/// Ansible, accept numbers and booleans too.
pub(crate) fn text_of(state: &State, v: &Value) -> Result<String, Error> {
    require_defined(state, v)?;
    Ok(crate::template::python_repr::jinja_str(v))
}

/// An error raised by a filter, test or lookup with a message of its own.
pub(crate) fn failure(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidOperation, message.into())
}
