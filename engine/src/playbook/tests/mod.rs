//! Parser tests: small YAML trees written to a temporary directory, loaded as a user would.

mod errors;
mod imports;
mod plays;
mod roles;
mod tasks;

use std::path::{Path, PathBuf};

use super::*;
use crate::Value;

/// A temporary project directory.
struct Project(tempfile::TempDir);

impl Project {
    fn new() -> Self {
        Project(tempfile::tempdir().unwrap())
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.0.path().join(rel)
    }

    fn write(&self, rel: &str, text: &str) -> PathBuf {
        let path = self.path(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path
    }

    fn load(&self, rel: &str) -> Result<Playbook, ParseError> {
        load_playbook(&self.path(rel), &LoadOptions::default())
    }

    /// The only play of `site.yml` holding `text`.
    fn play(&self, text: &str) -> Play {
        self.write("site.yml", text);
        let mut book = self.load("site.yml").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(book.plays.len(), 1);
        book.plays.remove(0)
    }

    /// The error loading `site.yml` holding `text`.
    fn error(&self, text: &str) -> ParseError {
        self.write("site.yml", text);
        match self.load("site.yml") {
            Ok(_) => panic!("loaded without error:\n{text}"),
            Err(e) => e,
        }
    }
}

/// The tasks of a one-play playbook whose `tasks:` are `tasks` (indented by two).
fn tasks(tasks: &str) -> Vec<Task> {
    Project::new().play(&play_with_tasks(tasks)).tasks
}

fn play_with_tasks(tasks: &str) -> String {
    let indented: String = tasks.lines().map(|l| format!("    {l}\n")).collect();
    format!("- hosts: all\n  tasks:\n{indented}")
}

fn task(text: &str) -> Task {
    let mut all = tasks(text);
    assert_eq!(all.len(), 1);
    all.remove(0)
}

/// The module name and arguments of a module task.
fn module(task: &Task) -> (&str, Value) {
    match &task.action {
        Action::Module { name, args } => (name, Value::Object(args.clone())),
        other => panic!("not a module: {other:?}"),
    }
}

/// The tasks of a block.
fn block(task: &Task) -> &[Task] {
    match &task.action {
        Action::Block { block, .. } => block,
        other => panic!("not a block: {other:?}"),
    }
}

/// Module names in a list of tasks, blocks flattened, for checking order.
fn flat_names(tasks: &[Task]) -> Vec<String> {
    let mut out = Vec::new();
    for t in tasks {
        match &t.action {
            Action::Block {
                block,
                rescue,
                always,
            } => {
                out.extend(flat_names(block));
                out.extend(flat_names(rescue));
                out.extend(flat_names(always));
            }
            Action::Module { args, .. } => out.push(
                args.get("msg")
                    .and_then(Value::as_str)
                    .unwrap_or("?")
                    .to_string(),
            ),
            other => out.push(format!("{other:?}")),
        }
    }
    out
}

fn file_name(path: &Path) -> &str {
    path.file_name().unwrap().to_str().unwrap()
}
