//! Templating: minijinja made to behave like Ansible's Jinja2 (strict undefined, native types
//! for lone expressions, Python-style printing, Ansible's filters, tests and lookups).

mod backslashes;
mod cache;
mod convert;
mod environment;
mod error;
mod filters;
mod jinja_tests;
mod lookups;
mod native;
mod pycompat;
mod python_repr;
mod subelements;
mod templar;

pub use convert::{from_jinja, to_jinja};
pub use environment::FileSyntax;
pub use error::{Location, TemplateError};
pub(crate) use filters::merge_hash;
pub use filters::to_json_text;
pub use python_repr::{python_repr, python_str};
pub use subelements::subelements;
pub use templar::Templar;
