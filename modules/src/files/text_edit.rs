//! The shared life of lineinfile, blockinfile and replace: read a text file (and its state)
//! in one round trip, compute new content, write it back with backup and attributes.

use crate::{
    helpers::file_attrs::{self, AttrChange, AttrSpec},
    helpers::file_write::{self, ContentWrite, Source},
    helpers::remote_file::{self, Kind, PathState},
    Diff, ModuleError, Target,
};

/// A file as read for editing.
pub struct Editing {
    pub path: String,
    pub state: PathState,
    /// `None` when the file does not exist.
    pub content: Option<Vec<u8>>,
}

impl Editing {
    /// Reads `path`, following symlinks; a directory is an error, as in Ansible.
    pub fn load(target: &dyn Target, path: &str) -> Result<Self, ModuleError> {
        let (state, content) = remote_file::probe_with_content(target, path, true)?;
        if state.kind == Kind::Directory {
            return Err(ModuleError::failed(format!("Path {path} is a directory !")));
        }
        if state.exists() && content.is_none() {
            return Err(ModuleError::failed(format!(
                "Path {path} is not a readable file"
            )));
        }
        Ok(Editing {
            path: path.to_string(),
            state,
            content,
        })
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(self.content.as_deref().unwrap_or_default()).into_owned()
    }

    /// Where writes go: the file itself, never the symlink in front of it.
    fn write_path(&self) -> String {
        self.state
            .link_source
            .clone()
            .unwrap_or_else(|| self.path.clone())
    }

    /// What to do so the file holds `after` with `spec`'s attributes; `None` when it does.
    pub fn plan(
        &self,
        after: &[u8],
        spec: &AttrSpec,
        backup: bool,
        validate: Option<&str>,
    ) -> Result<(Option<TextChange>, Option<Diff>), ModuleError> {
        let header = format!("{} (content)", self.path);
        if self.content.as_deref() != Some(after) {
            let write = ContentWrite {
                path: self.write_path(),
                source: Source::Bytes(after.to_vec()),
                attrs: spec.for_put(Some(&self.state))?,
                backup: backup && self.state.exists(),
                validate: validate.map(str::to_string),
                make_parent: !self.state.exists(),
            };
            let diff = file_write::content_diff(&header, self.content.as_deref(), after);
            return Ok((Some(TextChange::Write(write)), diff));
        }
        let attrs = spec.change_for(&self.state)?;
        if attrs.is_empty() {
            return Ok((None, None));
        }
        let (before, after) = file_attrs::diff_lines(&self.state, &attrs);
        let header = format!("{} (file attributes)", self.path);
        let diff = Diff {
            before,
            after,
            before_header: header.clone(),
            after_header: header,
        };
        Ok((
            Some(TextChange::Attrs(self.write_path(), attrs)),
            Some(diff),
        ))
    }
}

/// What an edit found to do.
pub enum TextChange {
    Write(ContentWrite),
    Attrs(String, AttrChange),
}

impl TextChange {
    /// Does it; returns the backup's name when one was made.
    pub fn apply(&self, target: &dyn Target) -> Result<Option<String>, ModuleError> {
        match self {
            TextChange::Write(w) => file_write::write(target, w),
            TextChange::Attrs(path, change) => {
                let out = target.run(&file_attrs::commands(path, change, false), None)?;
                if !out.success() {
                    return Err(ModuleError::failed(out.stderr_str().trim().to_string()));
                }
                Ok(None)
            }
        }
    }

    pub fn is_content(&self) -> bool {
        matches!(self, TextChange::Write(_))
    }
}

/// The query every text-editing module ends with: nothing to do, or a change with its
/// message (`msg` names the content change, as Ansible words it) and diff.
pub fn query(
    editing: &Editing,
    after: &[u8],
    spec: &AttrSpec,
    backup: bool,
    validate: Option<&str>,
    msg: &str,
) -> Result<crate::Query<TextChange>, ModuleError> {
    let (change, diff) = editing.plan(after, spec, backup, validate)?;
    let Some(change) = change else {
        return Ok(crate::Query::unchanged(crate::Report::ok().with("msg", "")));
    };
    let msg = if change.is_content() {
        msg
    } else {
        ATTRS_CHANGED
    };
    Ok(crate::Query::change(change)
        .with_report(crate::Report::ok().with("msg", msg))
        .with_diff(diff))
}

/// Ansible's message when only owner, group or mode changed.
pub const ATTRS_CHANGED: &str = "ownership, perms or SE linux context changed";

/// Applies a change found by [`query`]; `backup_key` is the return field naming the backup.
pub fn apply(
    change: &TextChange,
    target: &dyn Target,
    backup_key: &str,
) -> Result<crate::Report, ModuleError> {
    let backup = change.apply(target)?;
    let mut report = crate::Report::changed();
    if let Some(b) = backup {
        report = report.with(backup_key, b);
    }
    Ok(report)
}
