//! `template`: render on the controller, then let the `copy` module put the result in place
//! (same owner/mode/backup/validate handling, same honest `changed`). The file renders in the
//! task's scope, loop variables included, plus `template_path` and the other template names.

use serde::Deserialize;
use troupe_modules::args::{Bool, Str};

use super::parse;
use crate::{
    output::Outcome,
    run::{file_lookup, step::Step, task_error::TaskError},
    template::Whitespace,
    vars::template_vars,
    Map, Value,
};

#[derive(Deserialize)]
struct Args {
    src: Option<Str>,
    trim_blocks: Option<Bool>,
    lstrip_blocks: Option<Bool>,
    // Accepted as Ansible accepts them; troupe renders with the defaults.
    #[serde(rename = "newline_sequence")]
    _newline_sequence: Option<Value>,
    #[serde(rename = "output_encoding")]
    _output_encoding: Option<Value>,
    #[serde(rename = "variable_start_string")]
    _variable_start_string: Option<Value>,
    #[serde(rename = "variable_end_string")]
    _variable_end_string: Option<Value>,
    #[serde(rename = "block_start_string")]
    _block_start_string: Option<Value>,
    #[serde(rename = "block_end_string")]
    _block_end_string: Option<Value>,
    /// The rest goes to `copy`, which refuses what it does not know.
    #[serde(flatten)]
    copy: Map,
}

pub fn run(args: Map, step: &Step) -> Result<Outcome, TaskError> {
    let args: Args = parse("template", args)?;
    let Some(Str(src)) = args.src else {
        return Err(TaskError::Args {
            action: "template",
            message: "missing required argument 'src'".into(),
        });
    };
    let dir = &step.play().play().dir;
    let path = file_lookup::find("templates", &src, step.inh().role.as_deref(), dir).map_err(
        |looked| TaskError::NotFound {
            what: "template",
            name: src.clone(),
            looked,
        },
    )?;
    let mut whitespace = Whitespace::default();
    if let Some(Bool(b)) = args.trim_blocks {
        whitespace.trim_blocks = b;
    }
    if let Some(Bool(b)) = args.lstrip_blocks {
        whitespace.lstrip_blocks = b;
    }
    let ctx = step.scope_with(template_vars(&path, step.host()));
    let rendered = step
        .run()
        .templar()
        .render_file_with(&path, &ctx, whitespace)
        .map_err(|error| TaskError::TemplateFile {
            path: path.clone(),
            error,
        })?;
    let mut copy_args = args.copy;
    copy_args.insert("content".into(), Value::from(rendered));
    let Some(copy) = troupe_modules::lookup("copy") else {
        return Ok(Outcome::failed("the copy module is missing"));
    };
    let mut outcome = step.run_module_with(copy, copy_args);
    outcome.result.remove("content");
    // Ansible names the rendered file it uploaded; troupe uploads no file of its own, so
    // `src` is the template on the controller.
    if !outcome.result.contains_key("failed") {
        outcome
            .result
            .entry("src")
            .or_insert_with(|| Value::from(path.display().to_string()));
    }
    Ok(outcome)
}
