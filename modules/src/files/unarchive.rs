//! `unarchive`: extract a tar (any compression GNU tar reads) or zip archive into a
//! directory on the target. The archive comes from the controller (streamed to a temp file
//! on the target) or, with `remote_src`, is already there. A run where the archive's
//! content already matches the disk (`tar --compare`) reports unchanged.

use std::{fs, io::Read, path::Path};

use serde::Deserialize;

use crate::{
    files::archive_format::Format,
    helpers::args::{check_symbolic, Bool, List, Mode, Str},
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
    /// Only these members (names or, for zip, patterns) are extracted.
    #[serde(default)]
    pub include: List,
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
    /// `dest` made absolute on the target.
    dest: String,
}

fn fail(msg: impl Into<String>) -> ModuleError {
    ModuleError::failed(msg)
}

fn opts(list: &List) -> String {
    list.0.iter().map(|o| format!(" {}", quote(o))).collect()
}

/// How the archive is read on the target: with GNU tar (found on the PATH, named by its
/// path as Ansible runs it, so its errors say which tar) or unzip, keeping to the members
/// `include` names and leaving out those `exclude` matches.
struct Reader<'a> {
    args: &'a Args,
    zip: bool,
    /// The archive's path, quoted.
    archive: String,
    /// The destination, quoted.
    dest: String,
}

impl Reader<'_> {
    fn includes(&self) -> String {
        opts(&self.args.include)
    }

    /// tar's `--exclude=` options, or unzip's `-x` list.
    fn excludes(&self) -> String {
        let exclude = &self.args.exclude.0;
        if self.zip {
            if exclude.is_empty() {
                return String::new();
            }
            return format!(" -x{}", opts(&self.args.exclude));
        }
        exclude
            .iter()
            .map(|e| format!(" --exclude={}", quote(e)))
            .collect()
    }

    /// Lists the members that will be extracted, one per line, as tar names them after
    /// `extra_opts` (say `--strip-components`) and unescaped.
    fn list(&self) -> String {
        let (a, opts_text) = (&self.archive, opts(&self.args.extra_opts));
        match self.zip {
            true => format!("unzip -Z1 {a}{}{}", self.includes(), self.excludes()),
            false => format!(
                "\"$tar\" -t --quoting-style=literal --show-transformed-names{opts_text} -f {a}{}{}",
                self.excludes(),
                self.includes()
            ),
        }
    }

    /// Extracts into the destination.
    fn extract(&self) -> String {
        let (a, d) = (&self.archive, &self.dest);
        let extra = opts(&self.args.extra_opts);
        if self.zip {
            return format!("unzip -o -q{extra} {a}{}{} -d {d}\n", self.includes(), self.excludes());
        }
        let keep = if self.args.keep_newer.0 { " --keep-newer-files" } else { "" };
        format!(
            "\"$tar\" -x -p -f {a} -C {d}{keep}{}{extra}{}\n",
            self.excludes(),
            self.includes()
        )
    }

    /// A script comparing the archive with the destination: prints `SAME` or `DIFF`.
    /// Ownership is not compared (an unprivileged extraction cannot keep it), nor the mode
    /// when `mode` is forced on every file.
    fn compare(&self) -> String {
        let (a, d) = (&self.archive, &self.dest);
        let diffs = if self.zip {
            // Every file entry must exist with the listed size.
            format!(
                "diffs=$(cd {d} && unzip -Z -l {a}{}{} | awk 'NF>=10 && $1 !~ /^d/ {{print $4\" \"$NF}}' | while read -r size name; do [ \"$(stat -c %s -- \"$name\" 2>/dev/null)\" = \"$size\" ] || echo \"$name differs\"; done)\n",
                self.includes(),
                self.excludes()
            )
        } else {
            let mode = if self.args.mode.is_some() { " -e 'Mode differs$'" } else { "" };
            format!(
                "diffs=$(\"$tar\" -d -f {a} -C {d}{}{}{} 2>&1 | grep -v -e 'Uid differs$' -e 'Gid differs$'{mode})\n",
                self.excludes(),
                opts(&self.args.extra_opts),
                self.includes()
            )
        };
        format!("{diffs}if [ -n \"$diffs\" ]; then echo DIFF; else echo SAME; fi\n")
    }
}

/// Finds GNU tar for the scripts (`$tar`).
const FIND_TAR: &str = "tar=$(command -v tar || echo tar)\n";

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
        if !args.include.0.is_empty() && !args.exclude.0.is_empty() {
            return Err(ModuleError::args(
                "parameters are mutually exclusive: include|exclude",
            ));
        }
        if let Some(mode) = &args.mode {
            check_symbolic(mode)?;
        }
        let mut report = Report::ok()
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
        // A relative destination is taken from where the target's commands start, as
        // Ansible takes it from its module's working directory, and said so.
        let dest = if args.dest.starts_with('/') {
            args.dest.clone()
        } else {
            let pwd = cx.target.run("pwd", None)?.stdout_str();
            let dest = format!("{}/{}", pwd.trim_end().trim_end_matches('/'), args.dest);
            report = report.warn(format!(
                "Relative destination path '{}' was resolved to absolute path '{dest}'.",
                args.dest
            ));
            dest
        };
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
        let reader = Reader {
            args,
            zip,
            archive: quote_path(&archive),
            dest: quote_path(&dest),
        };
        let (a, d) = (&reader.archive, &reader.dest);
        let mut script = String::from(FIND_TAR);
        // The task's environment (a PATH without /usr/bin...) decides, as for Ansible.
        if zip {
            script.push_str("command -v unzip >/dev/null || { echo NOUNZIP; exit 0; }\n");
        }
        if remote {
            script.push_str(&format!("if [ ! -f {a} ]; then echo NOSRC; exit 0; fi\n"));
        }
        script.push_str(&format!("if [ ! -d {d} ]; then echo NODEST; exit 0; fi\n"));
        script.push_str(&format!(
            "files=$({} 2>&1) || {{ echo NOLIST; printf '%s\\n' \"$files\" | sed 's/^/E /'; exit 0; }}\n",
            reader.list()
        ));
        if args.list_files.0 {
            script.push_str("printf '%s\\n' \"$files\" | sed 's/^/F /'\n");
        }
        script.push_str(&reader.compare());
        if !remote {
            // A temp upload apply will not need goes now.
            script.push_str(&format!(
                "if [ -n \"$diffs\" ] && [ -z \"$CHECK\" ]; then :; else rm -f -- {a}; fi\n"
            ));
            if cx.check_mode {
                script.insert_str(0, "CHECK=1\n");
            }
        }
        let out = cx.target.run(&script, None)?;
        let stdout = out.stdout_str();
        let has = |w: &str| stdout.lines().any(|l| l == w);
        let prefixed = |p: &str| -> Vec<String> {
            stdout
                .lines()
                .filter_map(|l| l.strip_prefix(p))
                .map(str::to_string)
                .collect()
        };
        if has("NOSRC") {
            return Err(fail(format!("Source '{}' does not exist", args.src)));
        }
        let refused = if has("NOUNZIP") {
            Some("Unable to find required 'unzip' or 'zipinfo' binary in the path.".to_string())
        } else if has("NODEST") {
            Some(format!("path {dest} does not exist"))
        } else if has("NOLIST") {
            Some(format!(
                "Unable to list files in the archive: {}",
                prefixed("E ").join("\n")
            ))
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
        if args.list_files.0 {
            report = report.with("files", prefixed("F "));
        }
        if has("SAME") {
            return Ok(Query::unchanged(report));
        }
        if !has("DIFF") {
            return Err(fail(format!(
                "comparing {} with {dest} failed: {}",
                args.src,
                out.stderr_str()
            )));
        }
        Ok(Query::change(Change {
            archive,
            uploaded: !remote,
            dest,
        })
        .with_report(report))
    }

    fn apply(&self, args: &Args, change: Change, cx: &Context) -> Result<Report, ModuleError> {
        let reader = Reader {
            args,
            zip: Format::of_archive(&args.src) == Some(Format::Zip),
            archive: quote_path(&change.archive),
            dest: quote_path(&change.dest),
        };
        let (a, d) = (&reader.archive, &reader.dest);
        let mut s = format!("{FIND_TAR}{}", reader.extract());
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
            // Each member, and the top directory of each (an archive need not list it).
            s.push_str(&format!(
                "{} | awk '{{print}} index($0, \"/\") > 1 {{split($0, p, \"/\"); print p[1]}}' | awk '!seen[$0]++' \\\n\
                 | while IFS= read -r f; do f={d}/\"$f\"; {per_file}done\n",
                reader.list()
            ));
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
        Ok(Report::changed())
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

    /// A zip and a tar of the same tree: keep/a.txt, keep/b.txt, skip/c.txt.
    fn both_kinds(s: &Scratch) -> (String, String) {
        for name in ["keep/a.txt", "keep/b.txt", "skip/c.txt"] {
            s.write(&format!("z/{name}"), name);
        }
        let (zip, tar) = (s.path("t.zip"), s.path("t.tar"));
        let script = format!("cd {} && zip -q -r {zip} keep skip && tar -cf {tar} keep skip", s.path("z"));
        assert!(Command::new("sh").arg("-c").arg(script).status().unwrap().success());
        (zip, tar)
    }

    #[test]
    fn include_exclude_and_the_listing_of_what_is_extracted() {
        let s = Scratch::new();
        let (zip, tar) = both_kinds(&s);
        for (kind, archive) in [("zip", &zip), ("tar", &tar)] {
            let dest = s.path(&format!("x-{kind}"));
            fs::create_dir(&dest).unwrap();
            let args = json!({"src": archive, "dest": dest, "remote_src": true,
                              "exclude": ["skip/*", "keep/b.txt"], "list_files": true});
            let first = twice(args.clone());
            assert!(Path::new(&format!("{dest}/keep/a.txt")).exists(), "{kind}");
            assert!(!Path::new(&format!("{dest}/keep/b.txt")).exists(), "{kind}");
            assert!(!Path::new(&format!("{dest}/skip/c.txt")).exists(), "{kind}");
            // The files are listed also when nothing changes.
            let again = apply("unarchive", args);
            assert_eq!(field(&again, "files"), field(&first, "files"), "{kind}");
            assert!(field(&again, "files").as_array().unwrap().contains(&json!("keep/a.txt")));
            let only = s.path(&format!("only-{kind}"));
            fs::create_dir(&only).unwrap();
            apply("unarchive", json!({"src": archive, "dest": only, "remote_src": true,
                                      "include": ["skip/c.txt"]}));
            assert!(Path::new(&format!("{only}/skip/c.txt")).exists(), "{kind}");
            assert!(!Path::new(&format!("{only}/keep")).exists(), "{kind}");
        }
        let both = json!({"src": tar, "dest": "/tmp", "remote_src": true,
                          "include": ["a"], "exclude": ["b"]});
        assert!(error("unarchive", both).to_string().contains("mutually exclusive"));
    }

    #[test]
    fn bad_modes_options_and_top_directories() {
        let s = Scratch::new();
        let (_, tar) = both_kinds(&s);
        let dest = s.path("out");
        fs::create_dir(&dest).unwrap();
        let e = error("unarchive", json!({"src": tar, "dest": dest, "remote_src": true, "mode": "u=foo"}));
        assert!(matches!(&e, ModuleError::Detailed { details, .. } if details == "bad symbolic permission for mode: u=foo"), "{e}");
        let e = error("unarchive", json!({"src": tar, "dest": dest, "remote_src": true, "extra_opts": ["--no-such-opt"]}));
        assert!(e.to_string().starts_with("Unable to list files in the archive: /"), "{e}");
        // A mode reaches the members and the top directory the archive lists them under.
        let args = json!({"src": tar, "dest": dest, "remote_src": true, "mode": "u+rwX-x,g-rwx,o=x",
                          "include": ["keep/a.txt"]});
        twice(args);
        assert_eq!(mode_of(Path::new(&format!("{dest}/keep/a.txt"))), 0o601);
        assert_eq!(mode_of(Path::new(&format!("{dest}/keep"))), 0o601);
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
