//! `replace`: replace every match of a regular expression in a file (Python's `re.MULTILINE`).

use serde::Deserialize;

use crate::{
    helpers::args::{Bool, Mode, Str},
    helpers::file_attrs::AttrSpec,
    helpers::py_regex,
    files::text_edit::{self, Editing, TextChange},
    Context, Module, ModuleError, Query, Report,
};

pub struct Replace;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
    #[serde(alias = "dest", alias = "destfile", alias = "name")]
    pub path: String,
    pub regexp: String,
    #[serde(default)]
    pub replace: Str,
    pub after: Option<String>,
    pub before: Option<String>,
    #[serde(default)]
    pub backup: Bool,
    pub validate: Option<String>,
    pub encoding: Option<String>,
    pub owner: Option<Str>,
    pub group: Option<Str>,
    pub mode: Option<Mode>,
    pub unsafe_writes: Option<Bool>,
}

/// The outcome of replacing in a text: the new text and how many replacements were made,
/// or why nothing was searched.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Replaced(String, usize),
    NoSection(String),
}

/// Replaces in `text` the way Ansible does: only between `after` and `before` when given.
pub fn replace_in(text: &str, args: &Args) -> Result<Outcome, ModuleError> {
    let section_pattern = match (&args.after, &args.before) {
        (Some(a), Some(b)) => Some(format!("{a}(?P<subsection>.*?){b}")),
        (Some(a), None) => Some(format!("{a}(?P<subsection>.*)")),
        (None, Some(b)) => Some(format!("(?P<subsection>.*?){b}")),
        (None, None) => None,
    };
    let (start, end) = match &section_pattern {
        Some(p) => {
            let re = py_regex::compile(&format!("(?s){p}"), false)?;
            let Some(section) = re.group(text, "subsection") else {
                return Ok(Outcome::NoSection(format!(
                    "Pattern for before/after params did not match the given file: {p}"
                )));
            };
            (section.start, section.end)
        }
        None => (0, text.len()),
    };
    let re = py_regex::compile(&args.regexp, true)?;
    let template = py_regex::template(&args.replace.0)?;
    let section = &text[start..end];
    let count = re.count(section);
    let replaced = re.replace_all(section, &template)?;
    if count == 0 || replaced == section {
        return Ok(Outcome::Replaced(text.to_string(), 0));
    }
    Ok(Outcome::Replaced(
        format!("{}{replaced}{}", &text[..start], &text[end..]),
        count,
    ))
}

impl Module for Replace {
    type Args = Args;
    type Change = TextChange;
    const NAME: &'static str = "replace";

    fn query(&self, args: &Args, cx: &Context) -> Result<Query<TextChange>, ModuleError> {
        crate::helpers::file_write::check_validate(args.validate.as_deref())?;
        if let Some(enc) = &args.encoding {
            if !enc.eq_ignore_ascii_case("utf-8") && !enc.eq_ignore_ascii_case("utf8") {
                return Err(ModuleError::args(format!(
                    "replace: unsupported encoding {enc}"
                )));
            }
        }
        // As Python compiles the replacement before reading the file: Ansible's message.
        if let Err(e) = py_regex::template(&args.replace.0) {
            return Err(ModuleError::failed(format!(
                "Unable to process replace due to error: {e}"
            )));
        }
        let editing = Editing::load(cx.target, &args.path)?;
        if !editing.state.exists() {
            return Err(ModuleError::failed(format!(
                "Path {} does not exist !",
                args.path
            )));
        }
        let spec = AttrSpec::new(
            args.owner.clone().map(|s| s.0),
            args.group.clone().map(|s| s.0),
            args.mode.clone(),
        );
        let text = editing.text();
        let (after, msg) = match replace_in(&text, args)? {
            Outcome::NoSection(msg) => return Ok(Query::unchanged(Report::ok().with("msg", msg))),
            Outcome::Replaced(after, 0) => (after, String::new()),
            Outcome::Replaced(after, n) => (after, format!("{n} replacements made")),
        };
        let after = if msg.is_empty() {
            editing.content.clone().unwrap_or_default()
        } else {
            after.into_bytes()
        };
        text_edit::query(
            &editing,
            &after,
            &spec,
            args.backup.0,
            args.validate.as_deref(),
            &msg,
        )
    }

    fn apply(&self, _args: &Args, change: TextChange, cx: &Context) -> Result<Report, ModuleError> {
        text_edit::apply(&change, cx.target, "backup_file")
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::{testing::*, ModuleError};

    fn rep(content: &str, args: serde_json::Value) -> (crate::Report, String) {
        let s = Scratch::new();
        let p = s.write("f", content);
        let (report, after) = edit_twice("replace", &p, args);
        (report, after.unwrap())
    }

    #[test]
    fn replaces_every_match_with_python_groups() {
        let hosts = "127.0.0.1 localhost\n10.0.0.1   old.host.name   old\n10.0.0.2 old.host.name\n";
        let (report, after) = rep(
            hosts,
            json!({"regexp": r"(\s+)old\.host\.name(\s+.*)?$", "replace": r"\1new.host.name\2"}),
        );
        assert_eq!(
            after,
            "127.0.0.1 localhost\n10.0.0.1   new.host.name   old\n10.0.0.2 new.host.name\n"
        );
        assert_eq!(field(&report, "msg"), "2 replacements made");
    }

    #[test]
    fn only_after_only_before_and_between() {
        let conf = "NameVirtualHost *\n<VirtualHost *>\nServerName x\n</VirtualHost>\n# live site config\nkeep\n";
        let all = |extra: serde_json::Value| {
            // Ansible's examples use ^(.+)$, which comments again on every run.
            let mut args = json!({"regexp": "^([^#\\n].*)$", "replace": r"# \1"});
            args.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            rep(conf, args).1
        };
        assert_eq!(
            all(json!({"after": "<VirtualHost [*]>", "before": "</VirtualHost>"})),
            "NameVirtualHost *\n<VirtualHost *>\n# ServerName x\n</VirtualHost>\n# live site config\nkeep\n"
        );
        assert_eq!(
            all(json!({"before": "# live site config"})),
            "# NameVirtualHost *\n# <VirtualHost *>\n# ServerName x\n# </VirtualHost>\n# live site config\nkeep\n"
        );
        assert_eq!(
            all(json!({"after": "NameVirtualHost [*]"})),
            "NameVirtualHost *\n# <VirtualHost *>\n# ServerName x\n# </VirtualHost>\n# live site config\n# keep\n"
        );
    }

    #[test]
    fn no_match_is_no_change() {
        let (report, after) = rep("a\n", json!({"regexp": "^zzz", "replace": "y"}));
        assert!(!report.changed);
        assert_eq!(after, "a\n");
        let (report, _) = rep(
            "a\n",
            json!({"regexp": "a", "replace": "b", "after": "nowhere"}),
        );
        assert!(!report.changed);
    }

    #[test]
    fn listen_example_and_diff() {
        let s = Scratch::new();
        let p = s.write("ports", "Listen 80\nNameVirtualHost 80 \nend\n");
        let args = json!({"path": p, "regexp": r"^(NameVirtualHost|Listen)\s+80\s*$", "replace": r"\1 127.0.0.1:8080"});
        let diff = check("replace", args.clone()).diff.unwrap();
        assert_eq!(
            diff.after,
            "Listen 127.0.0.1:8080\nNameVirtualHost 127.0.0.1:8080\nend\n"
        );
        assert!(apply("replace", args).changed);
    }

    #[test]
    fn errors() {
        let s = Scratch::new();
        assert!(matches!(
            error("replace", json!({"path": s.path("x")})),
            ModuleError::Args(_)
        ));
        let e = error("replace", json!({"path": s.path("x"), "regexp": "a"}));
        assert!(matches!(e, ModuleError::Failed(m) if m.contains("does not exist")));
    }
}
