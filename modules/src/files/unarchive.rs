//! `unarchive`: extract a tar (any compression GNU tar reads) or zip archive into a
//! directory on the target. The archive comes from the controller (streamed to a temp file
//! on the target) or, with `remote_src`, is already there. A run where the archive's
//! content already matches the disk (`tar --compare`) reports unchanged.

use std::{fs, io::Read, path::Path};

use serde::Deserialize;

use crate::{
    files::archive_format::Format,
    helpers::args::{Bool, List, Mode, Str},
    helpers::shell_text::{quote, quote_path},
    Context, FileAttrs, Module, ModuleError, Query, Report,
};

pub struct Unarchive;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
    pub src: String,
    pub dest: String,
    #[serde(default)]
    pub remote_src: Bool,
    /// Ansible's older spelling: `copy: false` is `remote_src: true`.
    pub copy: Option<Bool>,
    pub creates: Option<String>,
    #[serde(default)]
    pub extra_opts: List,
    #[serde(default)]
    pub exclude: List,
    #[serde(default)]
    pub list_files: Bool,
    pub owner: Option<Str>,
    pub group: Option<Str>,
    pub mode: Option<Mode>,
    #[serde(default)]
    pub keep_newer: Bool,
    pub validate_certs: Option<Bool>,
}

impl Args {
    fn remote(&self) -> bool {
        self.remote_src.0 || self.copy.is_some_and(|c| !c.0)
    }
}

/// The archive, now on the target, to extract.
pub struct Change {
    archive: String,
    uploaded: bool,
}

fn fail(msg: impl Into<String>) -> ModuleError {
    ModuleError::failed(msg)
}

fn opts(list: &List) -> String {
    list.0.iter().map(|o| format!(" {}", quote(o))).collect()
}

fn excludes(args: &Args) -> String {
    args.exclude
        .0
        .iter()
        .map(|e| format!(" --exclude={}", quote(e)))
        .collect()
}

/// A script comparing the archive with `dest`: prints `SAME` or `DIFF` (or `NODEST`), and
/// removes the archive when it is a temp upload that apply will not need.
/// Ownership is not compared (an unprivileged extraction cannot keep it), nor the mode when
/// `mode` is forced on every file.
fn compare_script(args: &Args, archive: &str, zip: bool, remove_when_same: bool) -> String {
    let a = quote_path(archive);
    let d = quote_path(&args.dest);
    let mut s = format!("if [ ! -d {d} ]; then echo NODEST; exit 0; fi\n");
    if zip {
        // Every file entry must exist with the listed size.
        s.push_str(&format!(
            "diffs=$(cd {d} && unzip -Z -l {a} | awk 'NF>=10 && $1 !~ /^d/ {{print $4\" \"$NF}}' | while read -r size name; do [ \"$(stat -c %s -- \"$name\" 2>/dev/null)\" = \"$size\" ] || echo \"$name differs\"; done)\n"
        ));
    } else {
        let mode = if args.mode.is_some() {
            " -e 'Mode differs$'"
        } else {
            ""
        };
        s.push_str(&format!(
            "diffs=$(tar -d -f {a} -C {d}{}{} 2>&1 | grep -v -e 'Uid differs$' -e 'Gid differs$'{mode})\n",
            excludes(args),
            opts(&args.extra_opts)
        ));
    }
    let cleanup = if remove_when_same {
        format!("; rm -f -- {a}")
    } else {
        String::new()
    };
    s.push_str(&format!(
        "if [ -n \"$diffs\" ]; then echo DIFF; printf '%s\\n' \"$diffs\" | sed 's/^/T /'; else echo SAME{cleanup}; fi\n"
    ));
    s
}

impl Unarchive {
    /// Uploads a controller archive next to nothing important: a temp file in /tmp.
    fn upload(&self, cx: &Context, src: &str) -> Result<String, ModuleError> {
        let local = Path::new(src);
        let mut file = fs::File::open(local)
            .map_err(|e| fail(format!("Could not find or access '{src}': {e}")))?;
        let len = file
            .metadata()
            .map_err(|e| fail(format!("{src}: {e}")))?
            .len();
        let name = local
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let tmp = format!(
            "/tmp/.troupe-unarchive.{}.{name}",
            crate::replace_file::random_token()
        );
        let attrs = FileAttrs {
            mode: Some(0o600),
            owner: None,
            group: None,
        };
        cx.target
            .put(&tmp, &mut file as &mut dyn Read, len, &attrs)?;
        Ok(tmp)
    }
}

impl Module for Unarchive {
    type Args = Args;
    type Change = Change;
    const NAME: &'static str = "unarchive";
    const CONTROLLER_SRC: Option<&'static str> = Some("files");

    fn query(&self, args: &Args, cx: &Context) -> Result<Query<Change>, ModuleError> {
        let report = Report::ok()
            .with("dest", args.dest.clone())
            .with("src", args.src.clone());
        if let Some(creates) = &args.creates {
            let c = quote_path(creates);
            let out = cx.target.run(&format!("[ -e {c} ] || [ -L {c} ]"), None)?;
            if out.success() {
                let msg = format!("skipped, since {creates} exists");
                return Ok(Query::unchanged(report.with("msg", msg)));
            }
        }
        let zip = Format::of_archive(&args.src) == Some(Format::Zip);
        let remote = args.remote();
        if !remote && !Path::new(&args.src).is_file() {
            return Err(fail(format!(
                "Source '{}' failed to transfer or is not a file",
                args.src
            )));
        }
        let archive = if remote {
            args.src.clone()
        } else {
            self.upload(cx, &args.src)?
        };
        let mut script = String::new();
        // The task's environment (a PATH without /usr/bin...) decides, as for Ansible.
        if zip {
            script.push_str("command -v unzip >/dev/null || { echo NOUNZIP; exit 0; }\n");
        }
        if remote {
            let a = quote_path(&archive);
            script.push_str(&format!("if [ ! -f {a} ]; then echo NOSRC; exit 0; fi\n"));
        }
        script.push_str(&compare_script(args, &archive, zip, !remote));
        if !remote && cx.check_mode {
            // apply will not run to clean up after us.
            script.push_str(&format!("rm -f -- {}\n", quote_path(&archive)));
        }
        let out = cx.target.run(&script, None)?;
        let stdout = out.stdout_str();
        let has = |w: &str| stdout.lines().any(|l| l == w);
        if has("NOSRC") {
            return Err(fail(format!("Source '{}' does not exist", args.src)));
        }
        let refused = if has("NOUNZIP") {
            Some("Unable to find required 'unzip' or 'zipinfo' binary in the path.".to_string())
        } else if has("NODEST") {
            Some(format!("path {} does not exist", args.dest))
        } else {
            None
        };
        if let Some(why) = refused {
            if !remote {
                let _ = cx
                    .target
                    .run(&format!("rm -f -- {}", quote_path(&archive)), None);
            }
            return Err(fail(why));
        }
        if has("SAME") {
            return Ok(Query::unchanged(report));
        }
        if !has("DIFF") {
            return Err(fail(format!(
                "comparing {} with {} failed: {}",
                args.src,
                args.dest,
                out.stderr_str()
            )));
        }
        Ok(Query::change(Change {
            archive,
            uploaded: !remote,
        })
        .with_report(report))
    }

    fn apply(&self, args: &Args, change: Change, cx: &Context) -> Result<Report, ModuleError> {
        let a = quote_path(&change.archive);
        let d = quote_path(&args.dest);
        let zip = Format::of_archive(&args.src) == Some(Format::Zip);
        let keep = if args.keep_newer.0 {
            " --keep-newer-files"
        } else {
            ""
        };
        let mut s = if zip {
            format!("unzip -o -q{} {a} -d {d}\n", opts(&args.extra_opts))
        } else {
            format!(
                "tar -x -p -f {a} -C {d}{keep}{}{}\n",
                excludes(args),
                opts(&args.extra_opts)
            )
        };
        let list = if zip {
            format!("unzip -Z1 {a}")
        } else {
            format!("tar -t -f {a}{}", excludes(args))
        };
        let owner_group = match (&args.owner, &args.group) {
            (Some(o), Some(g)) => Some(format!("{}:{}", o.0, g.0)),
            (Some(o), None) => Some(o.0.clone()),
            (None, Some(g)) => Some(format!(":{}", g.0)),
            (None, None) => None,
        };
        let mut per_file = String::new();
        if let Some(og) = owner_group {
            per_file.push_str(&format!("chown -h {} \"$f\"; ", quote(&og)));
        }
        if let Some(mode) = &args.mode {
            let m = match mode {
                Mode::Bits(b) => format!("{b:04o}"),
                Mode::Symbolic(s) => s.clone(),
            };
            per_file.push_str(&format!("[ -L \"$f\" ] || chmod {} \"$f\"; ", quote(&m)));
        }
        if !per_file.is_empty() {
            s.push_str(&format!(
                "{list} | while IFS= read -r f; do f={d}/\"$f\"; {per_file}done\n"
            ));
        }
        if args.list_files.0 {
            s.push_str(&format!("{list} | sed 's/^/F /'\n"));
        }
        if change.uploaded {
            s.push_str(&format!("rm -f -- {a}\n"));
        }
        let out = cx.target.run(&format!("set -e\n{s}"), None)?;
        if !out.success() {
            if change.uploaded {
                let _ = cx.target.run(&format!("rm -f -- {a}"), None);
            }
            return Err(fail(format!(
                "failed to unpack {}: {}",
                args.src,
                out.stderr_str().trim()
            )));
        }
        let mut report = Report::changed();
        if args.list_files.0 {
            let files: Vec<String> = out
                .stdout_str()
                .lines()
                .filter_map(|l| l.strip_prefix("F "))
                .map(str::to_string)
                .collect();
            report = report.with("files", files);
        }
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use std::{fs, path::Path, process::Command};

    use serde_json::json;

    use crate::{testing::*, ModuleError};

    fn twice(args: serde_json::Value) -> crate::Report {
        let predicted = check("unarchive", args.clone());
        let first = apply("unarchive", args.clone());
        assert_eq!(
            predicted.changed, first.changed,
            "check mode predicted {predicted:?}"
        );
        let second = apply("unarchive", args);
        assert!(!second.changed, "second run changed: {second:?}");
        first
    }

    fn tarball(s: &Scratch) -> String {
        s.write("build/gluu-server-4.5/etc/gluu.conf", "a=1\n");
        s.write(
            "build/gluu-server-4.5/opt/jetty/start.ini",
            "--module=http\n",
        );
        // Unique, so the upload's temp name can be looked for.
        let unique = s
            .dir
            .path()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let archive = s.path(&format!("gluu{unique}.tgz"));
        let ok = Command::new("tar")
            .args(["-czf", &archive, "-C", &s.path("build"), "gluu-server-4.5"])
            .status()
            .unwrap();
        assert!(ok.success());
        archive
    }

    #[test]
    fn controller_archive_extracts_once_and_again_when_disk_differs() {
        let s = Scratch::new();
        let archive = tarball(&s);
        let dest = s.path("opt");
        fs::create_dir(&dest).unwrap();
        let args = json!({"src": archive, "dest": dest, "list_files": true});
        let r = twice(args.clone());
        assert!(r.changed);
        let conf = s.path("opt/gluu-server-4.5/etc/gluu.conf");
        assert_eq!(fs::read_to_string(&conf).unwrap(), "a=1\n");
        assert!(field(&r, "files").as_array().unwrap().len() >= 3);
        fs::write(&conf, "tampered\n").unwrap();
        assert!(apply("unarchive", args.clone()).changed);
        assert_eq!(fs::read_to_string(&conf).unwrap(), "a=1\n");
        let archive_name = Path::new(&archive)
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let uploads = fs::read_dir("/tmp")
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(&archive_name))
            .count();
        assert_eq!(uploads, 0, "temp uploads left in /tmp");
        let target = LocalTarget::new();
        let r = run_module(&target, "unarchive", args, false, false).unwrap();
        assert!(!r.changed);
        assert_eq!(
            target.runs(),
            1,
            "one round trip (plus the upload) when nothing changes"
        );
    }

    #[test]
    fn remote_src_creates_and_owner() {
        let s = Scratch::new();
        let archive = tarball(&s);
        let dest = s.path("dest");
        fs::create_dir(&dest).unwrap();
        twice(
            json!({"src": archive, "dest": dest, "remote_src": true, "owner": "nobody", "mode": "0750"}),
        );
        let conf = s.path("dest/gluu-server-4.5/etc/gluu.conf");
        assert_eq!(mode_of(Path::new(&conf)), 0o750);
        let r = apply(
            "unarchive",
            json!({"src": archive, "dest": s.path("elsewhere"), "remote_src": true, "creates": conf}),
        );
        assert!(!r.changed);
        let e = error(
            "unarchive",
            json!({"src": archive, "dest": s.path("elsewhere"), "remote_src": true}),
        );
        assert!(matches!(e, ModuleError::Failed(m) if m.contains("does not exist")));
        assert!(matches!(
            error("unarchive", json!({"src": archive})),
            ModuleError::Args(_)
        ));
    }

    #[test]
    fn zip_archives() {
        let s = Scratch::new();
        s.write("z/a.txt", "a");
        let zip = s.path("a.zip");
        let ok = Command::new("sh")
            .arg("-c")
            .arg(format!("cd {} && zip -q -r {zip} a.txt", s.path("z")))
            .status()
            .unwrap();
        assert!(ok.success());
        let dest = s.path("out");
        fs::create_dir(&dest).unwrap();
        twice(json!({"src": zip, "dest": dest}));
        assert_eq!(fs::read_to_string(s.path("out/a.txt")).unwrap(), "a");
    }
}
