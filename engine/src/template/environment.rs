//! The one minijinja environment, configured to behave like Ansible's Jinja2.

use std::borrow::Cow;
use std::path::Path;

use minijinja::syntax::SyntaxConfig;
use minijinja::{AutoEscape, Environment, Error, ErrorKind, UndefinedBehavior};

use super::{filters, jinja_tests, lookups, pycompat, python_repr};

/// The template module's syntax options: `trim_blocks`, `lstrip_blocks` and the delimiters
/// (`block_start_string`... `comment_end_string`; `None` is Jinja's own).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FileSyntax {
    pub trim_blocks: bool,
    pub lstrip_blocks: bool,
    pub block: [Option<String>; 2],
    pub variable: [Option<String>; 2],
    pub comment: [Option<String>; 2],
    /// `line_statement_prefix` / `line_comment_prefix` (a template's `#jinja2:` header).
    pub line_prefixes: [Option<String>; 2],
}

impl Default for FileSyntax {
    /// trim_blocks on, lstrip_blocks off, Jinja's delimiters: the template module's defaults,
    /// also used for strings.
    fn default() -> Self {
        FileSyntax {
            trim_blocks: true,
            lstrip_blocks: false,
            block: [None, None],
            variable: [None, None],
            comment: [None, None],
            line_prefixes: [None, None],
        }
    }
}

/// A template file's first line `#jinja2: key: value, ...`, as Ansible reads it.
pub const OVERRIDE_HEADER: &str = "#jinja2:";

impl FileSyntax {
    /// Applies a template's `#jinja2:` header (its first line) to these options. Values are
    /// Python literals (`True`, `'<<'`); a pair without `:` is Ansible's error.
    pub fn apply_header(&mut self, text: &str) -> Result<Vec<String>, String> {
        let Some(rest) = text.strip_prefix(OVERRIDE_HEADER) else {
            return Ok(Vec::new());
        };
        let line = rest.split('\n').next().unwrap_or("");
        let mut warnings = Vec::new();
        for pair in line.split(',') {
            let Some((key, value)) = pair.split_once(':') else {
                return Err(format!(
                    "failed to parse jinja2 override '{}'. Did you use something different from colon as key-value separator?",
                    pair.trim()
                ));
            };
            let value = value.trim();
            let text = value
                .strip_prefix(['"', '\''])
                .and_then(|v| v.strip_suffix(['"', '\'']))
                .unwrap_or(value)
                .to_string();
            let flag = match value {
                "True" | "true" => Some(true),
                "False" | "false" => Some(false),
                _ => None,
            };
            match (key.trim(), flag) {
                ("trim_blocks", Some(b)) => self.trim_blocks = b,
                ("lstrip_blocks", Some(b)) => self.lstrip_blocks = b,
                ("block_start_string", _) => self.block[0] = Some(text),
                ("block_end_string", _) => self.block[1] = Some(text),
                ("variable_start_string", _) => self.variable[0] = Some(text),
                ("variable_end_string", _) => self.variable[1] = Some(text),
                ("comment_start_string", _) => self.comment[0] = Some(text),
                ("comment_end_string", _) => self.comment[1] = Some(text),
                ("line_statement_prefix", _) => self.line_prefixes[0] = Some(text),
                ("line_comment_prefix", _) => self.line_prefixes[1] = Some(text),
                (other, _) => warnings.push(format!(
                    "Could not find Jinja2 environment setting to override: '{other}'"
                )),
            }
        }
        Ok(warnings)
    }
}

impl FileSyntax {
    /// Whether any delimiter differs from Jinja's.
    pub fn custom_delimiters(&self) -> bool {
        [
            &self.block,
            &self.variable,
            &self.comment,
            &self.line_prefixes,
        ]
        .iter()
        .any(|pair| pair.iter().any(Option::is_some))
    }
}

/// Builds the environment: strict undefined, errors that name variables, no autoescape,
/// the given syntax options, Python-style printing and Ansible's filters, tests and lookups.
/// Fails when the delimiters cannot be told apart.
pub(crate) fn build(options: &FileSyntax) -> Result<Environment<'static>, Error> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_debug(true);
    env.set_auto_escape_callback(|_| AutoEscape::None);
    env.set_syntax(syntax(options)?);
    env.set_formatter(python_repr::formatter);
    env.set_loader(load_file);
    env.set_path_join_callback(join_relative);
    env.set_unknown_method_callback(pycompat::unknown_method);
    filters::register(&mut env);
    jinja_tests::register(&mut env);
    lookups::register(&mut env);
    Ok(env)
}

/// Jinja drops the source's last newline; `Templar` then restores the source's trailing
/// newlines as Ansible does (see `keep_trailing_newlines`).
fn syntax(options: &FileSyntax) -> Result<SyntaxConfig, Error> {
    let pick = |pair: &[Option<String>; 2], start: &str, end: &str| {
        (
            pair[0].clone().unwrap_or_else(|| start.to_string()),
            pair[1].clone().unwrap_or_else(|| end.to_string()),
        )
    };
    let block = pick(&options.block, "{%", "%}");
    let variable = pick(&options.variable, "{{", "}}");
    let comment = pick(&options.comment, "{#", "#}");
    SyntaxConfig::builder()
        .trim_blocks(options.trim_blocks)
        .lstrip_blocks(options.lstrip_blocks)
        .keep_trailing_newline(false)
        .block_delimiters(block.0, block.1)
        .variable_delimiters(variable.0, variable.1)
        .comment_delimiters(comment.0, comment.1)
        .line_statement_prefix(options.line_prefixes[0].clone().unwrap_or_default())
        .line_comment_prefix(options.line_prefixes[1].clone().unwrap_or_default())
        .build()
}

/// Template files are named by their absolute path; `{% include %}` and friends load the same way.
/// A `#jinja2:` header line is not part of the template (the template action applied it).
fn load_file(name: &str) -> Result<Option<String>, Error> {
    match crate::vault::read_text(std::path::Path::new(name)) {
        Ok(text) if text.starts_with(OVERRIDE_HEADER) => Ok(Some(
            text.split_once('\n')
                .map_or(String::new(), |(_, rest)| rest.to_string()),
        )),
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
