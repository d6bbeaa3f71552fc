//! `blockinfile`: keep a block of lines between two marker lines.

use crate::helpers::args::Presence;
use serde::Deserialize;

use crate::{
    helpers::args::{Bool, Mode, Str},
    helpers::file_attrs::AttrSpec,
    helpers::py_regex,
    files::text_edit::{self, Editing, TextChange},
    Context, Module, ModuleError, Query, Report,
};

pub struct BlockInFile;

fn default_marker() -> String {
    "# {mark} ANSIBLE MANAGED BLOCK".to_string()
}
fn default_begin() -> String {
    "BEGIN".to_string()
}
fn default_end() -> String {
    "END".to_string()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
    #[serde(alias = "dest", alias = "destfile", alias = "name")]
    pub path: String,
    #[serde(default)]
    pub state: Presence,
    #[serde(default = "default_marker")]
    pub marker: String,
    #[serde(default = "default_begin")]
    pub marker_begin: String,
    #[serde(default = "default_end")]
    pub marker_end: String,
    #[serde(default, alias = "content")]
    pub block: Str,
    pub insertafter: Option<String>,
    pub insertbefore: Option<String>,
    #[serde(default)]
    pub create: Bool,
    #[serde(default)]
    pub backup: Bool,
    #[serde(default)]
    pub prepend_newline: Bool,
    #[serde(default)]
    pub append_newline: Bool,
    pub validate: Option<String>,
    pub owner: Option<Str>,
    pub group: Option<Str>,
    pub mode: Option<Mode>,
    pub unsafe_writes: Option<Bool>,
}

/// The file's text with the block put in (or taken out), as Ansible computes it.
pub fn edit(text: &str, args: &Args) -> Result<String, ModuleError> {
    let present = args.state == Presence::Present;
    let mut lines: Vec<String> = text.split_inclusive('\n').map(str::to_string).collect();
    let insertafter = match (&args.insertafter, &args.insertbefore) {
        (None, None) => Some("EOF"),
        (a, _) => a.as_deref(),
    };
    let insertbefore = args.insertbefore.as_deref();
    let insert_pattern = match (insertafter, insertbefore) {
        (Some(a), _) if a != "EOF" => Some(a),
        (None, Some(b)) if b != "BOF" => Some(b),
        _ => None,
    };
    let marker0 = format!("{}\n", args.marker.replace("{mark}", &args.marker_begin));
    let marker1 = format!("{}\n", args.marker.replace("{mark}", &args.marker_end));
    let block = &args.block.0;
    let blocklines: Vec<String> = if present && !block.is_empty() {
        let mut body = block.clone();
        if !body.ends_with('\n') {
            body.push('\n');
        }
        std::iter::once(marker0.clone())
            .chain(body.split_inclusive('\n').map(str::to_string))
            .chain(std::iter::once(marker1.clone()))
            .collect()
    } else {
        Vec::new()
    };

    let mut n0 = None;
    let mut n1 = None;
    for (i, line) in lines.iter().enumerate() {
        if *line == marker0 {
            n0 = Some(i);
        }
        if *line == marker1 {
            n1 = Some(i);
        }
    }
    let mut at = match (n0, n1) {
        (Some(b), Some(e)) if b < e => {
            lines.drain(b..=e);
            b
        }
        (Some(b), Some(e)) => {
            lines.drain(e..=b);
            e
        }
        _ => match insert_pattern {
            Some(p) => {
                let multi_line = p.starts_with("(?m") || p.contains("(?m)");
                let re = py_regex::compile(p, false)?;
                let mut found = None;
                if multi_line {
                    if let Some(m) = re.find(text) {
                        let offset = if insertafter.is_some() {
                            m.end
                        } else {
                            m.start
                        };
                        found = Some(text[..offset].matches('\n').count());
                    }
                } else {
                    for (i, line) in lines.iter().enumerate() {
                        if re.is_match(line.strip_suffix('\n').unwrap_or(line)) {
                            found = Some(i);
                        }
                    }
                }
                match found {
                    None => lines.len(),
                    Some(i) if insertafter.is_some() => i + 1,
                    Some(i) => i,
                }
            }
            None if insertbefore.is_some() => 0,
            None => lines.len(),
        },
    };
    if at > 0 && !lines[at - 1].ends_with('\n') {
        lines[at - 1].push('\n');
    }
    if args.prepend_newline.0 && present && at != 0 && lines[at - 1] != "\n" {
        lines.insert(at, "\n".to_string());
        at += 1;
    }
    let after_block = at + blocklines.len();
    lines.splice(at..at, blocklines);
    if args.append_newline.0 && present && after_block < lines.len() && lines[after_block] != "\n" {
        lines.insert(after_block, "\n".to_string());
    }
    Ok(lines.concat())
}

impl Module for BlockInFile {
    type Args = Args;
    type Change = TextChange;
    const NAME: &'static str = "blockinfile";

    fn query(&self, args: &Args, cx: &Context) -> Result<Query<TextChange>, ModuleError> {
        if args.insertafter.is_some() && args.insertbefore.is_some() {
            return Err(ModuleError::args(
                "parameters are mutually exclusive: insertbefore|insertafter",
            ));
        }
        crate::helpers::file_write::check_validate(args.validate.as_deref())?;
        let editing = Editing::load(cx.target, &args.path)?;
        let exists = editing.state.exists();
        if !exists {
            if !args.create.0 {
                return Err(ModuleError::failed(format!(
                    "Path {} does not exist !",
                    args.path
                )));
            }
            if args.state == Presence::Absent {
                let msg = format!("File {} not present", args.path);
                return Ok(Query::unchanged(Report::ok().with("msg", msg)));
            }
        }
        let after = edit(&editing.text(), args)?;
        let msg = if !exists {
            "File created"
        } else if args.state == Presence::Absent || args.block.0.is_empty() {
            "Block removed"
        } else {
            "Block inserted"
        };
        let spec = AttrSpec::new(
            args.owner.clone().map(|s| s.0),
            args.group.clone().map(|s| s.0),
            args.mode.clone(),
        );
        text_edit::query(
            &editing,
            after.as_bytes(),
            &spec,
            args.backup.0,
            args.validate.as_deref(),
            msg,
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

    fn bif(content: &str, args: serde_json::Value) -> (crate::Report, String) {
        let s = Scratch::new();
        let p = s.write("f", content);
        let (report, after) = edit_twice("blockinfile", &p, args);
        (report, after.unwrap())
    }

    #[test]
    fn appends_then_updates_then_removes() {
        let (r, after) = bif(
            "Port 22\n",
            json!({"block": "Match User ansible-agent\nPasswordAuthentication no"}),
        );
        assert_eq!(field(&r, "msg"), "Block inserted");
        let block = "# BEGIN ANSIBLE MANAGED BLOCK\nMatch User ansible-agent\nPasswordAuthentication no\n# END ANSIBLE MANAGED BLOCK\n";
        assert_eq!(after, format!("Port 22\n{block}"));
        let (_, updated) = bif(
            &format!("Port 22\n{block}tail\n"),
            json!({"block": "X yes"}),
        );
        assert_eq!(
            updated,
            "Port 22\n# BEGIN ANSIBLE MANAGED BLOCK\nX yes\n# END ANSIBLE MANAGED BLOCK\ntail\n"
        );
        let (r, removed) = bif(
            &format!("Port 22\n{block}tail\n"),
            json!({"state": "absent"}),
        );
        assert_eq!(removed, "Port 22\ntail\n");
        assert_eq!(field(&r, "msg"), "Block removed");
    }

    #[test]
    fn custom_marker_after_a_line() {
        let html = "<html>\n<body>\n<p>x</p>\n</body>\n";
        let args = json!({
            "marker": "<!-- {mark} ANSIBLE MANAGED BLOCK -->",
            "insertafter": "<body>",
            "block": "<h1>Welcome</h1>",
        });
        let (_, after) = bif(html, args);
        assert_eq!(
            after,
            "<html>\n<body>\n<!-- BEGIN ANSIBLE MANAGED BLOCK -->\n<h1>Welcome</h1>\n<!-- END ANSIBLE MANAGED BLOCK -->\n<p>x</p>\n</body>\n"
        );
    }

    #[test]
    fn insertbefore_bof_and_newlines_around() {
        let (_, after) = bif(
            "a\n",
            json!({"block": "b", "insertbefore": "BOF", "marker": "#{mark}"}),
        );
        assert_eq!(after, "#BEGIN\nb\n#END\na\n");
        let (_, after) = bif(
            "a\nz\n",
            json!({"block": "b", "insertafter": "^a", "marker": "#{mark}", "prepend_newline": true, "append_newline": true}),
        );
        assert_eq!(after, "a\n\n#BEGIN\nb\n#END\n\nz\n");
    }

    #[test]
    fn create_and_missing() {
        let s = Scratch::new();
        let p = s.path("new");
        let (r, after) = edit_twice("blockinfile", &p, json!({"block": "x", "create": true}));
        assert_eq!(field(&r, "msg"), "File created");
        assert_eq!(
            after.unwrap(),
            "# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK\n"
        );
        let e = error("blockinfile", json!({"path": s.path("none"), "block": "x"}));
        assert!(matches!(e, ModuleError::Failed(_)));
        assert!(matches!(
            error("blockinfile", json!({"block": "x"})),
            ModuleError::Args(_)
        ));
    }
}
