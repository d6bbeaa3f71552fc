//! `template`: render on the controller, then let the `copy` module put the result in place
//! (same owner/mode/backup/validate handling, same honest `changed`). The file renders in the
//! task's scope, loop variables included, plus `template_path` and the other template names.

use serde::Deserialize;
use troupe_modules::args::{Bool, Str};

use super::parse;
use crate::{
    output::Outcome,
    run::{file_lookup, step::Step, task_error::TaskError},
    template::FileSyntax,
    vars::template_vars,
    Map, Value,
};

#[derive(Deserialize)]
struct Args {
    src: Option<Str>,
    trim_blocks: Option<Bool>,
    lstrip_blocks: Option<Bool>,
    /// `\n` (default), `\r\n` or `\r`: the line breaks of the written file.
    newline_sequence: Option<Str>,
    /// The written file's encoding (default UTF-8); the template itself is read as UTF-8.
    output_encoding: Option<Str>,
    variable_start_string: Option<Str>,
    variable_end_string: Option<Str>,
    block_start_string: Option<Str>,
    block_end_string: Option<Str>,
    comment_start_string: Option<Str>,
    comment_end_string: Option<Str>,
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
    let text = |s: Option<Str>| s.map(|Str(s)| s);
    let defaults = FileSyntax::default();
    let mut syntax = FileSyntax {
        trim_blocks: args.trim_blocks.map_or(defaults.trim_blocks, |Bool(b)| b),
        lstrip_blocks: args
            .lstrip_blocks
            .map_or(defaults.lstrip_blocks, |Bool(b)| b),
        block: [text(args.block_start_string), text(args.block_end_string)],
        variable: [
            text(args.variable_start_string),
            text(args.variable_end_string),
        ],
        comment: [
            text(args.comment_start_string),
            text(args.comment_end_string),
        ],
        line_prefixes: [None, None],
    };
    // The template's own `#jinja2:` header overrides the options, as with Ansible.
    let head = crate::vault::read_text(&path).unwrap_or_default();
    let header_warnings = syntax
        .apply_header(&head)
        .map_err(|message| TaskError::Args {
            action: "template",
            message,
        })?;
    let newline = match text(args.newline_sequence).as_deref() {
        // As written in YAML's single quotes too: backslash and letter.
        None | Some("\n" | r"\n") => "\n",
        Some("\r\n" | r"\r\n") => "\r\n",
        Some("\r" | r"\r") => "\r",
        Some(other) => {
            return Err(TaskError::Args {
                action: "template",
                message: format!(
                    "newline_sequence must be one of \\n, \\r or \\r\\n, not {other:?}"
                ),
            })
        }
    };
    let dest = args.copy.get("dest").and_then(Value::as_str);
    let ctx = step.scope_with(template_vars(&path, step.host(), dest));
    let rendered = step
        .run()
        .templar()
        .render_file_with(&path, &ctx, &syntax)
        .map_err(|error| TaskError::TemplateFile {
            path: path.clone(),
            error,
        })?;
    let rendered = match newline {
        "\n" => rendered,
        other => rendered.replace('\n', other),
    };
    let mut copy_args = args.copy;
    // Another encoding than UTF-8 goes as a file of those bytes, kept private until sent.
    let encoded = match encode(text(args.output_encoding).as_deref(), &rendered)? {
        Some(bytes) => Some(
            crate::vault::PrivateDir::new()
                .and_then(|dir| {
                    let name = path
                        .file_name()
                        .and_then(|n| n.to_str())
                        .unwrap_or("rendered");
                    dir.write(name, &bytes).map(|file| (dir, file))
                })
                .map_err(|e| TaskError::Args {
                    action: "template",
                    message: format!("writing the rendered template: {e}"),
                })?,
        ),
        None => None,
    };
    match &encoded {
        Some((_, file)) => copy_args.insert("src".into(), Value::from(file.display().to_string())),
        None => copy_args.insert("content".into(), Value::from(rendered)),
    };
    // `mode: preserve` is the template's own mode, as Ansible reads it on the controller.
    if copy_args.get("mode").and_then(Value::as_str) == Some("preserve") {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).map_err(|e| TaskError::Args {
            action: "template",
            message: format!("{}: {e}", path.display()),
        })?;
        let mode = format!("0{:03o}", mode.permissions().mode() & 0o7777);
        copy_args.insert("mode".into(), Value::from(mode));
    }
    // A directory as dest gets the template's own name, as with Ansible.
    if let Some(name) = path.file_name() {
        copy_args.insert(
            "_original_basename".into(),
            Value::from(name.to_string_lossy().into_owned()),
        );
    }
    let Some(copy) = troupe_modules::lookup("copy") else {
        return Ok(Outcome::failed("the copy module is missing"));
    };
    let mut outcome = step.run_module_with(copy, copy_args);
    for warning in &header_warnings {
        outcome.warn(warning);
    }
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

/// `rendered` in `encoding` when that is not UTF-8 (`None` then); an unknown name or a
/// character the encoding lacks is refused.
fn encode(encoding: Option<&str>, rendered: &str) -> Result<Option<Vec<u8>>, TaskError> {
    let label = encoding.unwrap_or("");
    if crate::text_codec::is_utf8(label) {
        return Ok(None);
    }
    crate::text_codec::encode(rendered, Some(label))
        .map(Some)
        .map_err(|e| TaskError::Args {
            action: "template",
            message: e.to_string(),
        })
}
