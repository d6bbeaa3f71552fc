//! Path filters with Python's `os.path` semantics: `basename`, `dirname`, `splitext`,
//! `expanduser`, `realpath`, `relpath`, `path_join`, and `fileglob` (controller files).

use std::path::Path;

use minijinja::{Environment, Error, Value};

use super::failure;

pub(super) fn register(env: &mut Environment<'static>) {
    env.add_filter("basename", basename);
    env.add_filter("dirname", dirname);
    env.add_filter("splitext", splitext);
    env.add_filter("expanduser", expanduser);
    env.add_filter("realpath", realpath);
    env.add_filter("relpath", relpath);
    env.add_filter("path_join", path_join);
    env.add_filter("fileglob", fileglob);
}

/// Ansible's `fileglob`: the regular files on the controller a glob names, sorted; a pattern
/// that is no glob gives nothing.
fn fileglob(pattern: &str) -> Vec<String> {
    let Ok(paths) = glob::glob(pattern) else {
        return Vec::new();
    };
    let mut files: Vec<String> = paths
        .flatten()
        .filter(|p| p.is_file())
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    files.sort();
    files
}

fn basename(path: &str) -> String {
    path.rsplit('/').next().unwrap_or("").to_owned()
}

/// `os.path.dirname`: `/a/b/` → `/a/b`, `file` → ``, `/file` → `/`.
fn dirname(path: &str) -> String {
    let head = &path[..path.rfind('/').map_or(0, |i| i + 1)];
    if !head.is_empty() && head.chars().any(|c| c != '/') {
        head.trim_end_matches('/').to_owned()
    } else {
        head.to_owned()
    }
}

/// `os.path.splitext`: `('archive.tar', '.gz')`; a leading dot is not an extension.
fn splitext(path: &str) -> Value {
    let name_start = path.rfind('/').map_or(0, |i| i + 1);
    let name = &path[name_start..];
    let dots = name.len() - name.trim_start_matches('.').len();
    match name.rfind('.').filter(|&i| i >= dots && dots < name.len()) {
        Some(i) => Value::from(vec![
            path[..name_start + i].to_owned(),
            name[i..].to_owned(),
        ]),
        None => Value::from(vec![path.to_owned(), String::new()]),
    }
}

/// `~` and `~/x` become the controller user's home.
fn expanduser(path: &str) -> String {
    let home = std::env::var("HOME").unwrap_or_default();
    match path.strip_prefix('~') {
        Some("") => home,
        Some(rest) if rest.starts_with('/') => format!("{home}{rest}"),
        _ => path.to_owned(),
    }
}

/// `os.path.relpath`: `path` as seen from `start` (default: the working directory), worked out
/// on the text alone after making both absolute.
fn relpath(path: &str, start: Option<&str>) -> String {
    let absolute = |p: &str| -> Vec<String> {
        let p = std::path::absolute(p).unwrap_or_else(|_| Path::new(p).to_path_buf());
        let mut parts: Vec<String> = Vec::new();
        for part in p.to_string_lossy().split('/') {
            match part {
                "" | "." => {}
                ".." => {
                    parts.pop();
                }
                other => parts.push(other.to_owned()),
            }
        }
        parts
    };
    let (to, from) = (absolute(path), absolute(start.unwrap_or(".")));
    let common = to.iter().zip(&from).take_while(|(a, b)| a == b).count();
    let mut rel: Vec<&str> = vec![".."; from.len() - common];
    rel.extend(to[common..].iter().map(String::as_str));
    if rel.is_empty() {
        ".".to_owned()
    } else {
        rel.join("/")
    }
}

fn realpath(path: &str) -> String {
    std::fs::canonicalize(path)
        .or_else(|_| std::path::absolute(path))
        .map_or_else(|_| path.to_owned(), |p| p.to_string_lossy().into_owned())
}

/// `['/etc', 'app', 'conf.d'] | path_join`; an absolute part starts over, as in Python.
fn path_join(parts: &Value) -> Result<String, Error> {
    if let Some(s) = parts.as_str() {
        return Ok(s.to_owned());
    }
    let mut joined = std::path::PathBuf::new();
    for part in parts
        .try_iter()
        .map_err(|_| failure("path_join expects a list of strings"))?
    {
        let part = part
            .as_str()
            .ok_or_else(|| failure("path_join expects a list of strings"))?
            .to_owned();
        joined.push(Path::new(&part));
    }
    Ok(joined.to_string_lossy().into_owned())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::template::templar::tests::{native, render};

    #[test]
    fn os_path_semantics() {
        let ctx = json!({"p": "/etc/nginx/nginx.conf"});
        assert_eq!(render("{{ p | basename }}", ctx.clone()), "nginx.conf");
        assert_eq!(render("{{ p | dirname }}", ctx.clone()), "/etc/nginx");
        assert_eq!(render("{{ '/etc/' | dirname }}", ctx.clone()), "/etc");
        assert_eq!(render("{{ 'file' | dirname }}", ctx.clone()), "");
        assert_eq!(render("{{ '/file' | dirname }}", ctx.clone()), "/");
        assert_eq!(
            native("{{ 'a/archive.tar.gz' | splitext }}", ctx.clone()),
            json!(["a/archive.tar", ".gz"])
        );
        assert_eq!(
            native("{{ '.bashrc' | splitext }}", ctx.clone()),
            json!([".bashrc", ""])
        );
        assert_eq!(render("{{ (p | splitext)[1] }}", ctx.clone()), ".conf");
        assert_eq!(
            render("{{ ['/etc', 'app', 'x.conf'] | path_join }}", ctx.clone()),
            "/etc/app/x.conf"
        );
        assert_eq!(render("{{ ['a', '/abs'] | path_join }}", ctx), "/abs");
    }

    #[test]
    fn relpath_walks_up_and_down() {
        let t = |s: &str| render(s, json!({}));
        assert_eq!(t("{{ '/a/b/c.txt' | relpath('/a') }}"), "b/c.txt");
        assert_eq!(t("{{ '/a/x' | relpath('/a/b/c') }}"), "../../x");
        assert_eq!(t("{{ '/a/b/' | relpath('/a/b') }}"), ".");
        assert_eq!(t("{{ '/a/./b/../c' | relpath('/') }}"), "a/c");
    }

    #[test]
    fn expanduser_and_realpath() {
        let home = std::env::var("HOME").unwrap();
        assert_eq!(
            render("{{ '~/.ssh' | expanduser }}", json!({})),
            format!("{home}/.ssh")
        );
        assert_eq!(
            render("{{ '~other/x' | expanduser }}", json!({})),
            "~other/x"
        );
        let dir = std::env::temp_dir().canonicalize().unwrap();
        assert_eq!(
            render("{{ (d ~ '/.') | realpath }}", json!({"d": dir})),
            dir.to_string_lossy()
        );
    }
}
