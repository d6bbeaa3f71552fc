//! Why a task failed on a host before or around its action: the messages the task's result
//! carries. Each is written once here; [`TaskError::in_task`] adds which task and where.

use std::path::PathBuf;

use super::{loop_error::LoopError, vars_dir::VarsDirError};
use crate::{
    connection::InvalidVariableName, playbook::Action, playbook::Origin, playbook::Task,
    template::TemplateError, vars::nested_error,
};

#[derive(Debug, thiserror::Error)]
pub enum TaskError {
    /// A template or condition did not render. `nested` is what the lookup of a variable
    /// holding a template knew ("'b' is undefined (in variable 'a')").
    #[error("{}", with_nested(nested, template_message(error)))]
    Template {
        error: TemplateError,
        nested: Option<String>,
    },
    #[error("{0}")]
    Loop(#[from] LoopError),
    #[error("{0}")]
    Environment(#[from] InvalidVariableName),
    #[error("{0}")]
    Module(#[from] troupe_modules::ModuleError),
    #[error("{0}")]
    VarsDir(#[from] VarsDirError),
    /// An engine action's arguments do not fit it.
    #[error("{action}: {message}")]
    Args {
        action: &'static str,
        message: String,
    },
    #[error("includes nest deeper than {limit} levels (... -> {chain}): an include that includes itself needs a condition that ends it")]
    IncludeDepth { limit: usize, chain: String },
    #[error("{origin}: could not find included file '{name}'")]
    IncludeNotFound { origin: Origin, name: String },
    #[error("{0}")]
    IncludeRoleSpec(#[from] serde_json::Error),
    /// `retries` (a whole number) or `delay` that is no such number once templated.
    #[error("'{keyword}' must be a {}, not '{value}'", if *whole { "whole number" } else { "number of seconds" })]
    NotANumber {
        keyword: &'static str,
        whole: bool,
        value: String,
    },
    #[error("could not find {what} '{name}'; looked in: {}", paths(looked))]
    NotFound {
        what: &'static str,
        name: String,
        looked: Vec<PathBuf>,
    },
    /// Ansible's words; an empty name (a lookup that found nothing) is "file".
    #[error("{} on the Ansible Controller", if .0.is_empty() { "Could not find file".to_string() } else { format!("Could not find or access '{}'", .0) })]
    NoVarsFile(String),
    #[error("could not find directory '{0}'")]
    NoVarsDir(String),
    /// A block or include reached the action runner (a bug in the walker).
    #[error("not an action")]
    NotAnAction,
    /// A module troupe does not run (see [`crate::action_names`]).
    #[error(transparent)]
    Unrunnable(#[from] crate::action_names::Unrunnable),
    #[error("{}: {error}", path.display())]
    TemplateFile { path: PathBuf, error: TemplateError },
    /// Any of the above, said of the task it happened in.
    #[error("{message} (task '{name}' at {origin})")]
    InTask {
        message: String,
        name: String,
        origin: Origin,
    },
}

impl TaskError {
    /// A template error, with what the nested variable lookup knew about it.
    pub fn template(error: TemplateError) -> Self {
        TaskError::Template {
            error,
            nested: nested_error(),
        }
    }

    /// A template error as it is, without the nested lookup's note.
    pub fn plain_template(error: TemplateError) -> Self {
        TaskError::Template {
            error,
            nested: None,
        }
    }

    /// The error named after the task it happened in and where that task is written.
    pub fn in_task(self, task: &Task) -> TaskError {
        // A module's own failure reads as Ansible's `msg`, word for word (tests compare it);
        // the task header already names the task.
        if let TaskError::Module(_) = self {
            return self;
        }
        let name = match (&task.name, &task.action) {
            (Some(n), _) => n.clone(),
            (None, Action::Module { name, .. }) => name.clone(),
            (None, _) => "include".into(),
        };
        let message = with_nested(&nested_error(), self.to_string());
        TaskError::InTask {
            message,
            name,
            origin: task.origin.clone(),
        }
    }
}

impl From<TemplateError> for TaskError {
    fn from(error: TemplateError) -> Self {
        TaskError::template(error)
    }
}

/// A template's failure as Ansible words it: an undefined name is "an option with an undefined
/// variable" of the task.
/// Where the template was follows after a blank line, as in Ansible's message.
fn template_message(error: &TemplateError) -> String {
    match error {
        TemplateError::Undefined { message, location } => format!(
            "The task includes an option with an undefined variable. The error was: {message}\n\n{}",
            location.to_string().trim_start()
        ),
        _ => error.to_string(),
    }
}

/// Adds what the nested variable lookup knew about an undefined name.
fn with_nested(nested: &Option<String>, msg: String) -> String {
    match nested {
        Some(inner) if !msg.contains(inner.as_str()) => format!("{inner}; {msg}"),
        _ => msg,
    }
}

fn paths(looked: &[PathBuf]) -> String {
    looked
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}
