//! `vars_prompt`: each play's questions, asked on the terminal before the run starts (Ansible
//! asks when the play starts; asking first means a long run never stops halfway for an
//! answer). A name given with `-e` is not asked. Without a terminal, the default is the
//! answer, as in Ansible; a prompt without one is an error naming it.

use std::io::IsTerminal;

use crate::{
    playbook::{Playbook, Prompt},
    template::Templar,
    Map, Value,
};

use super::CliError;

/// Answers every play's prompts into its vars.
pub fn answer_all(playbooks: &mut [Playbook], extra_vars: &Map) -> Result<(), CliError> {
    let term = console::Term::stderr();
    let interactive = term.is_term() && std::io::stdin().is_terminal();
    for play in playbooks.iter_mut().flat_map(|p| p.plays.iter_mut()) {
        for prompt in play.vars_prompt.clone() {
            if extra_vars.contains_key(&prompt.name) {
                continue;
            }
            let answer = if interactive {
                ask(&term, &prompt)?
            } else {
                match &prompt.default {
                    Some(d) => value_text(d),
                    None => {
                        return Err(CliError::Usage(format!(
                            "vars_prompt '{}' needs an answer and there is no terminal to ask on: give it with -e {}=...",
                            prompt.name, prompt.name
                        )))
                    }
                }
            };
            let value = match &prompt.encrypt {
                Some(scheme) => Value::String(encrypt(&answer, scheme, prompt.salt.as_deref())?),
                None => Value::String(answer),
            };
            play.kw.vars.insert(prompt.name.clone(), value);
        }
    }
    Ok(())
}

fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn ask(term: &console::Term, prompt: &Prompt) -> Result<String, CliError> {
    let io = |e: std::io::Error| CliError::Usage(format!("vars_prompt '{}': {e}", prompt.name));
    let question = prompt.prompt.clone().unwrap_or_else(|| prompt.name.clone());
    let default = prompt.default.as_ref().map(value_text);
    let shown = match (&default, prompt.private) {
        (Some(d), false) => format!("{question} [{d}]: "),
        _ => format!("{question}: "),
    };
    let read = |label: &str| -> Result<String, CliError> {
        term.write_str(label).map_err(io)?;
        if prompt.private {
            term.read_secure_line().map_err(io)
        } else {
            term.read_line().map_err(io)
        }
    };
    loop {
        let mut answer = read(&shown)?;
        if answer.is_empty() {
            if let Some(d) = &default {
                answer = d.clone();
            }
        }
        if !prompt.confirm {
            return Ok(answer);
        }
        let again = read(&format!("confirm {question}: "))?;
        let again = if again.is_empty() {
            default.clone().unwrap_or_default()
        } else {
            again
        };
        if again == answer {
            return Ok(answer);
        }
        term.write_line("***** VALUES ENTERED DO NOT MATCH ****")
            .map_err(io)?;
    }
}

/// The answer hashed as `password_hash` would (the same filter renders it).
fn encrypt(answer: &str, scheme: &str, salt: Option<&str>) -> Result<String, CliError> {
    let templar = Templar::new();
    let ctx = crate::template::to_jinja(&serde_json::json!({
        "answer": answer, "scheme": scheme, "salt": salt,
    }));
    let text = "{{ answer | password_hash(scheme, salt) }}";
    let rendered = templar
        .render_str(text, &ctx)
        .map_err(|e| CliError::Usage(format!("vars_prompt encrypt: {e}")))?;
    Ok(value_text(&rendered))
}
