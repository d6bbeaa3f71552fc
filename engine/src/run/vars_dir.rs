//! `include_vars: dir=…`: which files of a directory tree load, in which order, as Ansible
//! picks them (sorted walk, `depth`, `files_matching`, `ignore_files`, `extensions`, and a
//! failure on a file of unknown extension unless `ignore_unknown_extensions`).

use std::path::{Path, PathBuf};

use troupe_modules::py_regex;

use crate::{Map, Value};

const DEFAULT_EXTENSIONS: [&str; 3] = ["yaml", "yml", "json"];

/// Why `include_vars: dir=…` cannot load.
#[derive(Debug, thiserror::Error)]
pub enum VarsDirError {
    #[error("{0}")]
    Pattern(String),
    #[error("{} does not have a valid extension: {}", path.display(), extensions.join(", "))]
    UnknownExtension {
        path: PathBuf,
        extensions: Vec<String>,
    },
}

/// The directory options of `include_vars`.
pub struct DirOptions {
    /// 0: unlimited; 1: the directory itself only.
    depth: usize,
    files_matching: Option<troupe_modules::py_regex::PyRegex>,
    ignore_files: Vec<troupe_modules::py_regex::PyRegex>,
    extensions: Vec<String>,
    ignore_unknown_extensions: bool,
}

impl DirOptions {
    pub fn from_args(args: &Map) -> Result<DirOptions, VarsDirError> {
        let words = |v: &Value| -> Vec<String> {
            match v {
                Value::Array(items) => items.iter().map(text).collect(),
                Value::String(s) => s.split_whitespace().map(str::to_owned).collect(),
                other => vec![text(other)],
            }
        };
        let regex =
            |p: &str| py_regex::compile(p, false).map_err(|e| VarsDirError::Pattern(e.to_string()));
        let ignore_files = args
            .get("ignore_files")
            .map(words)
            .unwrap_or_default()
            .iter()
            .map(|p| regex(&format!("(?:{p})$")))
            .collect::<Result<_, _>>()?;
        Ok(DirOptions {
            depth: args
                .get("depth")
                .and_then(|v| v.as_u64().or_else(|| v.as_str()?.parse().ok()))
                .unwrap_or(0) as usize,
            files_matching: args
                .get("files_matching")
                .map(|v| regex(&text(v)))
                .transpose()?,
            ignore_files,
            extensions: args
                .get("extensions")
                .map(words)
                .unwrap_or_else(|| DEFAULT_EXTENSIONS.iter().map(|e| e.to_string()).collect()),
            ignore_unknown_extensions: args
                .get("ignore_unknown_extensions")
                .and_then(troupe_modules::args::boolean)
                .unwrap_or(false),
        })
    }

    /// The files to load, in load order; an error names a file of unknown extension.
    pub fn files(&self, root: &Path) -> Result<Vec<PathBuf>, VarsDirError> {
        let mut dirs = Vec::new();
        walk(root, 1, self.depth, &mut dirs);
        dirs.sort_by(|a, b| a.0.as_os_str().cmp(b.0.as_os_str()));
        let mut out = Vec::new();
        for (_, mut files) in dirs {
            files.sort();
            for path in files {
                let name = path.file_name().unwrap_or_default().to_string_lossy();
                if self
                    .files_matching
                    .as_ref()
                    .is_some_and(|m| !m.is_match(&name))
                    || self.ignore_files.iter().any(|r| r.is_match(&name))
                {
                    continue;
                }
                if !self.known_extension(&path) {
                    if self.ignore_unknown_extensions {
                        continue;
                    }
                    return Err(VarsDirError::UnknownExtension {
                        path,
                        extensions: self.extensions.clone(),
                    });
                }
                out.push(path);
            }
        }
        Ok(out)
    }

    /// Whether the file's extension is one of `extensions`; `''` admits files without one.
    fn known_extension(&self, path: &Path) -> bool {
        let ext = path.extension().map(|e| e.to_string_lossy());
        let ext = ext.as_deref().unwrap_or("");
        self.extensions.iter().any(|x| x == ext)
    }
}

/// Every directory under `dir` down to `max_depth` (0: all), with its files.
fn walk(dir: &Path, depth: usize, max_depth: usize, out: &mut Vec<(PathBuf, Vec<PathBuf>)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut files = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if max_depth == 0 || depth < max_depth {
                walk(&path, depth + 1, max_depth, out);
            }
        } else {
            files.push(path);
        }
    }
    out.push((dir.to_path_buf(), files));
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn tree() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for f in [
            "b.yml",
            "a.yaml",
            "sub/c.json",
            "sub/deeper/d.yml",
            "notes.txt",
        ] {
            let p = dir.path().join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "x: 1\n").unwrap();
        }
        dir
    }

    fn names(root: &Path, files: &[PathBuf]) -> Vec<String> {
        files
            .iter()
            .map(|f| f.strip_prefix(root).unwrap().display().to_string())
            .collect()
    }

    fn options(args: serde_json::Value) -> DirOptions {
        let Value::Object(map) = args else { panic!() };
        DirOptions::from_args(&map).unwrap()
    }

    #[test]
    fn unknown_extensions_fail_unless_ignored() {
        let dir = tree();
        let err = options(json!({}))
            .files(dir.path())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("notes.txt does not have a valid extension"),
            "{err}"
        );
        let files = options(json!({"ignore_unknown_extensions": true}))
            .files(dir.path())
            .unwrap();
        assert_eq!(
            names(dir.path(), &files),
            ["a.yaml", "b.yml", "sub/c.json", "sub/deeper/d.yml"]
        );
    }

    #[test]
    fn depth_matching_and_ignoring_narrow_the_walk() {
        let dir = tree();
        let files = options(json!({"depth": 2, "ignore_files": ["notes.txt", "a.yaml"]}))
            .files(dir.path())
            .unwrap();
        assert_eq!(names(dir.path(), &files), ["b.yml", "sub/c.json"]);
        let files = options(json!({"files_matching": "^[bd]"}))
            .files(dir.path())
            .unwrap();
        assert_eq!(names(dir.path(), &files), ["b.yml", "sub/deeper/d.yml"]);
    }

    #[test]
    fn an_empty_extension_admits_files_without_one() {
        let dir = tree();
        std::fs::write(dir.path().join("noext"), "y: 2\n").unwrap();
        let files = options(json!({"extensions": ["", "yml"], "ignore_unknown_extensions": true}))
            .files(dir.path())
            .unwrap();
        assert_eq!(
            names(dir.path(), &files),
            ["b.yml", "noext", "sub/deeper/d.yml"]
        );
    }
}
