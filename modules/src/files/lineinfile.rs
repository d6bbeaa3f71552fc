//! `lineinfile`: ensure one line is in a file (or is not), with Ansible's matching rules.

use crate::helpers::args::Presence;
use crate::helpers::py_regex::PyRegex;
use serde::Deserialize;

use crate::{
    helpers::args::{Bool, Mode, Str},
    helpers::file_attrs::AttrSpec,
    helpers::py_regex,
    files::text_edit::{self, Editing, TextChange},
    Context, Module, ModuleError, Query, Report,
};

pub struct LineInFile;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
    #[serde(alias = "dest", alias = "destfile", alias = "name")]
    pub path: String,
    #[serde(default)]
    pub state: Presence,
    #[serde(alias = "regex")]
    pub regexp: Option<String>,
    pub search_string: Option<String>,
    #[serde(alias = "value")]
    pub line: Option<Str>,
    pub insertafter: Option<String>,
    pub insertbefore: Option<String>,
    #[serde(default)]
    pub backrefs: Bool,
    #[serde(default)]
    pub create: Bool,
    #[serde(default)]
    pub backup: Bool,
    #[serde(default)]
    pub firstmatch: Bool,
    pub validate: Option<String>,
    pub owner: Option<Str>,
    pub group: Option<Str>,
    pub mode: Option<Mode>,
    pub unsafe_writes: Option<Bool>,
}

impl Args {
    fn attrs(&self) -> AttrSpec {
        AttrSpec::new(
            self.owner.clone().map(|s| s.0),
            self.group.clone().map(|s| s.0),
            self.mode.clone(),
        )
    }

    fn check(&self) -> Result<(), ModuleError> {
        let both = |a: bool, b: bool, names: &str| {
            if a && b {
                Err(ModuleError::args(format!(
                    "parameters are mutually exclusive: {names}"
                )))
            } else {
                Ok(())
            }
        };
        both(
            self.insertbefore.is_some(),
            self.insertafter.is_some(),
            "insertbefore|insertafter",
        )?;
        both(
            self.regexp.is_some(),
            self.search_string.is_some(),
            "regexp|search_string",
        )?;
        both(
            self.backrefs.0,
            self.search_string.is_some(),
            "backrefs|search_string",
        )?;
        crate::helpers::file_write::check_validate(self.validate.as_deref())?;
        match self.state {
            Presence::Present if self.backrefs.0 && self.regexp.is_none() => {
                Err(ModuleError::args("regexp is required with backrefs=true"))
            }
            Presence::Present if self.line.is_none() => {
                Err(ModuleError::args("line is required with state=present"))
            }
            Presence::Absent
                if self.regexp.is_none() && self.search_string.is_none() && self.line.is_none() =>
            {
                Err(ModuleError::args(
                    "one of line, search_string, or regexp is required with state=absent",
                ))
            }
            _ => Ok(()),
        }
    }
}

/// How a line is recognised: by regexp, by substring, or as the exact line.
enum Matcher<'a> {
    Regexp(PyRegex),
    Substring(&'a str),
}

impl Matcher<'_> {
    /// Python searches lines with their newline; `$` there matches before it, so the
    /// crate searches the line without it.
    fn matches(&self, line: &str) -> bool {
        match self {
            Matcher::Regexp(re) => re.is_match(without_newline(line)),
            Matcher::Substring(s) => line.contains(s),
        }
    }
}

fn without_newline(line: &str) -> &str {
    line.strip_suffix('\n').unwrap_or(line)
}

/// Python's `line.rstrip('\r\n')`.
fn bare(line: &str) -> &str {
    line.trim_end_matches(['\r', '\n'])
}

fn split_lines(text: &str) -> Vec<String> {
    text.split_inclusive('\n').map(str::to_string).collect()
}

/// What `present` makes of the file's lines, and Ansible's message for it.
pub fn present(text: &str, args: &Args) -> Result<(String, &'static str), ModuleError> {
    let line = args.line.as_ref().map(|l| l.0.as_str()).unwrap_or_default();
    let mut lines = split_lines(text);
    let matcher = match (&args.regexp, &args.search_string) {
        (Some(re), _) => Some(Matcher::Regexp(py_regex::compile(re, false)?)),
        (None, Some(s)) => Some(Matcher::Substring(s)),
        _ => None,
    };
    // With neither given, Ansible inserts after EOF.
    let insertafter = match (&args.insertafter, &args.insertbefore) {
        (None, None) => Some("EOF"),
        (a, _) => a.as_deref(),
    };
    let insertbefore = args.insertbefore.as_deref();
    let insert_re = match (insertafter, insertbefore) {
        (Some(a), _) if a != "BOF" && a != "EOF" => Some(py_regex::compile(a, false)?),
        (None, Some(b)) if b != "BOF" => Some(py_regex::compile(b, false)?),
        _ => None,
    };
    let firstmatch = args.firstmatch.0;

    let mut found: Option<usize> = None;
    if let Some(m) = &matcher {
        for (i, cur) in lines.iter().enumerate() {
            if m.matches(cur) {
                found = Some(i);
                if firstmatch {
                    break;
                }
            }
        }
    }
    let matched = found.is_some();
    let mut insert_at: Option<usize> = None;
    if !matched {
        for (i, cur) in lines.iter().enumerate() {
            if bare(cur) == line {
                found = Some(i);
            } else if insert_re
                .as_ref()
                .is_some_and(|re| re.is_match(without_newline(cur)))
            {
                insert_at = Some(if insertafter.is_some() { i + 1 } else { i });
                if firstmatch {
                    break;
                }
            }
        }
    }

    let mut msg = "";
    if let Some(i) = found {
        let mut new_line = match (&matcher, args.backrefs.0 && matched) {
            (Some(Matcher::Regexp(re)), true) => {
                let template = py_regex::template(line)?;
                re.expand(without_newline(&lines[i]), &template)
                    .expect("the line matched")
            }
            _ => line.to_string(),
        };
        if !new_line.ends_with('\n') {
            new_line.push('\n');
        }
        if lines[i] != new_line {
            lines[i] = new_line;
            msg = "line replaced";
        }
    } else if args.backrefs.0 {
        // Without a match there is nothing to fill the backreferences with.
    } else if insertbefore == Some("BOF") || insertafter == Some("BOF") {
        lines.insert(0, format!("{line}\n"));
        msg = "line added";
    } else if insertafter == Some("EOF") || insert_at.is_none() {
        if lines.last().is_some_and(|l| !l.ends_with(['\n', '\r'])) {
            lines.push("\n".to_string());
        }
        lines.push(format!("{line}\n"));
        msg = "line added";
    } else if let (Some(_), Some(at)) = (insertafter, insert_at) {
        if at == lines.len() {
            if bare(&lines[at - 1]) != line {
                lines.push(format!("{line}\n"));
                msg = "line added";
            }
        } else if bare(&lines[at]) != line {
            lines.insert(at, format!("{line}\n"));
            msg = "line added";
        }
    } else if let Some(at) = insert_at {
        lines.insert(at, format!("{line}\n"));
        msg = "line added";
    }
    Ok((lines.concat(), msg))
}

/// What `absent` leaves of the file, and how many lines it removed.
pub fn absent(text: &str, args: &Args) -> Result<(String, usize), ModuleError> {
    let line = args.line.as_ref().map(|l| l.0.as_str());
    let matcher = match (&args.regexp, &args.search_string) {
        (Some(re), _) => Some(Matcher::Regexp(py_regex::compile(re, false)?)),
        (None, Some(s)) => Some(Matcher::Substring(s)),
        _ => None,
    };
    let lines = split_lines(text);
    let before = lines.len();
    let kept: Vec<String> = lines
        .into_iter()
        .filter(|cur| match &matcher {
            Some(m) => !m.matches(cur),
            None => Some(bare(cur)) != line,
        })
        .collect();
    let removed = before - kept.len();
    Ok((kept.concat(), removed))
}

impl Module for LineInFile {
    type Args = Args;
    type Change = TextChange;
    const NAME: &'static str = "lineinfile";

    fn query(&self, args: &Args, cx: &Context) -> Result<Query<TextChange>, ModuleError> {
        let mut query = self.edit(args, cx)?;
        // Ansible's warnings for a search that matches every line.
        if args.regexp.as_deref() == Some("") {
            query.report = query.report.warn("The regular expression is an empty string, which will match every line in the file. This may have unintended consequences, such as replacing the last line in the file rather than appending. If this is desired, use '^' to match every line in the file and avoid this warning.");
        }
        if args.search_string.as_deref() == Some("") {
            query.report = query.report.warn("The search string is an empty string, which will match every line in the file. This may have unintended consequences, such as replacing the last line in the file rather than appending.");
        }
        Ok(query)
    }

    fn apply(&self, _args: &Args, change: TextChange, cx: &Context) -> Result<Report, ModuleError> {
        text_edit::apply(&change, cx.target, "backup")
    }
}

impl LineInFile {
    /// What the file would become.
    fn edit(&self, args: &Args, cx: &Context) -> Result<Query<TextChange>, ModuleError> {
        args.check()?;
        let editing = Editing::load(cx.target, &args.path)?;
        let spec = args.attrs();
        let validate = args.validate.as_deref();
        match args.state {
            Presence::Absent => {
                if !editing.state.exists() {
                    return Ok(Query::unchanged(
                        Report::ok().with("msg", "file not present"),
                    ));
                }
                let (after, removed) = absent(&editing.text(), args)?;
                let msg = format!("{removed} line(s) removed");
                let mut q = text_edit::query(
                    &editing,
                    after.as_bytes(),
                    &spec,
                    args.backup.0,
                    validate,
                    &msg,
                )?;
                q.report = q.report.with("found", removed as u64);
                Ok(q)
            }
            Presence::Present => {
                if !editing.state.exists() && !args.create.0 {
                    return Err(ModuleError::failed(format!(
                        "Destination {} does not exist !",
                        args.path
                    )));
                }
                let (after, msg) = present(&editing.text(), args)?;
                if msg.is_empty() {
                    if !editing.state.exists() {
                        // backrefs without a match: Ansible leaves even a missing file alone.
                        return Ok(Query::unchanged(Report::ok().with("msg", "")));
                    }
                    // Content as asked: only attributes may differ.
                    let same = editing.content.clone().unwrap_or_default();
                    return text_edit::query(&editing, &same, &spec, false, None, "");
                }
                text_edit::query(
                    &editing,
                    after.as_bytes(),
                    &spec,
                    args.backup.0,
                    validate,
                    msg,
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::{testing::*, ModuleError};

    fn lif(content: &str, args: serde_json::Value) -> (bool, String) {
        let s = Scratch::new();
        let p = s.write("f", content);
        let (report, after) = edit_twice("lineinfile", &p, args);
        (report.changed, after.unwrap())
    }

    #[test]
    fn replaces_the_last_matching_line() {
        let (changed, after) = lif(
            "SELINUX=disabled\nSELINUXTYPE=targeted\nSELINUX=permissive\n",
            json!({"regexp": "^SELINUX=", "line": "SELINUX=enforcing"}),
        );
        assert!(changed);
        assert_eq!(
            after,
            "SELINUX=disabled\nSELINUXTYPE=targeted\nSELINUX=enforcing\n"
        );
    }

    #[test]
    fn firstmatch_replaces_the_first() {
        let (_, after) = lif(
            "a=1\na=2\n",
            json!({"regexp": "^a=", "line": "a=3", "firstmatch": true}),
        );
        assert_eq!(after, "a=3\na=2\n");
    }

    #[test]
    fn absent_removes_every_match() {
        let s = Scratch::new();
        let p = s.write("sudoers", "root ALL\n%wheel ALL\n%wheel NOPASSWD\n");
        let (report, after) = edit_twice(
            "lineinfile",
            &p,
            json!({"state": "absent", "regexp": "^%wheel"}),
        );
        assert_eq!(after.unwrap(), "root ALL\n");
        assert_eq!(field(&report, "found"), 2);
    }

    #[test]
    fn backrefs_expand_python_groups_and_keep_dollars() {
        let (_, after) = lif(
            "JAVA=-Xms512m -Xmx1g\n",
            json!({"regexp": r"^(.*)Xms(\d+)m(.*)$", "line": r"\1Xms${xms}m\3", "backrefs": "yes"}),
        );
        assert_eq!(after, "JAVA=-Xms${xms}m -Xmx1g\n");
    }

    #[test]
    fn backrefs_without_match_leave_the_file_alone() {
        let (changed, after) = lif(
            "a\n",
            json!({"regexp": "^nothing(.*)", "line": r"x\1", "backrefs": true}),
        );
        assert!(!changed);
        assert_eq!(after, "a\n");
    }

    #[test]
    fn insertafter_uses_the_last_match_unless_firstmatch() {
        let text = "#Listen 80\nfoo\n#Listen 81\nbar\n";
        let args = json!({"regexp": "^Listen ", "insertafter": "^#Listen ", "line": "Listen 8080"});
        assert_eq!(
            lif(text, args).1,
            "#Listen 80\nfoo\n#Listen 81\nListen 8080\nbar\n"
        );
        let args = json!({"regexp": "^Listen ", "insertafter": "^#Listen ", "line": "Listen 8080", "firstmatch": true});
        assert_eq!(
            lif(text, args).1,
            "#Listen 80\nListen 8080\nfoo\n#Listen 81\nbar\n"
        );
    }

    #[test]
    fn insertbefore_and_bof() {
        let text = "a\nwww 80/tcp\nb\n";
        let args = json!({"regexp": "^# port for http", "insertbefore": "^www.*80/tcp", "line": "# port for http by default"});
        assert_eq!(
            lif(text, args).1,
            "a\n# port for http by default\nwww 80/tcp\nb\n"
        );
        assert_eq!(
            lif(text, json!({"line": "top", "insertbefore": "BOF"})).1,
            "top\na\nwww 80/tcp\nb\n"
        );
    }

    #[test]
    fn regexp_match_wins_over_insertafter() {
        let text = "Listen 80\n#Listen 81\n";
        let args = json!({"regexp": "^Listen ", "insertafter": "^#Listen ", "line": "Listen 8080"});
        assert_eq!(lif(text, args).1, "Listen 8080\n#Listen 81\n");
    }

    #[test]
    fn appends_with_a_newline_when_the_file_lacks_one() {
        let (changed, after) = lif("a\nb", json!({"line": "192.168.1.99 foo.lab.net foo"}));
        assert!(changed);
        assert_eq!(after, "a\nb\n192.168.1.99 foo.lab.net foo\n");
        assert!(!lif("a\nx\n", json!({"line": "x"})).0);
    }

    #[test]
    fn search_string_matches_literally() {
        let text = "<FilesMatch \".php[45]?$\">\n  old\n";
        let args =
            json!({"search_string": "<FilesMatch \".php[45]?$\">", "line": "<FilesMatch \"x\">"});
        assert_eq!(lif(text, args).1, "<FilesMatch \"x\">\n  old\n");
    }

    #[test]
    fn create_makes_the_file_and_its_directory() {
        let s = Scratch::new();
        let p = s.path("sub/new.conf");
        let (report, after) = edit_twice(
            "lineinfile",
            &p,
            json!({"line": "x=1", "create": true, "mode": "0600"}),
        );
        assert!(report.changed);
        assert_eq!(after.unwrap(), "x=1\n");
        assert_eq!(mode_of(std::path::Path::new(&p)), 0o600);
    }

    #[test]
    fn missing_file_without_create_fails() {
        let s = Scratch::new();
        let e = error("lineinfile", json!({"path": s.path("nope"), "line": "x"}));
        assert!(matches!(e, ModuleError::Failed(m) if m.contains("does not exist")));
    }

    #[test]
    fn mode_alone_is_a_change_and_then_not() {
        let s = Scratch::new();
        let p = s.write("f", "x\n");
        let (report, _) = edit_twice("lineinfile", &p, json!({"line": "x", "mode": "0640"}));
        assert!(report.changed);
        assert_eq!(mode_of(std::path::Path::new(&p)), 0o640);
    }

    #[test]
    fn diff_and_backup() {
        let s = Scratch::new();
        let p = s.write("f", "a\n");
        let predicted = check("lineinfile", json!({"path": p, "line": "b"}));
        let diff = predicted.diff.unwrap();
        assert_eq!(
            (diff.before.as_str(), diff.after.as_str()),
            ("a\n", "a\nb\n")
        );
        let r = apply(
            "lineinfile",
            json!({"path": p, "line": "b", "backup": true}),
        );
        let backup = field(&r, "backup").as_str().unwrap().to_string();
        assert_eq!(std::fs::read_to_string(&backup).unwrap(), "a\n");
        assert!(backup.starts_with(&format!("{p}.")) && backup.ends_with('~'));
    }

    #[test]
    fn argument_errors() {
        let s = Scratch::new();
        let p = s.write("f", "a\n");
        for args in [
            json!({"line": "x"}),
            json!({"path": p}),
            json!({"path": p, "state": "absent"}),
            json!({"path": p, "line": "x", "backrefs": true}),
            json!({"path": p, "line": "x", "insertafter": "a", "insertbefore": "b"}),
            json!({"path": p, "line": "x", "bogus": 1}),
        ] {
            assert!(
                matches!(error("lineinfile", args.clone()), ModuleError::Args(_)),
                "{args}"
            );
        }
    }

    #[test]
    fn one_round_trip_when_nothing_changes() {
        let s = Scratch::new();
        let p = s.write("f", "a\n");
        assert_eq!(
            round_trips(
                "lineinfile",
                json!({"path": p, "line": "a", "mode": "0644"})
            ),
            1
        );
    }
}
