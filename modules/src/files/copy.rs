//! `copy`: a file (from the controller, the target, or inline `content`) or a directory
//! tree, put at `dest` with owner, group and mode. Content is only sent when its checksum
//! differs from what is there.

use sha1::{Digest, Sha1};
use crate::helpers::args::yes;
use std::{
    fs,
    io::Read,
    os::unix::fs::{MetadataExt, PermissionsExt},
    path::{Path, PathBuf},
};

use serde::Deserialize;

use crate::{
    helpers::args::{Bool, Mode, Str},
    helpers::file_attrs::{self, AttrChange, AttrSpec},
    helpers::file_write::{self, ContentWrite, Source},
    helpers::path_info,
    helpers::remote_file::{self, Checksum, Kind, PathState, ProbeOptions, Tree},
    helpers::replace_file::{self, Fill, Replace},
    helpers::shell_text::{quote, quote_path},
    Context, Diff, FileAttrs, Module, ModuleError, Query, Report,
};

pub struct Copy;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
    pub src: Option<String>,
    pub content: Option<Str>,
    /// Required; missing, it is Ansible's "dest is required" (from `query`).
    #[serde(default)]
    pub dest: String,
    pub owner: Option<Str>,
    pub group: Option<Str>,
    pub mode: Option<Mode>,
    pub directory_mode: Option<Mode>,
    #[serde(default)]
    pub backup: Bool,
    #[serde(default = "yes", alias = "thirsty")]
    pub force: Bool,
    #[serde(default)]
    pub remote_src: Bool,
    /// The name the content is written under in a directory `dest` (Ansible's internal
    /// argument; `template` gives its source's name).
    #[serde(rename = "_original_basename")]
    pub original_basename: Option<String>,
    pub validate: Option<String>,
    #[serde(default)]
    pub follow: Bool,
    pub local_follow: Option<Bool>,
    pub unsafe_writes: Option<Bool>,
    pub decrypt: Option<Bool>,
    pub checksum: Option<String>,
}

impl Args {
    fn preserve(&self) -> bool {
        matches!(&self.mode, Some(Mode::Symbolic(m)) if m == "preserve")
    }

    /// Owner, group and mode for a file whose source has mode `src_mode`.
    fn file_spec(&self, src_mode: Option<u32>) -> AttrSpec {
        let mode = match (self.preserve(), src_mode) {
            (true, Some(m)) => Some(Mode::Bits(m)),
            (true, None) => None,
            (false, _) => self.mode.clone(),
        };
        AttrSpec::new(
            self.owner.clone().map(|s| s.0),
            self.group.clone().map(|s| s.0),
            mode,
        )
    }
}

/// Where one file's bytes come from.
#[derive(Debug, Clone)]
enum Origin {
    Bytes(Vec<u8>),
    Local(PathBuf),
    Remote(String),
}

/// One file to be at `dest`.
#[derive(Debug, Clone)]
struct Wanted {
    dest: String,
    origin: Origin,
    checksum: String,
    /// Known when the content comes from the controller.
    md5: Option<String>,
    size: u64,
    src_mode: Option<u32>,
}

/// What one file needs: a script part (target-side copy, backup, attribute fix) and/or a
/// write from the controller.
#[derive(Default)]
struct FilePlan {
    script: String,
    write: Option<ContentWrite>,
    /// Set when the content is already right: the attribute changes needed.
    attrs: Option<AttrChange>,
}

/// What copy found to do.
pub struct Change {
    /// Directories to create, backups, copies on the target and attribute fixes: one script.
    script: String,
    /// Files to send from the controller, after the script.
    writes: Vec<ContentWrite>,
}

fn fail(msg: impl Into<String>) -> ModuleError {
    ModuleError::failed(msg)
}

fn join(dir: &str, name: &str) -> String {
    if name.is_empty() {
        return dir.trim_end_matches('/').to_string();
    }
    format!("{}/{name}", dir.trim_end_matches('/'))
}

/// The name the file gets when `dest` is a directory: the source's, or the one the caller
/// gave (`_original_basename`); content alone has none.
fn name_in_dir(args: &Args) -> Option<String> {
    match (&args.src, &args.original_basename) {
        (Some(src), _) => Some(basename(src).to_string()),
        (None, name) => name.clone(),
    }
}

fn basename(path: &str) -> &str {
    path.trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(path)
}

/// SHA-1 (troupe's and Ansible's `checksum`) and MD5 (Ansible's `md5sum`) of some bytes.
fn digests(bytes: &[u8]) -> (String, String) {
    (
        hex::encode(Sha1::digest(bytes)),
        hex::encode(md5::Md5::digest(bytes)),
    )
}

/// [`digests`] of a controller file, streamed.
fn file_digests(path: &Path) -> Result<(String, String), ModuleError> {
    let mut file = fs::File::open(path).map_err(|e| {
        fail(format!(
            "Could not find or access '{}': {e}",
            path.display()
        ))
    })?;
    let mut hasher = Sha1::new();
    let mut md5_hasher = md5::Md5::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file
            .read(&mut buf)
            .map_err(|e| fail(format!("{}: {e}", path.display())))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        md5_hasher.update(&buf[..n]);
    }
    Ok((
        hex::encode(hasher.finalize()),
        hex::encode(md5_hasher.finalize()),
    ))
}

fn local_meta(path: &Path) -> Result<fs::Metadata, ModuleError> {
    fs::metadata(path).map_err(|e| {
        fail(format!(
            "Could not find or access '{}': {e}",
            path.display()
        ))
    })
}

/// A controller directory's content, relative to it and sorted.
struct LocalTree {
    dirs: Vec<String>,
    files: Vec<(String, PathBuf)>,
    /// Symlinks kept as links, and what they point to: every link with `local_follow: false`;
    /// with it on, only links to no file or directory and links that would loop.
    links: Vec<(String, String)>,
}

/// A directory's identity, to tell a symlink that loops back into the copy.
type DirId = (u64, u64);

fn dir_id(path: &Path) -> Result<DirId, ModuleError> {
    let meta = local_meta(path)?;
    Ok((meta.dev(), meta.ino()))
}

/// Walks `root` as Ansible's copy does. Following links, a link to a file is that file; a
/// link to a directory is walked unless it points back at a directory of the copy (the
/// root, or one between the link and the part of the tree already known), which stays a link.
fn walk_local(root: &Path, follow: bool) -> Result<LocalTree, ModuleError> {
    let mut tree = LocalTree {
        dirs: Vec::new(),
        files: Vec::new(),
        links: Vec::new(),
    };
    let mut pending = vec![(String::new(), root.to_path_buf(), vec![dir_id(root)?])];
    while let Some((rel, dir, parents)) = pending.pop() {
        let entries = fs::read_dir(&dir).map_err(|e| fail(format!("{}: {e}", dir.display())))?;
        for entry in entries {
            let entry = entry.map_err(|e| fail(format!("{}: {e}", dir.display())))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let rel = if rel.is_empty() {
                name
            } else {
                format!("{rel}/{name}")
            };
            let path = entry.path();
            let keep_link = |tree: &mut LocalTree| -> Result<(), ModuleError> {
                let target = fs::read_link(&path)
                    .map_err(|e| fail(format!("{}: {e}", path.display())))?;
                tree.links.push((rel.clone(), target.to_string_lossy().into_owned()));
                Ok(())
            };
            if !path.is_symlink() {
                if local_meta(&path)?.is_dir() {
                    tree.dirs.push(rel.clone());
                    pending.push((rel, path, parents.clone()));
                } else {
                    tree.files.push((rel, path));
                }
                continue;
            }
            // A dangling or looping link has no metadata: it stays a link.
            let target = match fs::metadata(&path) {
                Ok(meta) if follow => meta,
                _ => {
                    keep_link(&mut tree)?;
                    continue;
                }
            };
            if !target.is_dir() {
                tree.files.push((rel, path));
                continue;
            }
            let id = (target.dev(), target.ino());
            if parents.contains(&id) {
                keep_link(&mut tree)?;
                continue;
            }
            // The directories from the link up to the part of the tree already known.
            let mut walked = parents.clone();
            for ancestor in dir.ancestors() {
                let ancestor_id = dir_id(ancestor)?;
                if parents.contains(&ancestor_id) {
                    break;
                }
                walked.push(ancestor_id);
            }
            if walked.contains(&id) {
                keep_link(&mut tree)?;
                continue;
            }
            tree.dirs.push(rel.clone());
            let real = fs::canonicalize(&path)
                .map_err(|e| fail(format!("{}: {e}", path.display())))?;
            pending.push((rel, real, walked));
        }
    }
    tree.dirs.sort();
    tree.files.sort();
    tree.links.sort();
    Ok(tree)
}

/// The first round trip's findings: the state of each destination (and remote sources).
struct Seen {
    dest: PathState,
    dest_in_dir: PathState,
    src: Option<PathState>,
    src_tree: Tree,
    dest_tree: Tree,
}

impl Copy {
    /// Inspects dest (and, with remote_src, src) in one round trip.
    fn inspect(
        &self,
        args: &Args,
        cx: &Context,
        tree_root: Option<&str>,
    ) -> Result<Seen, ModuleError> {
        let with_sum = ProbeOptions {
            follow: true,
            checksum: Some(Checksum::Sha1),
        };
        let dest = args.dest.as_str();
        let in_dir = name_in_dir(args).map(|name| join(dest, &name));
        let mut items = vec![(dest, with_sum)];
        if let Some(d) = &in_dir {
            items.push((d.as_str(), with_sum));
        }
        let remote_src = args.src.as_deref().filter(|_| args.remote_src.0);
        if let Some(s) = remote_src {
            items.push((s, with_sum));
        }
        let mut script = remote_file::probe_script(&items);
        if let Some(s) = remote_src {
            // On the target, links are copied as links unless local_follow is set.
            script.push_str(&match args.local_follow {
                Some(Bool(true)) => remote_file::tree_script_following(s, Some(Checksum::Sha1)),
                _ => remote_file::tree_script(s, Some(Checksum::Sha1)),
            });
        }
        if let Some(root) = tree_root {
            script.push_str(&remote_file::tree_script(root, Some(Checksum::Sha1)));
        }
        let out = cx.target.inspect(&script)?;
        if !out.success() {
            return Err(fail(format!(
                "inspecting {dest} failed: {}",
                out.stderr_str()
            )));
        }
        let stdout = out.stdout_str();
        let paths: Vec<&str> = items.iter().map(|(p, _)| *p).collect();
        let mut states = remote_file::parse_probes(&paths, &out.stdout)?.into_iter();
        let dest_state = states.next().expect("dest probed");
        let dest_in_dir = states.next().unwrap_or_else(|| PathState::missing(dest));
        let src = states.next();
        let src_tree = remote_src
            .map(|s| remote_file::parse_tree(s, &stdout))
            .unwrap_or_default();
        let dest_tree = tree_root
            .map(|r| remote_file::parse_tree(r, &stdout))
            .unwrap_or_default();
        Ok(Seen {
            dest: dest_state,
            dest_in_dir,
            src,
            src_tree,
            dest_tree,
        })
    }
}

impl Module for Copy {
    type Args = Args;
    type Change = Change;
    const NAME: &'static str = "copy";
    const CONTROLLER_SRC: Option<&'static str> = Some("files");

    fn query(&self, args: &Args, cx: &Context) -> Result<Query<Change>, ModuleError> {
        if args.dest.is_empty() {
            return Err(ModuleError::args("dest is required"));
        }
        file_write::check_validate(args.validate.as_deref())?;
        let dest_is_dir_name = args.dest.ends_with('/');
        let (dirs, files, base, links) = match (&args.src, &args.content) {
            (Some(_), Some(_)) => {
                return Err(ModuleError::args("src and content are mutually exclusive"))
            }
            (None, None) => return Err(ModuleError::args("src (or content) is required")),
            (None, Some(content)) => {
                if dest_is_dir_name && args.original_basename.is_none() {
                    return Err(ModuleError::args("can not use content with a dir as dest"));
                }
                let bytes = content.0.clone().into_bytes();
                let (checksum, md5) = digests(&bytes);
                let wanted = Wanted {
                    dest: args.dest.clone(),
                    checksum,
                    md5: Some(md5),
                    size: bytes.len() as u64,
                    origin: Origin::Bytes(bytes),
                    src_mode: None,
                };
                let seen = self.inspect(args, cx, None)?;
                return self.plan_single(args, cx, wanted, seen);
            }
            (Some(src), None) if args.remote_src.0 => return self.plan_remote(args, cx, src),
            (Some(src), None) => {
                let meta = local_meta(Path::new(src))?;
                if !meta.is_dir() {
                    let (checksum, md5) = file_digests(Path::new(src))?;
                    let wanted = Wanted {
                        dest: args.dest.clone(),
                        checksum,
                        md5: Some(md5),
                        size: meta.len(),
                        origin: Origin::Local(PathBuf::from(src)),
                        src_mode: Some(meta.permissions().mode() & 0o7777),
                    };
                    let seen = self.inspect(args, cx, None)?;
                    return self.plan_single(args, cx, wanted, seen);
                }
                let base = if src.ends_with('/') {
                    args.dest.clone()
                } else {
                    join(&args.dest, basename(src))
                };
                let follow = args.local_follow.is_none_or(|f| f.0);
                let LocalTree {
                    dirs,
                    files: local_files,
                    links,
                } = walk_local(Path::new(src), follow)?;
                let mut files = Vec::new();
                for (rel, path) in local_files {
                    let meta = local_meta(&path)?;
                    let (checksum, md5) = file_digests(&path)?;
                    files.push((
                        rel,
                        Wanted {
                            dest: String::new(),
                            checksum,
                            md5: Some(md5),
                            size: meta.len(),
                            origin: Origin::Local(path),
                            src_mode: Some(meta.permissions().mode() & 0o7777),
                        },
                    ));
                }
                (dirs, files, base, links)
            }
        };
        let seen = self.inspect(args, cx, Some(&base))?;
        let base_state = if base == args.dest {
            seen.dest.clone()
        } else {
            seen.dest_in_dir.clone()
        };
        self.plan_tree(
            args,
            &base,
            (&base_state, &seen.dest_tree),
            &dirs,
            files,
            &links,
        )
    }

    fn apply(&self, _: &Args, change: Change, cx: &Context) -> Result<Report, ModuleError> {
        let mut report = Report::changed();
        let mut backups = Vec::new();
        if !change.script.is_empty() {
            let out = cx.target.run(&format!("set -e\n{}", change.script), None)?;
            if out.rc == 97 {
                return Err(fail(format!(
                    "failed to validate: {}",
                    out.stderr_str().trim()
                )));
            }
            if !out.success() {
                return Err(fail(out.stderr_str().trim().to_string()));
            }
            backups.extend(
                out.stdout_str()
                    .lines()
                    .filter_map(|l| l.strip_prefix("B "))
                    .map(str::to_string),
            );
        }
        for w in &change.writes {
            backups.extend(file_write::write(cx.target, w)?);
        }
        if let Some(b) = backups.into_iter().next() {
            report = report.with("backup_file", b);
        }
        Ok(report)
    }
}

impl Copy {
    /// One file: dest, or dest/basename(src) when dest is a directory or ends with `/`.
    fn plan_single(
        &self,
        args: &Args,
        cx: &Context,
        mut wanted: Wanted,
        seen: Seen,
    ) -> Result<Query<Change>, ModuleError> {
        let into_dir = args.dest.ends_with('/') || seen.dest.kind == Kind::Directory;
        let mut script = String::new();
        let state = if into_dir {
            let Some(name) = name_in_dir(args) else {
                return Err(ModuleError::args("can not use content with a dir as dest"));
            };
            wanted.dest = join(&args.dest, &name);
            if !seen.dest.exists() {
                script.push_str(&format!("mkdir -p -- {}\n", quote_path(&args.dest)));
            }
            seen.dest_in_dir
        } else {
            seen.dest
        };
        if state.kind == Kind::Directory {
            return Err(fail(format!("dest {} is a directory", wanted.dest)));
        }
        let mut report = Report::ok()
            .with("dest", wanted.dest.clone())
            .with("checksum", wanted.checksum.clone())
            .with("size", wanted.size);
        if let Some(src) = &args.src {
            report = report.with("src", src.clone());
        }
        if let Some(md5) = &wanted.md5 {
            report = report.with("md5sum", md5.clone());
        }
        let spec = args.file_spec(wanted.src_mode);
        let plan = self.plan_file(args, &wanted, &state, &spec)?;
        for (k, v) in final_attrs(&spec, &state) {
            report = report.with(k, v);
        }
        let copies_on_target = matches!(wanted.origin, Origin::Remote(_)) && plan.attrs.is_none();
        let diff = match (&plan.attrs, cx.diff) {
            (None, true) if plan.write.is_some() || copies_on_target => {
                content_diff(cx, &wanted, &state)
            }
            (Some(change), true) if !change.is_empty() => {
                let (before, after) = file_attrs::diff_lines(&state, change);
                let header = format!("{} (file attributes)", wanted.dest);
                Some(Diff {
                    before,
                    after,
                    before_header: header.clone(),
                    after_header: header,
                })
            }
            _ => None,
        };
        script.push_str(&plan.script);
        let write = plan.write;
        if script.is_empty() && write.is_none() {
            // The path as probed is the path as left: Ansible's path information from it.
            return Ok(Query::unchanged(path_info::with_state(report, &state)));
        }
        let change = Change {
            script,
            writes: write.into_iter().collect(),
        };
        Ok(Query::change(change)
            .with_report(report)
            .with_listed_diff(diff))
    }

    /// What one file needs: a script part (remote copy, backup, attribute fix) and/or a write.
    fn plan_file(
        &self,
        args: &Args,
        wanted: &Wanted,
        state: &PathState,
        spec: &AttrSpec,
    ) -> Result<FilePlan, ModuleError> {
        let mut script = String::new();
        if state.exists() && !args.force.0 {
            return Ok(FilePlan::default());
        }
        let write_path = match (&state.link_source, args.follow.0) {
            (Some(real), true) => real.clone(),
            _ => wanted.dest.clone(),
        };
        if state.checksum.as_deref() == Some(wanted.checksum.as_str()) {
            let change = spec.change_for(state)?;
            script.push_str(&file_attrs::commands(&write_path, &change, false));
            return Ok(FilePlan {
                script,
                write: None,
                attrs: Some(change),
            });
        }
        let backup = args.backup.0 && state.exists();
        if backup {
            script.push_str(&file_write::backup_script(&write_path));
        }
        let attrs = spec.for_put(Some(state))?;
        let source = match &wanted.origin {
            Origin::Bytes(b) => Source::Bytes(b.clone()),
            Origin::Local(p) => Source::Local(p.clone()),
            Origin::Remote(src) => {
                script.push_str(&remote_copy(
                    src,
                    &write_path,
                    &attrs,
                    args.validate.as_deref(),
                ));
                return Ok(FilePlan {
                    script,
                    write: None,
                    attrs: None,
                });
            }
        };
        let write = ContentWrite {
            path: write_path,
            source,
            attrs,
            backup: false,
            validate: args.validate.clone(),
            make_parent: false,
        };
        Ok(FilePlan {
            script,
            write: Some(write),
            attrs: None,
        })
    }

    /// A directory tree under `base`; `dest` is what the target has there (the base and
    /// the tree under it).
    fn plan_tree(
        &self,
        args: &Args,
        base: &str,
        (base_state, dest_tree): (&PathState, &Tree),
        dirs: &[String],
        files: Vec<(String, Wanted)>,
        links: &[(String, String)],
    ) -> Result<Query<Change>, ModuleError> {
        let mut script = String::new();
        let dir_attrs = AttrChange {
            owner: args.owner.clone().map(|s| s.0),
            group: args.group.clone().map(|s| s.0),
            mode: match &args.directory_mode {
                Some(m) => Some(m.resolve(0o755, true)?),
                None => None,
            },
        };
        let mut make_dir = |path: &str| {
            script.push_str(&format!("mkdir -p -- {}\n", quote_path(path)));
            script.push_str(&file_attrs::commands(path, &dir_attrs, false));
        };
        match base_state.kind {
            Kind::Missing => make_dir(base),
            Kind::Directory => {}
            _ => return Err(fail(format!("{base} exists and is not a directory"))),
        }
        for rel in dirs {
            match dest_tree.entries.get(rel).map(|s| s.kind) {
                None => make_dir(&join(base, rel)),
                Some(Kind::Directory) => {}
                Some(_) => {
                    return Err(fail(format!(
                        "{} exists and is not a directory",
                        join(base, rel)
                    )))
                }
            }
        }
        // Links get the owner and group themselves (`chown -h`), as Ansible's lchown does.
        let link_spec = AttrSpec::new(
            args.owner.clone().map(|s| s.0),
            args.group.clone().map(|s| s.0),
            None,
        );
        for (rel, target) in links {
            let dest = join(base, rel);
            let attrs = match dest_tree.entries.get(rel) {
                Some(s) if s.kind == Kind::Link && s.link_target.as_deref() == Some(target) => {
                    link_spec.change_for(s)?
                }
                Some(s) if s.kind == Kind::Directory => {
                    return Err(fail(format!("{dest} is a directory, not a link")))
                }
                _ => {
                    script.push_str(&format!(
                        "ln -sfn -- {} {}\n",
                        quote_path(target),
                        quote_path(&dest)
                    ));
                    link_spec.change_for(&PathState::missing(&dest))?
                }
            };
            script.push_str(&file_attrs::commands(&dest, &attrs, true));
        }
        let mut writes = Vec::new();
        for (rel, mut wanted) in files {
            wanted.dest = join(base, &rel);
            let state = dest_tree
                .entries
                .get(&rel)
                .cloned()
                .unwrap_or_else(|| PathState::missing(&wanted.dest));
            if state.kind == Kind::Directory {
                return Err(fail(format!("{} is a directory, not a file", wanted.dest)));
            }
            let plan = self.plan_file(args, &wanted, &state, &args.file_spec(wanted.src_mode))?;
            script.push_str(&plan.script);
            writes.extend(plan.write);
        }
        let mut report = Report::ok().with("dest", base.to_string());
        if let Some(src) = &args.src {
            report = report.with("src", src.clone());
        }
        if script.is_empty() && writes.is_empty() {
            return Ok(Query::unchanged(report));
        }
        Ok(Query::change(Change { script, writes }).with_report(report))
    }

    /// `src` is on the target: a file or a directory tree.
    fn plan_remote(
        &self,
        args: &Args,
        cx: &Context,
        src: &str,
    ) -> Result<Query<Change>, ModuleError> {
        let probe_base = if src.ends_with('/') {
            args.dest.clone()
        } else {
            join(&args.dest, basename(src))
        };
        let seen = self.inspect(args, cx, Some(&probe_base))?;
        let src_state = seen.src.clone().expect("remote src probed");
        match src_state.kind {
            Kind::Missing => return Err(fail(format!("Source {src} not found"))),
            Kind::Directory => {}
            // A device, fifo or socket (`/dev/null`): Ansible refuses it.
            Kind::Other => {
                return Err(fail(format!(
                    "Cannot copy invalid source '{src}': not a file"
                )))
            }
            _ => {
                let wanted = Wanted {
                    dest: args.dest.clone(),
                    checksum: src_state.checksum.clone().unwrap_or_default(),
                    md5: None,
                    size: src_state.size,
                    origin: Origin::Remote(src.to_string()),
                    src_mode: Some(src_state.mode),
                };
                return self.plan_single(args, cx, wanted, seen);
            }
        }
        if let Some(Bool(true)) = args.local_follow {
            refuse_foreign_links(cx, src)?;
        }
        let mut dirs: Vec<String> = Vec::new();
        let mut files = Vec::new();
        let mut links = Vec::new();
        let mut entries: Vec<_> = seen.src_tree.entries.iter().collect();
        entries.sort_by(|a, b| a.0.cmp(b.0));
        for (rel, s) in entries {
            match s.kind {
                Kind::Directory => dirs.push(rel.clone()),
                Kind::File => files.push((
                    rel.clone(),
                    Wanted {
                        dest: String::new(),
                        checksum: s.checksum.clone().unwrap_or_default(),
                        md5: None,
                        size: s.size,
                        origin: Origin::Remote(s.path.clone()),
                        src_mode: Some(s.mode),
                    },
                )),
                Kind::Link => {
                    if let Some(target) = &s.link_target {
                        links.push((rel.clone(), target.clone()));
                    }
                }
                _ => {}
            }
        }
        let base_state = if probe_base == args.dest {
            seen.dest.clone()
        } else {
            seen.dest_in_dir.clone()
        };
        self.plan_tree(
            args,
            &probe_base,
            (&base_state, &seen.dest_tree),
            &dirs,
            files,
            &links,
        )
    }
}

/// Following links on the target, a link another user owns is refused: they could point it
/// at any file (`/etc/shadow`) and have root copy it where they can read it.
fn refuse_foreign_links(cx: &Context, src: &str) -> Result<(), ModuleError> {
    let out = cx.target.run(&remote_file::foreign_link_command(src), None)?;
    match out.stdout_str().lines().next().filter(|l| !l.is_empty()) {
        Some(link) => Err(fail(format!(
            "refusing to follow {link}: it belongs to another user, who could point it at any file (local_follow: false copies links as links)"
        ))),
        None => Ok(()),
    }
}

/// Copies a file on the target over dest (see [`replace_file`]): the attributes a `put` would
/// give, validated before the rename.
fn remote_copy(src: &str, dest: &str, attrs: &FileAttrs, validate: Option<&str>) -> String {
    let Some(temp) = replace_file::temp_beside(dest) else {
        return format!(
            "printf '%s\\n' {} >&2; exit 1\n",
            quote(&format!("cannot write to '{dest}': not a file path"))
        );
    };
    let fill = format!("cat -- {}", quote_path(src));
    let replace = Replace {
        dest,
        temp: &temp,
        fill: Fill::Command(&fill),
        attrs,
        new_file_mode: None,
        validate,
    };
    format!("(\n{})\n", replace.script())
}

/// Owner, group and mode the file will have, as far as they are known without asking again.
fn final_attrs(spec: &AttrSpec, state: &PathState) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    let exists = state.exists();
    if let Some(o) = spec
        .owner
        .clone()
        .or_else(|| exists.then(|| state.owner.clone()))
    {
        out.push(("owner", o));
    }
    if let Some(g) = spec
        .group
        .clone()
        .or_else(|| exists.then(|| state.group.clone()))
    {
        out.push(("group", g));
    }
    let base = if exists { state.mode } else { 0o644 };
    if let Ok(Some(m)) = spec.resolve_mode(base, false) {
        out.push(("mode", remote_file::result_mode(m)));
    } else if exists {
        out.push(("mode", state.result_mode()));
    }
    out
}

fn content_diff(cx: &Context, wanted: &Wanted, state: &PathState) -> Option<Diff> {
    let limit = 104_448;
    if wanted.size > limit || state.size > limit {
        return None;
    }
    let before = if state.exists() {
        cx.target.read(&wanted.dest).ok().flatten()
    } else {
        None
    };
    let after = match &wanted.origin {
        Origin::Bytes(b) => b.clone(),
        Origin::Local(p) => fs::read(p).ok()?,
        Origin::Remote(p) => cx.target.read(p).ok().flatten()?,
    };
    let mut diff = file_write::content_diff(&wanted.dest, before.as_deref(), &after)?;
    if let Origin::Local(p) = &wanted.origin {
        diff.after_header = p.display().to_string();
    }
    Some(diff)
}

#[cfg(test)]
mod tests {
    use std::{fs, os::unix::fs::PermissionsExt, path::Path};

    use serde_json::json;

    use crate::{testing::*, ModuleError};

    /// Runs copy in check mode, for real, then again: returns the first real report.
    fn copy_twice(args: serde_json::Value) -> crate::Report {
        let predicted = check("copy", args.clone());
        let first = apply("copy", args.clone());
        assert_eq!(
            predicted.changed, first.changed,
            "check mode predicted {predicted:?}"
        );
        let second = apply("copy", args);
        assert!(!second.changed, "second run changed: {second:?}");
        first
    }

    #[test]
    fn content_to_a_file_with_mode_and_checksum() {
        let s = Scratch::new();
        let dest = s.path("motd");
        let r = copy_twice(json!({"content": "hello\n", "dest": dest, "mode": "0600"}));
        assert!(r.changed);
        assert_eq!(fs::read_to_string(&dest).unwrap(), "hello\n");
        assert_eq!(mode_of(Path::new(&dest)), 0o600);
        assert_eq!(
            field(&r, "checksum"),
            "f572d396fae9206628714fb2ce00f72e94f2258f"
        );
        assert_eq!(field(&r, "size"), 6);
        assert_eq!(field(&r, "mode"), "0600");
        let r = apply(
            "copy",
            json!({"content": "hello\n", "dest": dest, "mode": "0644"}),
        );
        assert!(r.changed, "a mode change alone is a change");
        assert_eq!(mode_of(Path::new(&dest)), 0o644);
    }

    #[test]
    fn check_mode_and_diff_leave_the_file_alone() {
        let s = Scratch::new();
        let dest = s.write("f", "old\n");
        let r = check("copy", json!({"content": "new\n", "dest": dest}));
        assert!(r.changed);
        let diff = r.diff.unwrap();
        assert_eq!(
            (diff.before.as_str(), diff.after.as_str()),
            ("old\n", "new\n")
        );
        assert_eq!(fs::read_to_string(&dest).unwrap(), "old\n");
        let binary = check("copy", json!({"content": "a\u{0}b", "dest": dest}));
        assert!(binary.changed && binary.diff.is_none());
    }

    #[test]
    fn controller_file_into_a_directory_with_backup() {
        let s = Scratch::new();
        let src = s.write("src/app.conf", "v1\n");
        fs::set_permissions(&src, fs::Permissions::from_mode(0o640)).unwrap();
        let dest_dir = s.path("etc") + "/";
        let r = copy_twice(json!({"src": src, "dest": dest_dir, "mode": "preserve"}));
        let dest = s.path("etc/app.conf");
        assert_eq!(field(&r, "dest"), dest.as_str());
        assert_eq!(fs::read_to_string(&dest).unwrap(), "v1\n");
        assert_eq!(mode_of(Path::new(&dest)), 0o640);
        fs::write(&src, "v2\n").unwrap();
        // dest is an existing directory now: no trailing slash needed.
        let r = apply(
            "copy",
            json!({"src": src, "dest": s.path("etc"), "backup": true}),
        );
        assert!(r.changed);
        let backup = field(&r, "backup_file").as_str().unwrap();
        assert_eq!(fs::read_to_string(backup).unwrap(), "v1\n");
        assert_eq!(fs::read_to_string(&dest).unwrap(), "v2\n");
    }

    #[test]
    fn force_false_only_creates() {
        let s = Scratch::new();
        let dest = s.write("f", "mine\n");
        let r = apply(
            "copy",
            json!({"content": "theirs\n", "dest": dest, "force": false}),
        );
        assert!(!r.changed);
        assert_eq!(fs::read_to_string(&dest).unwrap(), "mine\n");
    }

    #[test]
    fn directory_trees_with_and_without_trailing_slash() {
        let s = Scratch::new();
        s.write("tree/a.txt", "a\n");
        s.write("tree/sub/b.txt", "b\n");
        fs::create_dir_all(s.path("tree/empty")).unwrap();
        let r = copy_twice(
            json!({"src": s.path("tree"), "dest": s.path("out"), "directory_mode": "0750"}),
        );
        assert!(r.changed);
        assert_eq!(
            fs::read_to_string(s.path("out/tree/sub/b.txt")).unwrap(),
            "b\n"
        );
        assert!(Path::new(&s.path("out/tree/empty")).is_dir());
        assert_eq!(mode_of(Path::new(&s.path("out/tree/sub"))), 0o750);
        copy_twice(json!({"src": s.path("tree") + "/", "dest": s.path("flat")}));
        assert_eq!(fs::read_to_string(s.path("flat/a.txt")).unwrap(), "a\n");
        // One changed file in the tree is sent again; the rest stays.
        s.write("tree/a.txt", "a2\n");
        assert!(
            apply(
                "copy",
                json!({"src": s.path("tree") + "/", "dest": s.path("flat")})
            )
            .changed
        );
        assert_eq!(fs::read_to_string(s.path("flat/a.txt")).unwrap(), "a2\n");
    }

    #[test]
    fn remote_src_file_and_tree() {
        let s = Scratch::new();
        let src = s.write("remote/x.bin", "payload");
        s.write("remote/d/y", "y");
        copy_twice(
            json!({"src": src, "dest": s.path("copied"), "remote_src": true, "mode": "0600"}),
        );
        assert_eq!(fs::read_to_string(s.path("copied")).unwrap(), "payload");
        assert_eq!(mode_of(Path::new(&s.path("copied"))), 0o600);
        copy_twice(json!({"src": s.path("remote"), "dest": s.path("mirror"), "remote_src": true}));
        assert_eq!(
            fs::read_to_string(s.path("mirror/remote/d/y")).unwrap(),
            "y"
        );
    }

    #[test]
    fn following_links_copies_what_they_point_to_and_keeps_loops_as_links() {
        use std::os::unix::fs::symlink;
        let s = Scratch::new();
        s.write("src/real/f.txt", "f\n");
        s.write("outside/o.txt", "o\n");
        symlink("real/f.txt", s.path("src/to_file")).unwrap();
        symlink("real", s.path("src/to_dir")).unwrap();
        symlink("../", s.path("src/real/circle")).unwrap();
        symlink(s.path("outside"), s.path("src/to_outside")).unwrap();
        symlink("../src", s.path("outside/back")).unwrap();
        symlink("nowhere", s.path("src/dangling")).unwrap();
        let r = copy_twice(json!({"src": s.path("src"), "dest": s.path("out"), "local_follow": true}));
        assert!(r.changed);
        let out = |p: &str| s.path(&format!("out/src/{p}"));
        for (file, text) in [("to_file", "f\n"), ("to_dir/f.txt", "f\n"), ("to_outside/o.txt", "o\n")] {
            assert!(!Path::new(&out(file)).is_symlink(), "{file} is a link");
            assert_eq!(fs::read_to_string(out(file)).unwrap(), text);
        }
        assert!(!Path::new(&out("to_dir")).is_symlink());
        // Links back into the copy, and links to nothing, stay links.
        for (link, target) in [("real/circle", "../"), ("to_outside/back", "../src"), ("dangling", "nowhere")] {
            assert_eq!(fs::read_link(out(link)).unwrap(), Path::new(target), "{link}");
        }
    }

    #[test]
    fn remote_trees_keep_links_unless_told_to_follow() {
        use std::os::unix::fs::symlink;
        let s = Scratch::new();
        s.write("remote/sub/f.txt", "f\n");
        symlink("sub/f.txt", s.path("remote/link")).unwrap();
        let src = s.path("remote") + "/";
        copy_twice(json!({"src": src, "dest": s.path("kept"), "remote_src": true}));
        assert_eq!(fs::read_link(s.path("kept/link")).unwrap(), Path::new("sub/f.txt"));
        copy_twice(json!({"src": src, "dest": s.path("followed"), "remote_src": true, "local_follow": true}));
        assert!(!Path::new(&s.path("followed/link")).is_symlink());
        assert_eq!(fs::read_to_string(s.path("followed/link")).unwrap(), "f\n");
        // A link another user owns is not followed: the copy is refused.
        let secret = s.write("secret", "s");
        symlink(&secret, s.path("remote/planted")).unwrap();
        let chown = std::process::Command::new("chown")
            .args(["-h", "nobody", &s.path("remote/planted")])
            .status()
            .unwrap();
        assert!(chown.success());
        let e = error(
            "copy",
            json!({"src": src, "dest": s.path("again"), "remote_src": true, "local_follow": true}),
        );
        assert!(e.to_string().contains("belongs to another user"), "{e}");
        assert!(!Path::new(&s.path("again")).exists());
    }

    #[test]
    fn validate_runs_on_the_new_file_before_it_lands() {
        let s = Scratch::new();
        let dest = s.write("sudoers", "good\n");
        let e = error(
            "copy",
            json!({"content": "bad\n", "dest": dest, "validate": "grep -q good %s"}),
        );
        assert!(matches!(e, ModuleError::Failed(m) if m.contains("validate")));
        assert_eq!(fs::read_to_string(&dest).unwrap(), "good\n");
        let r = apply(
            "copy",
            json!({"content": "good too\n", "dest": dest, "validate": "grep -q good %s"}),
        );
        assert!(r.changed);
        assert_eq!(fs::read_to_string(&dest).unwrap(), "good too\n");
        let leftovers = fs::read_dir(s.dir.path()).unwrap().count();
        assert_eq!(leftovers, 1, "temp files left behind");
    }

    #[test]
    fn argument_errors_and_missing_source() {
        let s = Scratch::new();
        let dest = s.path("d");
        for args in [
            json!({"dest": dest}),
            json!({"content": "x"}),
            json!({"content": "x", "src": "/etc/hostname", "dest": dest}),
            json!({"content": "x", "dest": format!("{dest}/")}),
        ] {
            assert!(
                matches!(error("copy", args.clone()), ModuleError::Args(_)),
                "{args}"
            );
        }
        let e = error("copy", json!({"src": s.path("nope"), "dest": dest}));
        assert!(matches!(e, ModuleError::Failed(_)));
    }

    #[test]
    fn one_round_trip_when_nothing_changes() {
        let s = Scratch::new();
        let dest = s.write("f", "same\n");
        let trips = round_trips(
            "copy",
            json!({"content": "same\n", "dest": dest, "mode": "0644"}),
        );
        assert_eq!(trips, 1);
        s.write("t/a", "a");
        apply("copy", json!({"src": s.path("t"), "dest": s.path("o")}));
        assert_eq!(
            round_trips("copy", json!({"src": s.path("t"), "dest": s.path("o")})),
            1
        );
    }
}
