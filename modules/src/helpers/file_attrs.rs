//! Owner, group and mode as a task asks for them: compared with what a path has, turned
//! into `chown`/`chmod` commands or into the [`FileAttrs`] of a file being written.

use crate::{
    helpers::args::Mode,
    helpers::remote_file::{Kind, PathState},
    helpers::shell_text::{quote, quote_path},
    FileAttrs, ModuleError,
};

/// The `owner`, `group` and `mode` arguments shared by file-writing modules.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AttrSpec {
    pub owner: Option<String>,
    pub group: Option<String>,
    pub mode: Option<Mode>,
}

/// Which attributes of one path differ from the spec, with the values wanted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AttrChange {
    pub owner: Option<String>,
    pub group: Option<String>,
    pub mode: Option<u32>,
}

impl AttrChange {
    pub fn is_empty(&self) -> bool {
        self.owner.is_none() && self.group.is_none() && self.mode.is_none()
    }
}

fn names_match(wanted: &str, name: &str, id: u32) -> bool {
    wanted == name || wanted.parse::<u32>().is_ok_and(|n| n == id)
}

impl AttrSpec {
    pub fn new(owner: Option<String>, group: Option<String>, mode: Option<Mode>) -> Self {
        AttrSpec { owner, group, mode }
    }

    pub fn is_empty(&self) -> bool {
        self.owner.is_none() && self.group.is_none() && self.mode.is_none()
    }

    /// The mode bits wanted for a path whose bits are `current`.
    pub fn resolve_mode(&self, current: u32, is_dir: bool) -> Result<Option<u32>, ModuleError> {
        self.mode
            .as_ref()
            .map(|m| m.resolve(current, is_dir))
            .transpose()
    }

    /// What must change on `state` (an existing path). Symlinks' own modes are not
    /// changeable on Linux, so only their owner and group are compared.
    pub fn change_for(&self, state: &PathState) -> Result<AttrChange, ModuleError> {
        let owner = self
            .owner
            .as_ref()
            .filter(|o| !names_match(o, &state.owner, state.uid));
        let group = self
            .group
            .as_ref()
            .filter(|g| !names_match(g, &state.group, state.gid));
        let mode = if state.kind == Kind::Link {
            None
        } else {
            self.resolve_mode(state.mode, state.kind == Kind::Directory)?
                .filter(|m| *m != state.mode)
        };
        Ok(AttrChange {
            owner: owner.cloned(),
            group: group.cloned(),
            mode,
        })
    }

    /// Attributes for a file written with [`crate::Target::put`]: the mode resolved against
    /// the file being replaced (or `0666 & ~022`-like defaults for a symbolic mode on a new file).
    pub fn for_put(&self, current: Option<&PathState>) -> Result<FileAttrs, ModuleError> {
        let base = current.filter(|s| s.exists()).map_or(0o644, |s| s.mode);
        Ok(FileAttrs {
            mode: self.resolve_mode(base, false)?,
            owner: self.owner.clone(),
            group: self.group.clone(),
        })
    }
}

/// Shell commands applying `change` to `path`; `no_follow` changes a symlink itself.
pub fn commands(path: &str, change: &AttrChange, no_follow: bool) -> String {
    let p = quote_path(path);
    let h = if no_follow { "-h " } else { "" };
    let mut script = String::new();
    match (&change.owner, &change.group) {
        (Some(o), Some(g)) => script.push_str(&format!("chown {h}{}:{} {p}\n", quote(o), quote(g))),
        (Some(o), None) => script.push_str(&format!("chown {h}{} {p}\n", quote(o))),
        (None, Some(g)) => script.push_str(&format!("chgrp {h}{} {p}\n", quote(g))),
        (None, None) => {}
    }
    if let Some(mode) = change.mode {
        script.push_str(&format!("chmod {mode:04o} {p}\n"));
    }
    script
}

/// How `state`'s attributes read in a diff, before and after `change`.
pub fn diff_lines(state: &PathState, change: &AttrChange) -> (String, String) {
    let mut before = String::new();
    let mut after = String::new();
    if let Some(o) = &change.owner {
        before.push_str(&format!("owner: {}\n", state.owner));
        after.push_str(&format!("owner: {o}\n"));
    }
    if let Some(g) = &change.group {
        before.push_str(&format!("group: {}\n", state.group));
        after.push_str(&format!("group: {g}\n"));
    }
    if let Some(m) = change.mode {
        before.push_str(&format!("mode: {}\n", state.mode_string()));
        after.push_str(&format!("mode: {m:04o}\n"));
    }
    (before, after)
}
