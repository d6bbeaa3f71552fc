//! Writing a file's content on the target the way every content module does: parent made
//! when asked, the old file backed up, the new one validated, then renamed into place.

use std::{fs, io::Read, path::PathBuf};

use crate::{
    helpers::replace_file::{self, Fill, Replace},
    helpers::shell_text::{quote, quote_path},
    Diff, FileAttrs, ModuleError, Target,
};

/// Where the new content comes from.
#[derive(Debug, Clone)]
pub enum Source {
    Bytes(Vec<u8>),
    /// A file on the controller, streamed.
    Local(PathBuf),
}

/// One file to (re)write.
#[derive(Debug, Clone)]
pub struct ContentWrite {
    pub path: String,
    pub source: Source,
    pub attrs: FileAttrs,
    /// Back up the file being replaced first (only set when there is one).
    pub backup: bool,
    /// A command with `%s`, run on the new file before it replaces the old one.
    pub validate: Option<String>,
    /// Create missing parent directories.
    pub make_parent: bool,
}

/// The script that copies `path` to Ansible's backup name (`path.PID.YYYY-MM-DD@HH:MM:SS~`)
/// and prints `B <name>`.
pub fn backup_script(path: &str) -> String {
    let p = quote_path(path);
    format!("b={p}.$$.$(date +%Y-%m-%d@%H:%M:%S)~\ncp -p -- {p} \"$b\" || exit 1\nprintf 'B %s\\n' \"$b\"\n")
}

/// The backup name a script printed, if any.
pub fn backup_name(stdout: &str) -> Option<String> {
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("B "))
        .map(str::to_string)
}

/// Fails early, as Ansible does, on a `validate` without `%s`.
pub fn check_validate(validate: Option<&str>) -> Result<(), ModuleError> {
    match validate {
        Some(v) if !v.contains("%s") => {
            Err(ModuleError::args(format!("validate must contain %s: {v}")))
        }
        Some(v) => match crate::shell_text::split(v) {
            Ok(_) => Ok(()),
            Err(e) => Err(ModuleError::args(format!("validate: {e}: {v}"))),
        },
        _ => Ok(()),
    }
}

fn parent_of(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) => "/",
        Some(i) => &path[..i],
        None => ".",
    }
}

fn put_source(
    target: &dyn Target,
    path: &str,
    source: &Source,
    attrs: &FileAttrs,
) -> Result<(), ModuleError> {
    match source {
        Source::Bytes(b) => target.write(path, b, attrs)?,
        Source::Local(local) => {
            let fail = |e: std::io::Error| {
                ModuleError::failed(format!("could not read {}: {e}", local.display()))
            };
            let mut file = fs::File::open(local).map_err(fail)?;
            let len = file.metadata().map_err(fail)?.len();
            target.put(path, &mut file as &mut dyn Read, len, attrs)?;
        }
    }
    Ok(())
}

fn run_checked(target: &dyn Target, script: &str, what: &str) -> Result<String, ModuleError> {
    let out = target.run(script, None)?;
    if !out.success() {
        return Err(ModuleError::failed(format!(
            "{what}: {}",
            out.stderr_str().trim()
        )));
    }
    Ok(out.stdout_str())
}

/// Writes one file; returns the backup's name when one was made.
pub fn write(target: &dyn Target, w: &ContentWrite) -> Result<Option<String>, ModuleError> {
    let mut prelude = String::new();
    if w.make_parent {
        prelude.push_str(&format!(
            "mkdir -p -- {} || exit 1\n",
            quote_path(parent_of(&w.path))
        ));
    }
    if w.backup {
        prelude.push_str(&backup_script(&w.path));
    }
    let Some(validate) = &w.validate else {
        let mut backup = None;
        if !prelude.is_empty() {
            backup = backup_name(&run_checked(target, &prelude, "preparing to write")?);
        }
        put_source(target, &w.path, &w.source, &w.attrs)?;
        return Ok(backup);
    };
    if w.make_parent {
        run_checked(target, &prelude, "creating the parent directory")?;
        prelude.clear();
        if w.backup {
            prelude.push_str(&backup_script(&w.path));
        }
    }
    // The new content waits in a private directory of the host's temp dir (no other user
    // can reach it), is validated there (as Ansible validates its uploaded temp file), then
    // replaces the file through a checked temp file beside it.
    let private = run_checked(
        target,
        "mktemp -d \"${TMPDIR:-/tmp}/troupe-validate.XXXXXXXXXX\"",
        "making a temp directory",
    )?;
    let private = private.trim().to_string();
    let staged = format!("{private}/content");
    let cleanup = format!("rm -rf -- {}", quote_path(&private));
    let result = validate_and_replace(target, w, validate, &prelude, &staged);
    let _ = target.run(&cleanup, None);
    result
}

fn validate_and_replace(
    target: &dyn Target,
    w: &ContentWrite,
    validate: &str,
    prelude: &str,
    staged: &str,
) -> Result<Option<String>, ModuleError> {
    put_source(target, staged, &w.source, &FileAttrs::default())?;
    let Some(temp) = replace_file::temp_beside(&w.path) else {
        return Err(ModuleError::failed(format!(
            "cannot write to '{}': not a file path",
            w.path
        )));
    };
    let fill = format!("cat -- {}", quote_path(staged));
    let replace = Replace {
        dest: &w.path,
        temp: &temp,
        fill: Fill::Command(&fill),
        attrs: &w.attrs,
        new_file_mode: None,
        validate: None,
    };
    let check = replace_file::validate_command(validate, &quote(staged));
    let script = format!(
        "if ! ( {check} ) >&2; then exit {}; fi\n{prelude}(\n{}) || exit\n",
        replace_file::VALIDATE_FAILED,
        replace.script()
    );
    let out = target.run(&script, None)?;
    match out.rc {
        0 => Ok(backup_name(&out.stdout_str())),
        replace_file::VALIDATE_FAILED => Err(ModuleError::failed(format!(
            "failed to validate: {}",
            out.stderr_str().trim()
        ))),
        _ => Err(ModuleError::failed(format!(
            "writing {} failed: {}",
            w.path,
            out.stderr_str()
        ))),
    }
}

/// Ansible's limit on what it shows in a diff.
const MAX_DIFF_SIZE: usize = 104_448;

/// Whether bytes can be shown in a text diff.
pub fn is_diffable(bytes: &[u8]) -> bool {
    bytes.len() <= MAX_DIFF_SIZE && !bytes.contains(&0) && std::str::from_utf8(bytes).is_ok()
}

/// A content diff; `None` when either side is binary or too large to show.
pub fn content_diff(header: &str, before: Option<&[u8]>, after: &[u8]) -> Option<Diff> {
    let before = before.unwrap_or_default();
    if !is_diffable(before) || !is_diffable(after) {
        return None;
    }
    Some(Diff {
        before: String::from_utf8_lossy(before).into_owned(),
        after: String::from_utf8_lossy(after).into_owned(),
        before_header: header.to_string(),
        after_header: header.to_string(),
    })
}
