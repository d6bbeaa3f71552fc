//! Ansible's familiar output: PLAY, TASK, `ok/changed/failed/skipping: [host]`, PLAY RECAP;
//! coloured on a terminal, plain when piped; or one JSON object per event.

use std::{io::Write, sync::Mutex};

use console::{style, Style, Term};
use indexmap::IndexMap;
use serde_json::json;

use super::{HostStats, Outcome, Status, VERBOSE_ALWAYS};
use crate::{Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Human,
    /// One JSON object a line (`--output json`).
    Json,
}

/// Prints events; shared by all host threads (lines are never interleaved).
pub struct Printer {
    format: Format,
    verbosity: u8,
    color: bool,
    /// Whether stdout is a terminal: only then is a progress line drawn.
    live: bool,
    out: Mutex<Output>,
}

/// The sink and the transient progress line currently shown at its bottom, if any.
struct Output {
    sink: Box<dyn Write + Send>,
    progress: bool,
}

const WIDTH: usize = 80;

impl Printer {
    pub fn new(format: Format, verbosity: u8) -> Self {
        let term = Term::stdout();
        Printer {
            format,
            verbosity,
            color: term.features().colors_supported() && term.is_term(),
            live: term.is_term() && format == Format::Human,
            out: Mutex::new(Output {
                sink: Box::new(std::io::stdout()),
                progress: false,
            }),
        }
    }

    /// A printer writing to any sink (tests).
    pub fn to_writer(format: Format, verbosity: u8, out: Box<dyn Write + Send>) -> Self {
        Printer {
            format,
            verbosity,
            color: false,
            live: false,
            out: Mutex::new(Output {
                sink: out,
                progress: false,
            }),
        }
    }

    /// Whether progress notes are drawn (human output on a terminal).
    pub fn is_live(&self) -> bool {
        self.live
    }

    pub fn verbosity(&self) -> u8 {
        self.verbosity
    }

    /// Every line printed goes through here: values from Vault are masked.
    fn line(&self, text: &str) {
        let text = crate::vault::mask::mask(text);
        let mut out = self.out.lock().unwrap();
        if out.progress {
            let _ = write!(out.sink, "\r\x1b[2K");
            out.progress = false;
        }
        let _ = writeln!(out.sink, "{text}");
        let _ = out.flush_sink();
    }

    /// Shows (or replaces) a one-line note under the output on a terminal, e.g. which hosts
    /// a long task still waits for. The next printed line erases it.
    pub fn progress(&self, text: &str) {
        if !self.live {
            return;
        }
        let mut out = self.out.lock().unwrap();
        let _ = write!(out.sink, "\r\x1b[2K{}", style(text).dim());
        out.progress = true;
        let _ = out.flush_sink();
    }

    /// Erases the progress note, if one is shown.
    pub fn clear_progress(&self) {
        let mut out = self.out.lock().unwrap();
        if out.progress {
            let _ = write!(out.sink, "\r\x1b[2K");
            out.progress = false;
            let _ = out.flush_sink();
        }
    }

    fn paint(&self, text: &str, s: Style) -> String {
        if self.color {
            s.apply_to(text).to_string()
        } else {
            text.to_string()
        }
    }

    fn banner(&self, head: &str) -> String {
        let stars = WIDTH.saturating_sub(head.chars().count() + 1).max(3);
        format!("\n{head} {}", "*".repeat(stars))
    }

    fn json(&self, v: serde_json::Value) {
        self.line(&v.to_string());
    }

    /// At `-vv`, as ansible-playbook: the playbook's banner and how many plays it has.
    pub fn playbook(&self, path: &std::path::Path, plays: usize) {
        if self.verbosity < 2 || self.format != Format::Human {
            return;
        }
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        self.line(&self.paint(
            &self.banner(&format!("PLAYBOOK: {name}")),
            Style::new().bold(),
        ));
        self.line(&format!("{plays} plays in {}", path.display()));
    }

    pub fn play(&self, name: &str) {
        match self.format {
            Format::Human => {
                self.line(&self.paint(&self.banner(&format!("PLAY [{name}]")), Style::new().bold()))
            }
            Format::Json => self.json(json!({"event": "play", "name": name})),
        }
    }

    pub fn task(&self, name: &str, handler: bool) {
        let kind = if handler { "RUNNING HANDLER" } else { "TASK" };
        match self.format {
            Format::Human => self.line(&self.paint(
                &self.banner(&format!("{kind} [{name}]")),
                Style::new().bold(),
            )),
            Format::Json => self.json(json!({"event": "task", "name": name, "handler": handler})),
        }
    }

    /// At `-vv`, as ansible-playbook: what a `meta` task did (`META: noop`).
    pub fn meta(&self, msg: &str) {
        if self.verbosity >= 2 && self.format == Format::Human {
            self.line(&format!("META: {msg}"));
        }
    }

    pub fn warning(&self, msg: &str) {
        match self.format {
            Format::Human => {
                self.line(&self.paint(&format!("[WARNING]: {msg}"), Style::new().magenta()))
            }
            Format::Json => self.json(json!({"event": "warning", "msg": msg})),
        }
    }

    /// One host's (or one loop item's) result.
    pub fn result(&self, host: &str, outcome: &Outcome, is_debug: bool) {
        // A no_log item is shown by Ansible's placeholder, never by its value.
        let label = match &outcome.item_label {
            Some(_) if outcome.censored => Some(CENSORED_ITEM.to_string()),
            other => other.clone(),
        };
        let verbose_always = outcome.result.get(VERBOSE_ALWAYS) == Some(&Value::Bool(true));
        if self.format == Format::Json {
            let result = if outcome.censored {
                censored()
            } else {
                let mut r = outcome.result.clone();
                r.remove(VERBOSE_ALWAYS);
                r
            };
            self.json(
                json!({"event": "result", "host": host, "status": status_word(outcome),
                "item": label, "delegated_to": outcome.delegated_to,
                "ignored": outcome.ignored, "result": result}),
            );
            return;
        }
        if !outcome.censored {
            let warnings = outcome.result.get("warnings").and_then(Value::as_array);
            for w in warnings.into_iter().flatten().filter_map(Value::as_str) {
                self.warning(w);
            }
        }
        if let Some(diff) = &outcome.diff {
            self.line(diff.trim_end_matches('\n'));
        }
        let mut head = format!("{}: [{host}", status_word(outcome));
        if let Some(d) = &outcome.delegated_to {
            head.push_str(&format!(" -> {d}"));
        }
        head.push(']');
        if let Some(label) = &label {
            head.push_str(&format!(" => (item={label})"));
        }
        let colour = match outcome.status {
            Status::Ok => Style::new().green(),
            Status::Changed => Style::new().yellow(),
            Status::Skipped => Style::new().cyan(),
            Status::Failed if outcome.ignored => Style::new().red(),
            Status::Failed | Status::Unreachable => Style::new().red(),
        };
        let result = if outcome.censored {
            censored()
        } else {
            let mut r = outcome.result.clone();
            r.remove(VERBOSE_ALWAYS);
            r
        };
        let show_result = matches!(outcome.status, Status::Failed | Status::Unreachable)
            || is_debug
            || verbose_always
            || self.verbosity > 0;
        let text = if show_result {
            let shown = if is_debug && self.verbosity == 0 {
                debug_view(&result)
            } else {
                result
            };
            match outcome.status {
                Status::Unreachable => format!("{head}: UNREACHABLE! => {}", pretty(&shown)),
                Status::Failed => format!("{head}: FAILED! => {}", pretty(&shown)),
                _ => format!("{head} => {}", pretty(&shown)),
            }
        } else {
            head
        };
        self.line(&self.paint(&text, colour));
        if outcome.ignored {
            self.line(&self.paint("...ignoring", Style::new().cyan()));
        }
    }

    pub fn recap(&self, stats: &IndexMap<String, HostStats>) {
        if self.format == Format::Json {
            self.json(json!({"event": "recap", "hosts": stats}));
            return;
        }
        self.line(&self.paint(&self.banner("PLAY RECAP"), Style::new().bold()));
        for (host, s) in stats {
            let colour = if s.failed > 0 || s.unreachable > 0 {
                Style::new().red()
            } else if s.changed > 0 {
                Style::new().yellow()
            } else {
                Style::new().green()
            };
            let name = self.paint(&format!("{host:<26}"), colour);
            self.line(&format!(
                "{name} : ok={:<4} changed={:<4} unreachable={:<4} failed={:<4} skipped={:<4} rescued={:<4} ignored={:<4}",
                s.ok, s.changed, s.unreachable, s.failed, s.skipped, s.rescued, s.ignored
            ));
        }
        self.line("");
    }

    /// Plain listing output (`--list-hosts`, `--list-tasks`, `--list-tags`).
    pub fn listing(&self, text: &str) {
        self.line(text);
    }

    /// An error that stops the run, shown before exit.
    pub fn fatal(&self, msg: &str) {
        let text = format!("ERROR! {}", crate::vault::mask::mask(msg));
        if self.color {
            eprintln!("{}", style(text).red());
        } else {
            eprintln!("{text}");
        }
    }
}

impl Output {
    fn flush_sink(&mut self) -> std::io::Result<()> {
        self.sink.flush()
    }
}

fn status_word(o: &Outcome) -> &'static str {
    match o.status {
        Status::Ok => "ok",
        Status::Changed => "changed",
        Status::Skipped => "skipping",
        Status::Failed => "fatal",
        Status::Unreachable => "fatal",
    }
}

/// The label of a loop item under `no_log` (Ansible's words).
const CENSORED_ITEM: &str = "(censored due to no_log)";

fn censored() -> Map {
    let mut m = Map::new();
    m.insert(
        "censored".into(),
        Value::String("the output has been hidden due to the fact that 'no_log: true' was specified for this result".into()),
    );
    m
}

/// What `debug` shows without -v: the message or variable alone.
fn debug_view(result: &Map) -> Map {
    result
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "changed" | "failed" | "skipped"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// A result as Ansible's default output prints it: indented by four, keys sorted at every
/// level.
fn pretty(m: &Map) -> String {
    use serde::Serialize;
    let mut out = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(
        &mut out,
        serde_json::ser::PrettyFormatter::with_indent(b"    "),
    );
    let _ = sorted_object(m).serialize(&mut ser);
    String::from_utf8(out).unwrap_or_default()
}

fn sorted_object(m: &Map) -> Value {
    let mut keys: Vec<&String> = m.keys().collect();
    keys.sort();
    Value::Object(
        keys.into_iter()
            .map(|k| (k.clone(), sorted(&m[k])))
            .collect(),
    )
}

fn sorted(v: &Value) -> Value {
    match v {
        Value::Object(m) => sorted_object(m),
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}
