//! What the user's ssh config files say, without connecting: whether they may set an option
//! troupe would otherwise set itself (ssh keeps the first value it sees, and troupe's `-o`
//! come before the files, so troupe must stay out of the way of what the user chose).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock, PoisonError};

/// Whether the ssh config files may set an option whose keyword starts with `keyword` (lower
/// case): `-F FILE` when the args give one, else `~/.ssh/config` and `/etc/ssh/ssh_config`
/// (read once per run and keyword). `Include`s of plain `DIR/*SUFFIX` patterns are followed;
/// any other `Include` counts as "may".
pub(crate) fn may_set(args: &[String], keyword: &'static str) -> bool {
    let explicit = args
        .iter()
        .position(|a| a == "-F")
        .and_then(|i| args.get(i + 1))
        .map(|f| expand_home(f));
    if let Some(file) = explicit {
        return mentions(&file, file.parent().unwrap_or(Path::new("/")), 0, keyword);
    }
    static DEFAULT_FILES: OnceLock<Mutex<HashMap<&'static str, bool>>> = OnceLock::new();
    let mut known = DEFAULT_FILES
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    *known.entry(keyword).or_insert_with(|| {
        mentions(
            &home().join(".ssh/config"),
            &home().join(".ssh"),
            0,
            keyword,
        ) || mentions(
            Path::new("/etc/ssh/ssh_config"),
            Path::new("/etc/ssh"),
            0,
            keyword,
        )
    })
}

fn mentions(file: &Path, base: &Path, depth: u32, wanted: &str) -> bool {
    let Ok(text) = std::fs::read_to_string(file) else {
        return false;
    };
    for line in text.lines() {
        let line = line.trim_start();
        let keyword_end = line
            .find(|c: char| c.is_whitespace() || c == '=')
            .unwrap_or(line.len());
        let keyword = line[..keyword_end].to_ascii_lowercase();
        if keyword.starts_with(wanted) {
            return true;
        }
        if keyword != "include" || depth > 4 {
            continue;
        }
        let patterns =
            line[keyword_end..].trim_start_matches(|c: char| c.is_whitespace() || c == '=');
        if patterns
            .split_whitespace()
            .any(|pattern| included_files_mention(pattern, base, depth, wanted))
        {
            return true;
        }
    }
    false
}

fn included_files_mention(pattern: &str, base: &Path, depth: u32, wanted: &str) -> bool {
    let pattern = expand_home(pattern);
    let pattern = if pattern.is_absolute() {
        pattern
    } else {
        base.join(pattern)
    };
    let name = pattern
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let dir = pattern.parent().unwrap_or(Path::new("/"));
    if dir.to_string_lossy().contains(['*', '?', '[']) {
        return true;
    }
    let suffix = match name.strip_prefix('*') {
        Some(suffix) if !suffix.contains(['*', '?', '[']) => suffix.to_string(),
        _ if !name.contains(['*', '?', '[']) => {
            return mentions(&pattern, base, depth + 1, wanted);
        }
        _ => return true,
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return false;
    };
    entries.filter_map(Result::ok).any(|entry| {
        entry.file_name().to_string_lossy().ends_with(&suffix)
            && mentions(&entry.path(), base, depth + 1, wanted)
    })
}

pub(crate) fn home() -> PathBuf {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir)
}

pub(crate) fn expand_home(path: &str) -> PathBuf {
    match path.strip_prefix('~') {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => {
            home().join(rest.trim_start_matches('/'))
        }
        _ => PathBuf::from(path),
    }
}
