//! A play's `vars_files`, read per host (their names may use host variables); a list inside
//! the list means "the first of these that exists".

use std::{path::PathBuf, sync::Arc};

use super::play_context::PlayContext;
use crate::{output::Outcome, template::TemplateError, yaml, Map, Value};

/// Why a vars file could not be read for a host.
#[derive(Debug, thiserror::Error)]
enum VarsFileError {
    #[error("vars_files: {0}")]
    Name(TemplateError),
    #[error("{}: vars file must be a mapping", .0.display())]
    NotMapping(PathBuf),
    #[error("{0}")]
    Yaml(#[from] yaml::YamlError),
    #[error("vars file not found; looked for: {}", .0.join(", "))]
    NotFound(Vec<String>),
}

/// Reads the play's `vars_files` for each host of `batch`; a host whose files fail, fails.
pub fn load(play: &PlayContext, batch: &[String]) {
    if play.play().vars_files.is_empty() {
        return;
    }
    for host in batch {
        let mut merged = Map::new();
        for err in load_host(play, host, &mut merged) {
            play.record(host, &Outcome::failed(err.to_string()));
        }
        play.run()
            .vars()
            .update_host(host, |s| s.vars_files = Arc::new(merged));
    }
}

fn load_host(play: &PlayContext, host: &str, merged: &mut Map) -> Vec<VarsFileError> {
    let ctx = play.scope(host, play.top(), Map::new()).into_context();
    let mut errors = Vec::new();
    for entry in &play.play().vars_files {
        let candidates: Vec<Value> = match entry {
            Value::Array(a) => a.clone(),
            v => vec![v.clone()],
        };
        let mut loaded = false;
        let mut looked = Vec::new();
        for c in &candidates {
            let name = match play.run().templar().render_value(c, &ctx) {
                Ok(Value::String(s)) => s,
                Ok(other) => other.to_string(),
                Err(e) => {
                    errors.push(VarsFileError::Name(e));
                    continue;
                }
            };
            let path = play.play().dir.join(&name);
            looked.push(path.display().to_string());
            if path.exists() {
                match yaml::load_value(&path) {
                    Ok(Value::Object(m)) => merged.extend(m),
                    Ok(Value::Null) => {}
                    Ok(_) => errors.push(VarsFileError::NotMapping(path)),
                    Err(e) => errors.push(e.into()),
                }
                loaded = true;
                break;
            }
        }
        if !loaded {
            errors.push(VarsFileError::NotFound(looked));
        }
    }
    errors
}
