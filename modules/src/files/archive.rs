//! `archive`: pack paths on the target into a tar (plain, gz, bz2, xz) or zip archive, or
//! compress a single file. A second run with unchanged sources reports unchanged: the
//! archive is compared with the disk (`tar --compare` and the list of names).

use serde::Deserialize;

use crate::{
    files::archive_format::Format,
    helpers::args::{Bool, List, Mode, Str},
    helpers::file_attrs::AttrSpec,
    helpers::replace_file::{self, Fill, Replace},
    helpers::shell_text::{quote, quote_path},
    Context, FileAttrs, Module, ModuleError, Query, Report,
};

pub struct Archive;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
    pub path: List,
    pub dest: Option<String>,
    #[serde(default)]
    pub format: Format,
    #[serde(default)]
    pub remove: Bool,
    #[serde(default)]
    pub exclude_path: List,
    #[serde(default)]
    pub force_archive: Bool,
    pub owner: Option<Str>,
    pub group: Option<Str>,
    pub mode: Option<Mode>,
}

/// What the query learnt and what apply must do.
pub struct Change {
    compress_only: bool,
    present: Vec<String>,
}

struct Layout {
    root: String,
    members: Vec<String>,
    dest: String,
    excludes: Vec<String>,
}

fn parent_of(path: &str) -> &str {
    match path.trim_end_matches('/').rfind('/') {
        Some(0) => "/",
        Some(i) => &path[..i],
        None => ".",
    }
}

impl Args {
    fn layout(&self) -> Result<Layout, ModuleError> {
        let paths: Vec<String> = self
            .path
            .0
            .iter()
            .map(|p| p.trim_end_matches('/').to_string())
            .collect();
        if paths.is_empty() {
            return Err(ModuleError::args("archive: path is required"));
        }
        if paths.iter().any(|p| p.contains(['*', '?', '['])) {
            return Err(ModuleError::args(
                "archive: glob patterns in path are not supported",
            ));
        }
        let dest = match (&self.dest, paths.len()) {
            (Some(d), _) => d.clone(),
            (None, 1) => format!("{}.{}", paths[0], self.format.extension()),
            (None, _) => {
                return Err(ModuleError::args(
                    "archive: dest is required with several paths",
                ))
            }
        };
        // The archive holds paths relative to their common parent, as Ansible's arcroot.
        let mut root = parent_of(&paths[0]).to_string();
        while !paths
            .iter()
            .all(|p| p.starts_with(&format!("{}/", root.trim_end_matches('/'))))
        {
            root = parent_of(&root).to_string();
        }
        let strip = |p: &str| {
            let prefix = format!("{}/", root.trim_end_matches('/'));
            p.strip_prefix(&prefix).unwrap_or(p).to_string()
        };
        let members = paths.iter().map(|p| strip(p)).collect();
        let excludes = self
            .exclude_path
            .0
            .iter()
            .map(|p| strip(p.trim_end_matches('/')))
            .collect();
        Ok(Layout {
            root,
            members,
            dest,
            excludes,
        })
    }
}

/// `set --` with the members that exist, printing `MISSING <m>` for the others.
fn collect_present(members: &[String]) -> String {
    let mut script = String::from("set --\n");
    for m in members {
        let q = quote_path(m);
        script.push_str(&format!(
            "if [ -e {q} ] || [ -L {q} ]; then set -- \"$@\" {q}; else printf 'MISSING %s\\n' {}; fi\n",
            quote(m)
        ));
    }
    script
}

fn excludes(layout: &Layout, zip: bool) -> String {
    layout
        .excludes
        .iter()
        .map(|e| {
            if zip {
                format!(" -x {}", quote(&format!("{e}*")))
            } else {
                format!(" --exclude={}", quote(e))
            }
        })
        .collect()
}

/// Prints `COMPRESS` or `ARCHIVE`, then `NEW`, `SAME`, `DIFF` or `NOTHING`.
fn query_script(args: &Args, layout: &Layout) -> String {
    let d = quote_path(&layout.dest);
    let mut s = format!(
        "cd {} || exit 3\n{}",
        quote_path(&layout.root),
        collect_present(&layout.members)
    );
    s.push_str(&format!("if [ $# -eq 0 ]; then if [ -e {d} ]; then echo ARCHIVE; echo SAME; else echo NOTHING; fi; exit 0; fi\n"));
    let single = layout.members.len() == 1 && !args.force_archive.0;
    if let (Some(tool), true) = (args.format.compressor(), single) {
        let m = quote_path(&layout.members[0]);
        s.push_str(&format!(
            "if [ -f {m} ]; then echo COMPRESS\n  if [ ! -e {d} ]; then echo NEW\n  elif [ \"$({tool} -dc < {d} | sha1sum)\" = \"$(sha1sum < {m})\" ]; then echo SAME; else echo DIFF; fi\n  exit 0\nfi\n"
        ));
    }
    s.push_str(&format!(
        "echo ARCHIVE\nif [ ! -e {d} ]; then echo NEW; exit 0; fi\n"
    ));
    let names = "sed 's,/$,,' | LC_ALL=C sort";
    let ex = excludes(layout, args.format == Format::Zip);
    if args.format == Format::Zip {
        s.push_str(&format!(
            "if [ \"$(unzip -Z1 {d} | {names})\" = \"$(find \"$@\" | {names})\" ] && [ -z \"$(find \"$@\" -newer {d} | head -n 1)\" ]; then echo SAME; else echo DIFF; fi\n"
        ));
    } else {
        s.push_str(&format!(
            "if tar -d -f {d} \"$@\" >/dev/null 2>&1 && [ \"$(tar -t -f {d} | {names})\" = \"$(tar -c -f -{ex} \"$@\" | tar -t -f - | {names})\" ]; then echo SAME; else echo DIFF; fi\n"
        ));
    }
    s
}

impl Module for Archive {
    type Args = Args;
    type Change = Change;
    const NAME: &'static str = "archive";

    fn query(&self, args: &Args, cx: &Context) -> Result<Query<Change>, ModuleError> {
        let layout = args.layout()?;
        let out = cx.target.run(&query_script(args, &layout), None)?;
        if !out.success() {
            return Err(ModuleError::failed(format!(
                "archive: {}",
                out.stderr_str().trim()
            )));
        }
        let stdout = out.stdout_str();
        let missing: Vec<&str> = stdout
            .lines()
            .filter_map(|l| l.strip_prefix("MISSING "))
            .collect();
        let has = |w: &str| stdout.lines().any(|l| l == w);
        if has("NOTHING") {
            return Err(ModuleError::failed(format!(
                "Error, could not find any of the paths: {}",
                args.path.0.join(", ")
            )));
        }
        let present: Vec<String> = layout
            .members
            .iter()
            .filter(|m| !missing.contains(&m.as_str()))
            .cloned()
            .collect();
        let compress_only = has("COMPRESS");
        let root = layout.root.trim_end_matches('/');
        let archived: Vec<String> = present.iter().map(|m| format!("{root}/{m}")).collect();
        let report = Report::ok()
            .with("dest", layout.dest.clone())
            .with("arcroot", format!("{root}/"))
            .with("archived", archived)
            .with(
                "missing",
                missing
                    .iter()
                    .map(|m| format!("{root}/{m}"))
                    .collect::<Vec<_>>(),
            )
            .with("state", if compress_only { "compress" } else { "archive" });
        if has("SAME") {
            return Ok(Query::unchanged(report));
        }
        Ok(Query::change(Change {
            compress_only,
            present,
        })
        .with_report(report))
    }

    fn apply(&self, args: &Args, change: Change, cx: &Context) -> Result<Report, ModuleError> {
        let layout = args.layout()?;
        let Some(temp) = replace_file::temp_beside(&layout.dest) else {
            return Err(ModuleError::failed(format!(
                "archive: cannot write to '{}': not a file path",
                layout.dest
            )));
        };
        let members: Vec<String> = change.present.iter().map(|m| quote_path(m)).collect();
        let members = members.join(" ");
        let make = match (change.compress_only, args.format) {
            (true, format) => {
                let tool = format
                    .compressor()
                    .expect("compress-only formats have a compressor");
                format!("{tool} -c < {members}")
            }
            (false, Format::Zip) => {
                format!("zip -q -r - {members}{}", excludes(&layout, true))
            }
            (false, format) => format!(
                "tar -c {} -f -{} {members}",
                format.tar_flag(),
                excludes(&layout, false)
            ),
        };
        // Made in the archived tree's root, written through the replacement's descriptor.
        let fill = format!("( cd {} && {make} )", quote_path(&layout.root));
        let mode = match &args.mode {
            Some(mode) => AttrSpec::new(None, None, Some(mode.clone())).resolve_mode(0o644, false)?,
            None => None,
        };
        let attrs = FileAttrs {
            mode,
            owner: args.owner.clone().map(|s| s.0),
            group: args.group.clone().map(|s| s.0),
        };
        let replace = Replace {
            dest: &layout.dest,
            temp: &temp,
            fill: Fill::Command(&fill),
            attrs: &attrs,
            new_file_mode: None,
            validate: None,
        };
        let mut s = format!("(\n{}) || exit 1\n", replace.script());
        if args.remove.0 {
            s.push_str(&format!(
                "cd {} && rm -rf -- {members}\n",
                quote_path(&layout.root)
            ));
        }
        let out = cx.target.run(&s, None)?;
        if !out.success() {
            return Err(ModuleError::failed(format!(
                "archive: {}",
                out.stderr_str().trim()
            )));
        }
        Ok(Report::changed())
    }
}

#[cfg(test)]
mod tests {
    use std::{fs, path::Path, process::Command};

    use serde_json::json;

    use crate::{testing::*, ModuleError};

    fn listing(archive: &str) -> Vec<String> {
        let out = Command::new("tar").args(["-tf", archive]).output().unwrap();
        let mut names: Vec<String> = String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect();
        names.sort();
        names
    }

    fn twice(args: serde_json::Value) -> crate::Report {
        let predicted = check("archive", args.clone());
        let first = apply("archive", args.clone());
        assert_eq!(predicted.changed, first.changed);
        let second = apply("archive", args);
        assert!(!second.changed, "second run changed: {second:?}");
        first
    }

    #[test]
    fn a_directory_to_tar_gz_then_unchanged_until_the_tree_changes() {
        let s = Scratch::new();
        s.write("opt/app-1.0/bin/run", "#!/bin/sh\n");
        s.write("opt/app-1.0/conf", "x=1\n");
        s.write("opt/app-1.0/cache/junk", "junk");
        let dest = s.path("app.tgz");
        let args = json!({"path": s.path("opt/app-1.0"), "dest": dest, "format": "gz",
                          "exclude_path": [s.path("opt/app-1.0/cache")]});
        let r = twice(args.clone());
        assert!(r.changed);
        assert_eq!(field(&r, "arcroot"), format!("{}/", s.path("opt")).as_str());
        let names = listing(&dest);
        assert!(names.contains(&"app-1.0/bin/run".to_string()), "{names:?}");
        assert!(!names.iter().any(|n| n.contains("junk")), "{names:?}");
        s.write("opt/app-1.0/conf", "x=2\n");
        assert!(apply("archive", args.clone()).changed);
        s.write("opt/app-1.0/new", "n");
        assert!(apply("archive", args.clone()).changed);
        assert!(listing(&dest).contains(&"app-1.0/new".to_string()));
        assert_eq!(round_trips("archive", args), 1);
    }

    #[test]
    fn single_file_is_compressed_and_removed() {
        let s = Scratch::new();
        let f = s.write("big.log", "log line\n");
        let r = twice(json!({"path": f, "remove": true}));
        assert_eq!(field(&r, "state"), "compress");
        assert!(!Path::new(&f).exists());
        let out = Command::new("gzip")
            .args(["-dc", &format!("{f}.gz")])
            .output()
            .unwrap();
        assert_eq!(out.stdout, b"log line\n");
    }

    #[test]
    fn several_paths_to_zip_and_errors() {
        let s = Scratch::new();
        let a = s.write("d/a", "a");
        let b = s.write("d/b", "b");
        let dest = s.path("ab.zip");
        twice(json!({"path": [a, b], "dest": dest, "format": "zip"}));
        assert!(fs::metadata(&dest).unwrap().len() > 0);
        assert!(matches!(
            error("archive", json!({"path": [a, b]})),
            ModuleError::Args(_)
        ));
        let e = error(
            "archive",
            json!({"path": s.path("ghost"), "dest": s.path("g.tgz")}),
        );
        assert!(matches!(e, ModuleError::Failed(_)));
    }
}
