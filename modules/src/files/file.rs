//! `file`: a path's type (file, directory, link, hard link, absent), attributes and times
//! (`preserve`/`now` only).

use crate::helpers::args::yes;
use serde::Deserialize;
use serde_json::json;

use crate::{
    helpers::args::{Bool, Mode, Str},
    helpers::file_attrs::{self, AttrChange, AttrSpec},
    helpers::path_info,
    files::file_times::{TimeChoice, Times},
    helpers::remote_file::{self, Kind, PathState, ProbeOptions},
    helpers::shell_text::{quote, quote_path},
    Context, Diff, Module, ModuleError, Query, Report,
};

pub struct File;

#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum State {
    File,
    Directory,
    Link,
    Hard,
    Absent,
    Touch,
}

impl State {
    fn name(self) -> &'static str {
        match self {
            State::File => "file",
            State::Directory => "directory",
            State::Link => "link",
            State::Hard => "hard",
            State::Absent => "absent",
            State::Touch => "touch",
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
    #[serde(alias = "dest", alias = "name", deserialize_with = "crate::args::text")]
    pub path: String,
    pub state: Option<State>,
    pub src: Option<String>,
    pub owner: Option<Str>,
    pub group: Option<Str>,
    pub mode: Option<Mode>,
    #[serde(default)]
    pub recurse: Bool,
    #[serde(default)]
    pub force: Bool,
    #[serde(default = "yes")]
    pub follow: Bool,
    pub unsafe_writes: Option<Bool>,
    pub modification_time: Option<String>,
    pub modification_time_format: Option<String>,
    pub access_time: Option<String>,
    pub access_time_format: Option<String>,
    /// Ansible's internal "does this file look binary?" question (its diff callback asks it).
    #[serde(rename = "_diff_peek")]
    pub diff_peek: Option<serde_json::Value>,
}

impl Args {
    /// `touch` sets both times unless told to preserve them; other states keep them.
    fn times(&self, state: State) -> Result<Times, ModuleError> {
        let default = match state {
            State::Touch => TimeChoice::Now,
            _ => TimeChoice::Preserve,
        };
        Ok(Times {
            modification: TimeChoice::parse(
                self.modification_time.as_deref(),
                self.modification_time_format.as_deref(),
                default,
            )?,
            access: TimeChoice::parse(
                self.access_time.as_deref(),
                self.access_time_format.as_deref(),
                default,
            )?,
        })
    }

    fn attrs(&self) -> AttrSpec {
        AttrSpec::new(
            self.owner.clone().map(|s| s.0),
            self.group.clone().map(|s| s.0),
            self.mode.clone(),
        )
    }
}

/// What `file` found to do: a script for the target.
pub struct Change {
    script: String,
}

fn fail(msg: String) -> ModuleError {
    ModuleError::failed(msg)
}

fn parent_of(path: &str) -> &str {
    match path.trim_end_matches('/').rfind('/') {
        Some(0) => "/",
        Some(i) => &path[..i],
        None => ".",
    }
}

/// A path after the change, for the report and the diff.
struct After<'a> {
    state: &'a str,
    attrs: AttrChange,
}

fn describe(path: &str, state: &str, s: Option<&PathState>, attrs: &AttrChange) -> String {
    let mut text = format!("path: {path}\nstate: {state}\n");
    let (before, after) = match s {
        Some(s) => file_attrs::diff_lines(s, attrs),
        None => (String::new(), String::new()),
    };
    text.push_str(if s.is_some() { &before } else { &after });
    text
}

/// Ansible's warnings for the owner and group of `spec` that the target cannot look up.
fn unknown_accounts(cx: &Context, spec: &AttrSpec) -> Result<Vec<String>, ModuleError> {
    let asked = [("passwd", "user", &spec.owner), ("group", "group", &spec.group)];
    let mut script = String::new();
    let mut names = Vec::new();
    for (db, what, name) in asked {
        if let Some(name) = name {
            script.push_str(&format!("getent {db} {} >/dev/null || echo {what}\n", quote(name)));
            names.push((what, name.as_str()));
        }
    }
    if script.is_empty() {
        return Ok(Vec::new());
    }
    let out = cx.target.run(&script, None)?;
    let missing = out.stdout_str();
    Ok(names
        .into_iter()
        .filter(|(what, _)| missing.lines().any(|l| l == *what))
        .map(|(what, name)| {
            let by_id = if name.parse::<u32>().is_ok() {
                if what == "user" { "uid " } else { "gid " }
            } else {
                ""
            };
            let with = if by_id.is_empty() { "" } else { "with " };
            format!("failed to look up {what} {with}{by_id}{name}. Create {what} up to this point in real play")
        })
        .collect())
}

/// Answers `_diff_peek`: whether the file's first 8 KiB hold a NUL byte. Changes nothing.
fn diff_peek(path: &str, cx: &Context) -> Result<Query<Change>, ModuleError> {
    let script = format!(
        "head -c 8192 -- {} 2>/dev/null | od -An -tx1 | grep -qw 00 && echo binary\n",
        quote_path(path)
    );
    let out = cx.target.run(&script, None)?;
    let binary = out.stdout_str().contains("binary");
    Ok(Query::unchanged(
        Report::ok()
            .with("path", path)
            .with("appears_binary", binary),
    ))
}

impl Module for File {
    type Args = Args;
    type Change = Change;
    const NAME: &'static str = "file";

    fn query(&self, args: &Args, cx: &Context) -> Result<Query<Change>, ModuleError> {
        let path = args.path.trim_end_matches('/');
        let path = if path.is_empty() { "/" } else { path };
        if args.diff_peek.is_some() {
            return diff_peek(path, cx);
        }
        let spec = args.attrs();
        let wants_src = matches!(args.state, Some(State::Link | State::Hard));
        let src = match (&args.src, wants_src) {
            (Some(s), true) => Some(s.as_str()),
            // `state: link`/`hard` without src may name an existing link (checked once probed).
            _ => None,
        };
        // The link's target as the target host resolves it: relative to the link's directory.
        let src_abs = src.map(|s| match (s.starts_with('/'), args.state) {
            (false, Some(State::Link)) => format!("{}/{s}", parent_of(path)),
            _ => s.to_string(),
        });
        let plain = ProbeOptions::default();
        let followed = ProbeOptions {
            follow: true,
            checksum: None,
        };
        let mut items = vec![(path, plain), (path, followed)];
        if let Some(s) = &src_abs {
            items.push((s.as_str(), followed));
        }
        let recurse = args.recurse.0 && !spec.is_empty();
        let mut script = remote_file::probe_script(&items);
        // Removing a directory lists what goes with it (the diff's `path_content`).
        // Recursing with follow (the default) goes through links, as Ansible's does.
        if recurse && args.follow.0 {
            script.push_str(&remote_file::tree_script_following(path, None));
        } else if recurse || args.state == Some(State::Absent) {
            script.push_str(&remote_file::tree_script(path, None));
        }
        let out = cx.target.inspect(&script)?;
        if !out.success() {
            return Err(fail(format!(
                "inspecting {path} failed: {}",
                out.stderr_str()
            )));
        }
        let stdout = out.stdout_str();
        let paths: Vec<&str> = items.iter().map(|(p, _)| *p).collect();
        let mut probed = remote_file::parse_probes(&paths, &out.stdout)?.into_iter();
        let prev = probed.next().expect("probed the path");
        let through = probed.next().expect("probed the path, following links");
        let src_state = probed.next();

        let state = match args.state {
            Some(s) => s,
            None if prev.exists() => match prev.kind {
                Kind::Directory => State::Directory,
                // Followed, a link stands for what it points to, as with Ansible.
                Kind::Link if args.follow.0 && through.kind == Kind::Directory => {
                    State::Directory
                }
                Kind::Link if args.follow.0 && through.exists() && through.kind != Kind::Link => {
                    State::File
                }
                Kind::Link => State::Link,
                _ if prev.nlink > 1 => State::Hard,
                _ => State::File,
            },
            None if args.recurse.0 => State::Directory,
            None => State::File,
        };
        if args.src.is_some() && !matches!(state, State::Link | State::Hard) {
            return Err(fail("src option requires state to be 'link' or 'hard'".into()));
        }
        if args.recurse.0 && state != State::Directory {
            return Err(fail("recurse option requires state to be 'directory'".into()));
        }
        // A link to follow stands for what it points to when asked for a file or directory.
        let effective = if args.follow.0 && prev.kind == Kind::Link && through.kind != Kind::Link {
            &through
        } else {
            &prev
        };
        // In check mode, an owner or group the target does not know yet is a warning (an
        // earlier task of the real run may create it), as with Ansible.
        let unknown_accounts = match (cx.check_mode, state) {
            (true, State::Absent) | (false, _) => Vec::new(),
            (true, _) => unknown_accounts(cx, &spec)?,
        };
        // A timestamp the path already has is no change.
        let (times, time_changes) = match (effective.exists(), state) {
            (true, State::Absent | State::Link) | (false, _) => (args.times(state)?, Vec::new()),
            (true, _) => args
                .times(state)?
                .settle(cx.target, effective.mtime, effective.atime)?,
        };
        let p = quote_path(path);
        let mut script = String::new();
        let mut report = Report::ok().with("path", path);
        for warning in unknown_accounts {
            report = report.warn(warning);
        }
        let mut after = After {
            state: state.name(),
            attrs: AttrChange::default(),
        };
        match state {
            State::Absent => {
                if prev.exists() {
                    script.push_str(&format!("rm -rf -- {p}\n"));
                }
            }
            State::Touch => {
                after.state = "file";
                if effective.exists() {
                    after.attrs = spec.change_for(effective)?;
                    script.push_str(&times.command(path));
                    script.push_str(&file_attrs::commands(path, &after.attrs, false));
                } else {
                    after.attrs = AttrChange {
                        owner: spec.owner.clone(),
                        group: spec.group.clone(),
                        mode: spec.resolve_mode(0o644, false)?,
                    };
                    // A new file whose times or attributes cannot be set is removed again,
                    // as Ansible does: the task fails and leaves nothing behind.
                    let mut settings = file_attrs::commands(path, &after.attrs, false);
                    if times.sets_a_moment() {
                        settings.insert_str(0, &times.command(path));
                    }
                    script.push_str(&format!("touch -- {p}\n"));
                    if !settings.is_empty() {
                        let all = settings.trim_end().lines().collect::<Vec<_>>().join(" && ");
                        script.push_str(&format!("if ! {{ {all}; }}; then rm -f -- {p}; exit 1; fi\n"));
                    }
                }
            }
            State::File => {
                match effective.kind {
                    Kind::Missing => {
                        // Failed with the path and its state, as Ansible's result has them.
                        let msg = format!("file ({path}) is absent, cannot continue");
                        return Ok(Query::unchanged(report.with("state", "absent").fail(msg)));
                    }
                    Kind::File | Kind::Other => {}
                    _ => {
                        let is = effective.state_name();
                        return Err(fail(format!("file ({path}) is {is}, cannot continue")));
                    }
                }
                after.state = effective.state_name();
                after.attrs = spec.change_for(effective)?;
                script.push_str(&file_attrs::commands(path, &after.attrs, false));
            }
            State::Directory => match effective.kind {
                Kind::Missing => {
                    script.push_str(&make_directories(path, &spec)?);
                    after.attrs = AttrChange {
                        owner: spec.owner.clone(),
                        group: spec.group.clone(),
                        mode: spec.resolve_mode(0o755, true)?,
                    };
                }
                Kind::Directory => {
                    after.attrs = spec.change_for(effective)?;
                    script.push_str(&file_attrs::commands(path, &after.attrs, false));
                    if recurse {
                        let tree = remote_file::parse_tree(path, &stdout);
                        let mut differs = false;
                        for entry in tree.entries.values().filter(|e| e.kind != Kind::Link) {
                            differs |= !spec.change_for(entry)?.is_empty();
                        }
                        if differs {
                            script.push_str(&recursive_commands(path, &spec, args.follow.0));
                        }
                    }
                }
                _ => {
                    let is = effective.state_name();
                    return Err(fail(format!("{path} already exists as a {is}")));
                }
            },
            State::Link => {
                let (Some(src), Some(src_state)) = (src, src_state.as_ref()) else {
                    // An existing link named without a src: nothing to make (a link's own
                    // mode cannot change on Linux).
                    if prev.kind == Kind::Link {
                        return Ok(Query::unchanged(path_info::with_state(
                            report.with("state", "link"),
                            &prev,
                        )));
                    }
                    return Err(ModuleError::args("src is required for creating a link"));
                };
                report = report.with("src", src);
                let same = prev.kind == Kind::Link && prev.link_target.as_deref() == Some(src);
                if !same {
                    if !src_state.exists() && !args.force.0 {
                        return Err(fail(format!(
                            "src file does not exist, use \"force=yes\" if you really want to create the link: {}",
                            src_abs.as_deref().unwrap_or(src)
                        )));
                    }
                    match prev.kind {
                        Kind::Missing | Kind::Link => {}
                        Kind::Directory if args.force.0 => {
                            script.push_str(&format!("rmdir -- {p} || exit 1\n"));
                        }
                        _ if args.force.0 => {}
                        _ => {
                            return Err(fail(format!(
                                "refusing to convert from {} to symlink for {path}",
                                prev.state_name()
                            )))
                        }
                    }
                    script.push_str(&format!("ln -sfn -- {} {p}\n", quote(src)));
                }
                // Followed (the default), the attributes are the target's, as Ansible sets
                // them on the link's real path; a link to nothing gets none, with a warning.
                let target_exists = src_state.exists() && src_state.kind != Kind::Link;
                if args.follow.0 && target_exists {
                    after.attrs = spec.change_for(src_state)?;
                    let target = src_abs.as_deref().unwrap_or(src);
                    script.push_str(&file_attrs::commands(target, &after.attrs, false));
                } else if args.follow.0 {
                    report = report.warn("Cannot set fs attributes on a non-existent symlink target. follow should be set to False to avoid this.");
                } else {
                    let linked = if same {
                        prev.clone()
                    } else {
                        PathState::missing(path)
                    };
                    let link_spec = AttrSpec::new(spec.owner.clone(), spec.group.clone(), None);
                    after.attrs = if same {
                        link_spec.change_for(&linked)?
                    } else {
                        AttrChange {
                            owner: spec.owner.clone(),
                            group: spec.group.clone(),
                            mode: None,
                        }
                    };
                    script.push_str(&file_attrs::commands(path, &after.attrs, true));
                }
            }
            State::Hard => match (src, src_state.as_ref()) {
                (Some(src), Some(src_state)) => {
                    report = report.with("src", src);
                    if !src_state.exists() {
                        let failed = report.with("dest", path).fail("src does not exist");
                        return Ok(Query::unchanged(failed));
                    }
                    let same = prev.kind != Kind::Missing
                        && prev.inode == src_state.inode
                        && prev.dev == src_state.dev;
                    if !same {
                        match prev.kind {
                            Kind::Missing => {}
                            Kind::Directory => {
                                return Err(fail(format!(
                                    "{path} is a directory, cannot hard link"
                                )))
                            }
                            Kind::File if prev.nlink <= 1 && !args.force.0 => {
                                return Err(fail(format!(
                                    "refusing to convert from file to hard link for {path}"
                                )))
                            }
                            _ => {}
                        }
                        script.push_str(&format!("ln -f -- {} {p}\n", quote_path(src)));
                    }
                    let target = if same { &prev } else { src_state };
                    after.attrs = spec.change_for(target)?;
                    script.push_str(&file_attrs::commands(path, &after.attrs, false));
                }
                // An existing hard link named without a src: its attributes only.
                _ if prev.kind == Kind::File && prev.nlink > 1 => {
                    after.attrs = spec.change_for(&prev)?;
                    script.push_str(&file_attrs::commands(path, &after.attrs, false));
                }
                _ => return Err(fail("src is required for creating new hardlinks".into())),
            },
        }
        if !matches!(state, State::Absent | State::Touch) {
            script.push_str(&times.command(path));
        }
        // A link given without a state is reported as the link it is, followed or not.
        if args.state.is_none() && prev.kind == Kind::Link {
            after.state = "link";
        }
        report = report.with("state", after.state);
        for (k, v) in [("owner", &spec.owner), ("group", &spec.group)] {
            if let Some(v) = v {
                report = report.with(k, v.clone());
            } else if effective.exists() {
                let known = if k == "owner" {
                    &effective.owner
                } else {
                    &effective.group
                };
                report = report.with(k, known.clone());
            }
        }
        let mode = after
            .attrs
            .mode
            .or(effective.exists().then_some(effective.mode));
        if let (Some(mode), false) = (mode, state == State::Absent) {
            report = report.with("mode", remote_file::result_mode(mode));
        }
        let before_state = if prev.exists() {
            prev.state_name()
        } else {
            "absent"
        };
        // With diff on, Ansible's file module returns what it changed as `diff`: the path,
        // and the state, the link target and the mode where they differ.
        let mut diff_before = serde_json::Map::from_iter([("path".to_string(), json!(path))]);
        let mut diff_after = diff_before.clone();
        if before_state != after.state {
            diff_before.insert("state".into(), json!(before_state));
            diff_after.insert("state".into(), json!(after.state));
            if state == State::Absent && prev.kind == Kind::Directory {
                let tree = remote_file::parse_tree(path, &stdout);
                let mut listed: Vec<_> = tree.entries.iter().collect();
                listed.sort_by(|a, b| a.0.cmp(b.0));
                let (dirs, files): (Vec<_>, Vec<_>) = listed
                    .into_iter()
                    .partition(|(_, e)| e.kind == Kind::Directory);
                let full = |v: Vec<(&String, &PathState)>| -> Vec<String> {
                    v.into_iter().map(|(rel, _)| format!("{path}/{rel}")).collect()
                };
                diff_before.insert(
                    "path_content".into(),
                    json!({"directories": full(dirs), "files": full(files)}),
                );
            }
        }
        if let (State::Link, Some(src)) = (state, src) {
            if prev.link_target.as_deref() != Some(src) {
                if let Some(old) = &prev.link_target {
                    diff_before.insert("src".into(), json!(old));
                }
                diff_after.insert("src".into(), json!(src));
            }
        }
        if let (Some(mode), true) = (after.attrs.mode, prev.exists()) {
            if mode != prev.mode {
                diff_before.insert("mode".into(), json!(prev.result_mode()));
                diff_after.insert("mode".into(), json!(remote_file::result_mode(mode)));
            }
        }
        for change in &time_changes {
            diff_before.insert(change.key.into(), json!(change.before));
            diff_after.insert(change.key.into(), json!(change.after));
        }
        // Returned whether or not diff is on, as ansible-core's development branch (the
        // one its integration tests are written for) does; 2.19.14 returns it only with diff
        // on. A key more is harmless to playbooks written for either.
        report = report.with("diff", json!({"before": diff_before, "after": diff_after}));
        if script.is_empty() {
            return Ok(Query::unchanged(path_info::with_state(report, &prev)));
        }
        let diff = Diff {
            before: describe(path, before_state, Some(effective), &after.attrs),
            after: describe(path, after.state, None, &after.attrs),
            before_header: path.to_string(),
            after_header: path.to_string(),
        };
        Ok(Query::change(Change { script })
            .with_report(report)
            .with_diff(Some(diff)))
    }

    fn apply(&self, _: &Args, change: Change, cx: &Context) -> Result<Report, ModuleError> {
        let out = cx.target.run(&format!("set -e\n{}", change.script), None)?;
        if !out.success() {
            return Err(fail(out.stderr_str().trim().to_string()));
        }
        Ok(Report::changed())
    }
}

/// Creates `path` and its missing parents, giving each directory created the attributes
/// asked for, as Ansible does.
fn make_directories(path: &str, spec: &AttrSpec) -> Result<String, ModuleError> {
    let mut script = String::new();
    let mut prefix = String::new();
    let change = AttrChange {
        owner: spec.owner.clone(),
        group: spec.group.clone(),
        mode: spec.resolve_mode(0o755, true)?,
    };
    for (i, part) in path.split('/').enumerate() {
        if i > 0 {
            prefix.push('/');
        }
        prefix.push_str(part);
        if part.is_empty() || part == "." {
            continue;
        }
        let q = quote_path(&prefix);
        script.push_str(&format!("if [ ! -d {q} ]; then\nmkdir -- {q}\n"));
        script.push_str(&file_attrs::commands(&prefix, &change, false));
        script.push_str("fi\n");
    }
    Ok(script)
}

/// Applies owner, group and mode to everything under `path` (symlinks left alone).
/// Commands setting `spec` on everything below `path`; following links, on what they point
/// to (a linked directory's content included), else links are left alone.
/// Links owned by another user are never followed: a user who can write below `path` could
/// otherwise point one at any file and have root change it. One such link below `path` and
/// none is followed.
fn recursive_commands(path: &str, spec: &AttrSpec, follow: bool) -> String {
    let p = quote_path(path);
    let l = if follow { "$troupe_l" } else { "" };
    let mut script = String::new();
    if follow {
        script.push_str(&format!(
            "troupe_l=-L\nif [ -n \"$({})\" ]; then troupe_l=; fi\n",
            remote_file::foreign_link_command(path)
        ));
    }
    let owner_group = match (&spec.owner, &spec.group) {
        (Some(o), Some(g)) => Some(format!("{o}:{g}")),
        (Some(o), None) => Some(o.clone()),
        (None, Some(g)) => Some(format!(":{g}")),
        (None, None) => None,
    };
    if let Some(og) = owner_group {
        script.push_str(&format!(
            "find {l} {p} -mindepth 1 ! -type l -exec chown {} {{}} +\n",
            quote(&og)
        ));
    }
    if let Some(mode) = &spec.mode {
        let m = match mode {
            Mode::Bits(b) => format!("{b:04o}"),
            Mode::Symbolic(s) => s.clone(),
        };
        script.push_str(&format!(
            "find {l} {p} -mindepth 1 ! -type l -exec chmod {} {{}} +\n",
            quote(&m)
        ));
    }
    script
}

#[cfg(test)]
mod tests {
    use std::{fs, os::unix::fs::MetadataExt, path::Path};

    use serde_json::json;

    use crate::{testing::*, ModuleError};

    fn twice(args: serde_json::Value) -> crate::Report {
        let predicted = check("file", args.clone());
        let first = apply("file", args.clone());
        assert_eq!(
            predicted.changed, first.changed,
            "check mode predicted {predicted:?}"
        );
        let second = apply("file", args);
        assert!(!second.changed, "second run changed: {second:?}");
        first
    }

    #[test]
    fn directory_with_parents_and_mode() {
        let s = Scratch::new();
        let d = s.path("a/b/c");
        let predicted = check("file", json!({"path": d, "state": "directory"}));
        assert!(predicted.changed && !Path::new(&d).exists());
        let r = twice(json!({"path": d, "state": "directory", "mode": "0750"}));
        assert!(r.changed);
        assert_eq!(mode_of(Path::new(&d)), 0o750);
        assert_eq!(
            mode_of(Path::new(&s.path("a/b"))),
            0o750,
            "created parents get the mode too"
        );
        assert_eq!(field(&r, "state"), "directory");
        let r = twice(json!({"path": d, "mode": "u=rwx,g=rx,o=rx"}));
        assert!(r.changed);
        assert_eq!(mode_of(Path::new(&d)), 0o755);
    }

    #[test]
    fn a_followed_link_takes_its_attributes_to_the_target() {
        let s = Scratch::new();
        let target = s.write("target", "x");
        fs::set_permissions(&target, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
        let link = s.path("link");
        let r = twice(json!({"src": target, "dest": link, "state": "link", "mode": "0700"}));
        assert!(r.changed);
        assert_eq!(mode_of(Path::new(&target)), 0o700);
        assert!(Path::new(&link).is_symlink());
        // Not followed, the target is left alone.
        twice(json!({"src": target, "dest": link, "state": "link", "mode": "0600", "follow": false}));
        assert_eq!(mode_of(Path::new(&target)), 0o700);
        // A link to nothing gets no attributes, and a warning says why.
        let r = apply(
            "file",
            json!({"src": s.path("none"), "dest": s.path("dangling"), "state": "link", "force": true}),
        );
        assert!(field(&r, "warnings").to_string().contains("non-existent symlink target"));
    }

    #[test]
    fn src_needs_a_link_state_and_a_list_path_reads_as_python_prints_it() {
        let s = Scratch::new();
        let f = s.write("f", "x");
        let e = error("file", json!({"src": f, "dest": s.path("l")}));
        assert!(matches!(e, ModuleError::Failed(m) if m == "src option requires state to be 'link' or 'hard'"));
        // Ansible passes str() of a mapping; such a path does not exist, so absent is ok.
        let r = twice(json!({"path": {"path": f}, "state": "absent"}));
        assert_eq!(field(&r, "path"), format!("{{'path': '{f}'}}").as_str());
        assert!(Path::new(&f).exists());
        let peek = apply("file", json!({"path": f, "_diff_peek": true}));
        assert!(!peek.changed);
        assert_eq!(field(&peek, "appears_binary"), false);
    }

    #[test]
    fn a_given_modification_time_is_set_once() {
        let s = Scratch::new();
        let f = s.write("f", "x");
        let args = json!({"path": f, "modification_time": "202202081414.00"});
        let r = twice(args);
        assert!(r.changed);
        let local = chrono::NaiveDate::from_ymd_opt(2022, 2, 8)
            .unwrap()
            .and_hms_opt(14, 14, 0)
            .unwrap()
            .and_local_timezone(chrono::Local)
            .unwrap();
        assert_eq!(fs::metadata(&f).unwrap().mtime(), local.timestamp());
        assert!(field(&r, "diff")["after"].get("mtime").is_some());
        let e = error("file", json!({"path": f, "access_time": "soon"}));
        assert!(matches!(e, ModuleError::Failed(m) if m.contains("does not match format")));
    }

    #[test]
    fn what_ansible_reports_beside_the_change() {
        let s = Scratch::new();
        let f = s.write("t/f", "x");
        s.write("t/sub/g", "y");
        // Removing a directory lists what goes with it.
        let r = check("file", json!({"path": s.path("t"), "state": "absent"}));
        let content = &field(&r, "diff")["before"]["path_content"];
        assert_eq!(content["directories"], json!([s.path("t/sub")]));
        assert_eq!(content["files"], json!([f, s.path("t/sub/g")]));
        // A mode with the sticky bit reads as Ansible's results print it.
        let r = apply("file", json!({"path": f, "mode": "o+t"}));
        assert_eq!(field(&r, "mode"), "01644");
        // In check mode, an owner the target does not know is a warning.
        let r = check("file", json!({"path": f, "owner": "no-such-user-here"}));
        assert!(field(&r, "warnings")[0]
            .as_str()
            .unwrap()
            .starts_with("failed to look up user no-such-user-here"));
        // An existing hard link named without src takes attributes only.
        fs::hard_link(&f, s.path("hard")).unwrap();
        let r = twice(json!({"path": s.path("hard"), "state": "hard", "mode": "0600"}));
        assert!(r.changed);
        assert_eq!(mode_of(Path::new(&f)), 0o600);
    }

    #[test]
    fn a_touched_file_whose_owner_cannot_be_set_is_not_left_behind() {
        let s = Scratch::new();
        let f = s.path("new");
        let e = error("file", json!({"path": f, "state": "touch", "owner": "no-such-user-here"}));
        assert!(matches!(e, ModuleError::Failed(_)), "{e:?}");
        assert!(!Path::new(&f).exists());
    }

    #[test]
    fn recursing_with_follow_reaches_link_targets() {
        use std::os::unix::fs::symlink;
        let s = Scratch::new();
        let outside = s.write("outside", "x");
        fs::set_permissions(&outside, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
        s.write("t/own", "y");
        symlink(&outside, s.path("t/link")).unwrap();
        symlink("nowhere", s.path("t/dangling")).unwrap();
        twice(json!({"path": s.path("t"), "recurse": true, "mode": "a-x", "follow": false}));
        assert_eq!(mode_of(Path::new(&outside)), 0o755);
        twice(json!({"path": s.path("t"), "recurse": true, "mode": "a-x"}));
        assert_eq!(mode_of(Path::new(&outside)), 0o644);
        // A link another user owns is never followed (nor, then, any other).
        let secret = s.write("secret", "s");
        fs::set_permissions(&secret, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
        symlink(&secret, s.path("t/planted")).unwrap();
        let chown = std::process::Command::new("chown")
            .args(["-h", "nobody", &s.path("t/planted")])
            .status()
            .unwrap();
        assert!(chown.success());
        apply("file", json!({"path": s.path("t"), "recurse": true, "mode": "a+rw"}));
        assert_eq!(mode_of(Path::new(&secret)), 0o600, "followed a link of another user");
        assert_eq!(mode_of(Path::new(&s.path("t/own"))) & 0o666, 0o666);
    }

    #[test]
    fn recurse_sets_modes_below() {
        let s = Scratch::new();
        s.write("t/x", "x");
        s.write("t/sub/y", "y");
        let r = twice(
            json!({"path": s.path("t"), "state": "directory", "recurse": true, "mode": "u=rwX,g=rX,o="}),
        );
        assert!(r.changed);
        assert_eq!(mode_of(Path::new(&s.path("t/x"))), 0o640);
        assert_eq!(mode_of(Path::new(&s.path("t/sub"))), 0o750);
    }

    #[test]
    fn file_state_needs_an_existing_file() {
        let s = Scratch::new();
        let r = apply("file", json!({"path": s.path("nope"), "state": "file"}));
        assert!(r.failed.is_some() && !r.changed);
        assert!(r.failed.as_deref().unwrap().contains("is absent, cannot continue"));
        assert_eq!(field(&r, "state"), "absent");
        let f = s.write("f", "x");
        let r = twice(json!({"path": f, "mode": "0600"}));
        assert!(r.changed);
        assert_eq!(field(&r, "state"), "file");
        assert_eq!(field(&r, "mode"), "0600");
        let e = error(
            "file",
            json!({"path": s.dir.path().to_str().unwrap(), "state": "file"}),
        );
        assert!(matches!(e, ModuleError::Failed(m) if m.contains("is directory")));
    }

    #[test]
    fn symlinks_are_made_repointed_and_guarded() {
        let s = Scratch::new();
        let a = s.write("a", "a");
        let b = s.write("b", "b");
        let link = s.path("l");
        twice(json!({"path": link, "src": a, "state": "link"}));
        assert_eq!(fs::read_link(&link).unwrap(), Path::new(&a));
        twice(json!({"path": link, "src": "b", "state": "link"}));
        assert_eq!(fs::read_to_string(&link).unwrap(), "b");
        let e = error("file", json!({"path": b, "src": a, "state": "link"}));
        assert!(matches!(e, ModuleError::Failed(m) if m.contains("refusing to convert")));
        let e = error(
            "file",
            json!({"path": s.path("l2"), "src": s.path("ghost"), "state": "link"}),
        );
        assert!(matches!(e, ModuleError::Failed(m) if m.contains("src file does not exist")));
        twice(
            json!({"path": s.path("l2"), "src": s.path("ghost"), "state": "link", "force": true}),
        );
        // Without src, state=link names an existing link (Ansible: its attributes only)...
        assert!(!twice(json!({"path": link, "state": "link"})).changed);
        // ...and cannot make one.
        assert!(matches!(
            error("file", json!({"path": s.path("l3"), "state": "link"})),
            ModuleError::Args(_)
        ));
    }

    #[test]
    fn hard_links_share_the_inode() {
        let s = Scratch::new();
        let a = s.write("a", "a");
        let h = s.path("h");
        twice(json!({"path": h, "src": a, "state": "hard"}));
        assert_eq!(
            fs::metadata(&h).unwrap().ino(),
            fs::metadata(&a).unwrap().ino()
        );
    }

    #[test]
    fn absent_removes_trees_and_touch_always_changes() {
        let s = Scratch::new();
        s.write("t/sub/x", "x");
        let r = twice(json!({"path": s.path("t"), "state": "absent"}));
        assert!(r.changed && !Path::new(&s.path("t")).exists());
        let diff = check(
            "file",
            json!({"path": s.dir.path().to_str().unwrap(), "state": "absent"}),
        )
        .diff
        .unwrap();
        assert!(diff.before.contains("state: directory") && diff.after.contains("state: absent"));
        let t = s.path("touched");
        assert!(apply("file", json!({"path": t, "state": "touch", "mode": "0640"})).changed);
        assert_eq!(mode_of(Path::new(&t)), 0o640);
        assert!(apply("file", json!({"path": t, "state": "touch"})).changed);
    }

    #[test]
    fn preserved_times_make_touch_idempotent_and_now_always_changes() {
        let s = Scratch::new();
        let t = s.path("kept");
        let keep = json!({"path": t, "state": "touch", "mode": "0600",
            "modification_time": "preserve", "access_time": "preserve"});
        let r = twice(keep);
        assert!(r.changed && Path::new(&t).exists());
        let old = filetime_of(&t);
        assert!(apply("file", json!({"path": t, "modification_time": "now"})).changed);
        assert!(filetime_of(&t) >= old);
        let e = error(
            "file",
            json!({"path": t, "state": "touch", "modification_time": "202401011200"}),
        );
        assert!(matches!(e, ModuleError::Failed(m) if m.contains("does not match format")));
    }

    fn filetime_of(path: &str) -> i64 {
        fs::metadata(path).unwrap().mtime()
    }

    #[test]
    fn one_round_trip_when_nothing_changes() {
        let s = Scratch::new();
        let d = s.path("d");
        apply(
            "file",
            json!({"path": d, "state": "directory", "mode": "0755"}),
        );
        assert_eq!(
            round_trips(
                "file",
                json!({"path": d, "state": "directory", "mode": "0755"})
            ),
            1
        );
        assert_eq!(
            round_trips(
                "file",
                json!({"path": d, "state": "directory", "mode": "0755", "recurse": true})
            ),
            1
        );
        assert!(matches!(
            error("file", json!({"state": "directory"})),
            ModuleError::Args(_)
        ));
    }
}
