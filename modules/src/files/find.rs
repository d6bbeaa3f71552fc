//! `find`: files under directories that match name patterns, type, age and size.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::helpers::py_regex::PyRegex as Regex;
use serde::Deserialize;
use serde_json::Value;

use crate::{
    helpers::args::{Bool, Int, List},
    helpers::py_regex,
    helpers::remote_file::{Kind, PathState, STAT_FORMAT},
    helpers::shell_text::quote_path,
    files::stat::stat_value,
    Context, Module, ModuleError, Query, Report,
};

pub struct Find;

#[derive(Debug, Deserialize, Default, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum FileType {
    #[default]
    File,
    Directory,
    Link,
    Any,
}

#[derive(Debug, Deserialize, Default, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum AgeStamp {
    #[default]
    Mtime,
    Atime,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
    #[serde(alias = "name", alias = "path")]
    pub paths: List,
    #[serde(default, alias = "pattern")]
    pub patterns: List,
    #[serde(default, alias = "exclude")]
    pub excludes: List,
    #[serde(default)]
    pub file_type: FileType,
    #[serde(default)]
    pub recurse: Bool,
    #[serde(default)]
    pub hidden: Bool,
    #[serde(default)]
    pub follow: Bool,
    #[serde(default)]
    pub use_regex: Bool,
    pub age: Option<String>,
    #[serde(default)]
    pub age_stamp: AgeStamp,
    pub size: Option<String>,
    pub depth: Option<Int>,
    #[serde(default)]
    pub get_checksum: Bool,
    /// A Python regular expression a regular file's content must match: a line matched from
    /// its start, or anywhere in the whole file with `read_whole_file`.
    pub contains: Option<String>,
    #[serde(default)]
    pub read_whole_file: Bool,
    /// Only UTF-8 (the default) is read; a file that is not is skipped with a warning.
    pub encoding: Option<String>,
}

/// Whether `text` has what `contains` asks for, as Python's `re` would say.
fn content_matches(text: &str, whole: &Regex, line_start: &Regex, whole_file: bool) -> bool {
    // Python's `$` also matches before a final newline.
    let search = |re: &Regex, t: &str| {
        re.is_match(t) || t.strip_suffix('\n').is_some_and(|s| re.is_match(s))
    };
    if whole_file {
        search(whole, text)
    } else {
        text.split_inclusive('\n').any(|line| search(line_start, line))
    }
}

/// A shell glob (`*`, `?`, `[...]`) as an anchored regular expression, like `fnmatch`.
pub fn glob_regex(glob: &str) -> String {
    let mut re = String::from("^(?s:");
    let mut chars = glob.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '*' => re.push_str(".*"),
            '?' => re.push('.'),
            '[' => {
                let class: String = chars.by_ref().take_while(|c| *c != ']').collect();
                let class = class
                    .strip_prefix('!')
                    .map_or(class.clone(), |rest| format!("^{rest}"));
                re.push('[');
                re.push_str(&class.replace('\\', r"\\"));
                re.push(']');
            }
            c => re.push_str(&regex::escape(&c.to_string())),
        }
    }
    re.push_str(")$");
    re
}

fn name_matchers(patterns: &[String], use_regex: bool) -> Result<Vec<Regex>, ModuleError> {
    patterns
        .iter()
        .map(|p| {
            let anchored = if use_regex {
                format!("^(?:{p})$")
            } else {
                glob_regex(p)
            };
            py_regex::compile(&anchored, false)
        })
        .collect()
}

/// `"2d"`, `"-1w"`, `"30"` (seconds) as signed seconds.
fn parse_age(s: &str) -> Result<i64, ModuleError> {
    parse_scaled(
        s,
        &[
            ('s', 1),
            ('m', 60),
            ('h', 3600),
            ('d', 86400),
            ('w', 604800),
        ],
    )
    .ok_or_else(|| ModuleError::args(format!("find: bad age {s:?}")))
}

/// `"10m"`, `"-1k"`, `"512"` (bytes) as signed bytes.
fn parse_size(s: &str) -> Result<i64, ModuleError> {
    let units = [
        ('b', 1),
        ('k', 1 << 10),
        ('m', 1 << 20),
        ('g', 1 << 30),
        ('t', 1 << 40),
    ];
    parse_scaled(s, &units).ok_or_else(|| ModuleError::args(format!("find: bad size {s:?}")))
}

fn parse_scaled(s: &str, units: &[(char, i64)]) -> Option<i64> {
    let s = s.trim().to_ascii_lowercase();
    let (num, scale) = match s
        .chars()
        .last()
        .and_then(|c| units.iter().find(|(u, _)| *u == c))
    {
        Some((_, scale)) => (&s[..s.len() - 1], *scale),
        None => (s.as_str(), 1),
    };
    num.parse::<i64>().ok().map(|n| n * scale)
}

/// Positive limits mean "at least", negative "at most", as in Ansible.
fn within(value: i64, limit: i64) -> bool {
    if limit >= 0 {
        value >= limit
    } else {
        value <= -limit
    }
}

fn script(args: &Args) -> String {
    let mut script = String::new();
    for path in &args.paths.0 {
        let p = quote_path(path);
        let follow = if args.follow.0 { "-L " } else { "" };
        let depth = match (args.recurse.0, &args.depth) {
            (false, _) => " -maxdepth 1".to_string(),
            (true, Some(Int(d))) => format!(" -maxdepth {d}"),
            (true, None) => String::new(),
        };
        let stat = if args.follow.0 { "stat -L" } else { "stat" };
        script.push_str(&format!(
            "if [ -d {p} ]; then find {follow}{p} -mindepth 1{depth} -exec {stat} -c 'T {STAT_FORMAT} %n' {{}} +; else echo 'X '{p}; fi\n"
        ));
        if args.get_checksum.0 {
            script.push_str(&format!(
                "[ -d {p} ] && find {follow}{p} -mindepth 1{depth} -type f -exec sha1sum {{}} + | sed 's/^/H /'\n"
            ));
        }
    }
    script
}

impl Module for Find {
    type Args = Args;
    type Change = ();
    const NAME: &'static str = "find";

    fn query(&self, args: &Args, cx: &Context) -> Result<Query<()>, ModuleError> {
        let patterns = name_matchers(&args.patterns.0, args.use_regex.0)?;
        let excludes = name_matchers(&args.excludes.0, args.use_regex.0)?;
        let age = args.age.as_deref().map(parse_age).transpose()?;
        let size = args.size.as_deref().map(parse_size).transpose()?;
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        let out = cx.target.run(&script(args), None)?;
        let stdout = out.stdout_str();
        let mut sums = std::collections::HashMap::new();
        // Ansible's skipped_paths: each search path that could not be walked, and why.
        let mut skipped = serde_json::Map::new();
        let mut examined = 0u64;
        let mut found: Vec<PathState> = Vec::new();
        for line in stdout.lines() {
            if let Some(rest) = line.strip_prefix("H ") {
                if let Some((sum, path)) = rest.split_once("  ") {
                    sums.insert(path.to_string(), sum.to_string());
                }
            } else if let Some(missing) = line.strip_prefix("X ") {
                skipped.insert(
                    missing.to_string(),
                    Value::from(format!("'{missing}' is not a directory")),
                );
            } else if let Some(rest) = line.strip_prefix("T ") {
                let Some(state) = PathState::from_stat_line(rest, None) else {
                    continue;
                };
                examined += 1;
                let name = state.path.rsplit('/').next().unwrap_or_default();
                let type_ok = match args.file_type {
                    FileType::Any => true,
                    FileType::File => state.kind == Kind::File,
                    FileType::Directory => state.kind == Kind::Directory,
                    FileType::Link => state.kind == Kind::Link,
                };
                let name_ok = (patterns.is_empty() || patterns.iter().any(|p| p.is_match(name)))
                    && !excludes.iter().any(|p| p.is_match(name));
                let hidden_ok = args.hidden.0 || !name.starts_with('.');
                let stamp = match args.age_stamp {
                    AgeStamp::Mtime => state.mtime as i64,
                    AgeStamp::Atime => state.atime as i64,
                };
                let age_ok = age.is_none_or(|a| within(now - stamp, a));
                let size_ok =
                    size.is_none_or(|s| state.kind != Kind::File || within(state.size as i64, s));
                if type_ok && name_ok && hidden_ok && age_ok && size_ok {
                    found.push(state);
                }
            }
        }
        // As in Ansible, only `file_type: file` (the default) reads content.
        if let Some(pattern) = args.contains.as_ref().filter(|_| args.file_type == FileType::File) {
            if args.encoding.as_deref().is_some_and(|e| {
                !matches!(e.to_ascii_lowercase().replace('_', "-").as_str(), "utf-8" | "utf8")
            }) {
                return Err(ModuleError::args(format!(
                    "find: encoding {:?} is not supported; troupe reads files as UTF-8",
                    args.encoding.as_deref().unwrap_or_default()
                )));
            }
            let whole = py_regex::compile(pattern, false)?;
            let line_start = py_regex::compile(&format!(r"\A(?:{pattern})"), false)?;
            let mut kept = Vec::new();
            for state in found {
                let bytes = cx.target.read(&state.path)?.unwrap_or_default();
                match String::from_utf8(bytes) {
                    Ok(text) => {
                        if content_matches(&text, &whole, &line_start, args.read_whole_file.0) {
                            kept.push(state);
                        }
                    }
                    Err(_) => {
                        let root = args
                            .paths
                            .0
                            .iter()
                            .find(|p| state.path.starts_with(p.as_str()))
                            .cloned()
                            .unwrap_or_else(|| state.path.clone());
                        let encoding = args.encoding.as_deref().unwrap_or(
                            "None (default determined by the Python built-in function \"open\")",
                        );
                        skipped.insert(
                            root,
                            Value::from(format!(
                                "Failed to read the file {} due to an encoding error. current encoding: {encoding}",
                                state.path
                            )),
                        );
                    }
                }
            }
            found = kept;
        }
        found.sort_by(|a, b| a.path.cmp(&b.path));
        let files: Vec<Value> = found
            .iter_mut()
            .map(|s| {
                s.checksum = sums.get(&s.path).cloned();
                stat_value(s)
            })
            .collect();
        let msg = if skipped.is_empty() {
            "All paths examined"
        } else {
            "Not all paths examined, check warnings for details"
        };
        let mut report = Report::ok()
            .with("matched", files.len() as u64)
            .with("examined", examined)
            .with("files", files)
            .with("msg", msg);
        for (path, why) in &skipped {
            let why = why.as_str().unwrap_or_default();
            report = report.warn(format!("Skipped '{path}' path due to this access issue: {why}\n"));
        }
        Ok(Query::unchanged(report.with("skipped_paths", skipped)))
    }

    fn apply(&self, _: &Args, _: (), _: &Context) -> Result<Report, ModuleError> {
        Ok(Report::ok())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::glob_regex;
    use crate::testing::*;

    fn found(r: &crate::Report) -> Vec<String> {
        let files = field(r, "files").as_array().unwrap();
        files
            .iter()
            .map(|f| {
                f["path"]
                    .as_str()
                    .unwrap()
                    .rsplit('/')
                    .next()
                    .unwrap()
                    .to_string()
            })
            .collect()
    }

    #[test]
    fn globs_regexes_types_hidden_and_recursion() {
        let s = Scratch::new();
        s.write("logs/a.log", "1");
        s.write("logs/b.txt", "22");
        s.write("logs/.hidden.log", "3");
        s.write("logs/deep/c.log", "4444");
        let root = s.path("logs");
        let r = apply("find", json!({"paths": root, "patterns": "*.log"}));
        assert_eq!(found(&r), ["a.log"]);
        assert_eq!(field(&r, "matched"), 1);
        let r = apply(
            "find",
            json!({"paths": root, "patterns": "*.log", "recurse": true, "hidden": true}),
        );
        assert_eq!(found(&r), [".hidden.log", "a.log", "c.log"]);
        let r = apply(
            "find",
            json!({"paths": [root], "patterns": [r"^[ab]\..*$"], "use_regex": true}),
        );
        assert_eq!(found(&r), ["a.log", "b.txt"]);
        let r = apply("find", json!({"paths": root, "file_type": "directory"}));
        assert_eq!(found(&r), ["deep"]);
        let r = apply("find", json!({"paths": root, "size": "2", "recurse": true}));
        assert_eq!(found(&r), ["b.txt", "c.log"]);
        let r = apply("find", json!({"paths": root, "age": "-1d"}));
        assert_eq!(field(&r, "matched"), 2);
        let r = apply("find", json!({"paths": root, "age": "1d"}));
        assert_eq!(field(&r, "matched"), 0);
    }

    #[test]
    fn glob_translation() {
        let re = regex::Regex::new(&glob_regex("f?o[!x]*.conf")).unwrap();
        assert!(re.is_match("foob-1.conf"));
        assert!(!re.is_match("foox.conf"));
        assert!(!re.is_match("xfoob.conf"));
    }
}
