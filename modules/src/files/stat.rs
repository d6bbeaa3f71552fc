//! `stat`: facts about one path, in one round trip.

use crate::helpers::args::yes;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::{
    helpers::args::Bool,
    helpers::remote_file::{self, Checksum, Kind, PathState, ProbeOptions},
    helpers::shell_text::quote_path,
    Context, Module, ModuleError, Query, Report,
};

pub struct Stat;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
    #[serde(alias = "dest", alias = "name")]
    pub path: String,
    #[serde(default)]
    pub follow: Bool,
    #[serde(default = "yes")]
    pub get_checksum: Bool,
    #[serde(default, alias = "checksum", alias = "checksum_algo")]
    pub checksum_algorithm: Checksum,
    /// `mimetype` and `charset` from the target's `file` command (`unknown` without one),
    /// in the same round trip. Attributes are not reported.
    #[serde(default = "yes")]
    pub get_mime: Bool,
    pub get_attributes: Option<Bool>,
    pub get_md5: Option<Bool>,
}

/// Ansible's `stat` dictionary for a probed path.
pub fn stat_value(s: &PathState) -> Value {
    if !s.exists() {
        return json!({ "exists": false });
    }
    let m = s.mode;
    let bit = |b: u32| m & b != 0;
    let ftype = s.raw_mode & 0o170000;
    let mut v = Map::new();
    let mut put = |k: &str, val: Value| {
        v.insert(k.to_string(), val);
    };
    put("exists", true.into());
    put("path", s.path.clone().into());
    put("mode", s.mode_string().into());
    put("isdir", (s.kind == Kind::Directory).into());
    put("ischr", (ftype == 0o020000).into());
    put("isblk", (ftype == 0o060000).into());
    put("isreg", (s.kind == Kind::File).into());
    put("isfifo", (ftype == 0o010000).into());
    put("islnk", (s.kind == Kind::Link).into());
    put("issock", (ftype == 0o140000).into());
    put("uid", s.uid.into());
    put("gid", s.gid.into());
    put("size", s.size.into());
    put("inode", s.inode.into());
    put("dev", s.dev.into());
    put("nlink", s.nlink.into());
    put("atime", s.atime.into());
    put("mtime", s.mtime.into());
    put("ctime", s.ctime.into());
    for (name, b) in [
        ("wusr", 0o200),
        ("rusr", 0o400),
        ("xusr", 0o100),
        ("wgrp", 0o020),
        ("rgrp", 0o040),
        ("xgrp", 0o010),
        ("woth", 0o002),
        ("roth", 0o004),
        ("xoth", 0o001),
        ("isuid", 0o4000),
        ("isgid", 0o2000),
    ] {
        put(name, bit(b).into());
    }
    put("pw_name", s.owner.clone().into());
    put("gr_name", s.group.clone().into());
    if let Some(sum) = &s.checksum {
        put("checksum", sum.clone().into());
    }
    if let Some(src) = &s.link_source {
        put("lnk_source", src.clone().into());
    }
    if let Some(t) = &s.link_target {
        put("lnk_target", t.clone().into());
    }
    Value::Object(v)
}

impl Module for Stat {
    type Args = Args;
    type Change = ();
    const NAME: &'static str = "stat";

    fn query(&self, args: &Args, cx: &Context) -> Result<Query<()>, ModuleError> {
        let opts = ProbeOptions {
            follow: args.follow.0,
            checksum: args.get_checksum.0.then_some(args.checksum_algorithm),
        };
        let mut script = remote_file::probe_script(&[(args.path.as_str(), opts)]);
        if args.get_mime.0 {
            let p = quote_path(&args.path);
            script.push_str(&format!(
                "[ -e {p} ] && command -v file >/dev/null 2>&1 && printf 'MIME %s\\n' \"$(file -b --mime-type --mime-encoding -- {p})\"\n"
            ));
        }
        let out = cx.target.inspect(&script)?;
        let text = out.stdout_str();
        let state = remote_file::parse_probes(&[args.path.as_str()], &out.stdout)?.remove(0);
        let mut stat = stat_value(&state);
        if let (true, Some(fields)) = (args.get_mime.0 && state.exists(), stat.as_object_mut()) {
            // `text/plain; charset=us-ascii`, as Ansible reads it.
            let (mimetype, charset) = text
                .lines()
                .find_map(|l| l.strip_prefix("MIME "))
                .and_then(|m| m.split_once(';'))
                .map_or(("unknown", "unknown"), |(t, c)| {
                    (t.trim(), c.trim().trim_start_matches("charset="))
                });
            fields.insert("mimetype".into(), mimetype.into());
            fields.insert("charset".into(), charset.into());
        }
        Ok(Query::unchanged(Report::ok().with("stat", stat)))
    }

    fn apply(&self, _: &Args, _: (), _: &Context) -> Result<Report, ModuleError> {
        Ok(Report::ok())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::testing::*;

    #[test]
    fn reports_a_file_a_link_and_nothing() {
        let s = Scratch::new();
        let f = s.write("f", "hello\n");
        std::os::unix::fs::symlink(&f, s.path("l")).unwrap();
        let target = LocalTarget::new();
        let r = run_module(&target, "stat", json!({"path": f}), false, false).unwrap();
        assert_eq!(target.runs(), 1);
        let st = field(&r, "stat");
        assert_eq!(st["exists"], true);
        assert_eq!(st["isreg"], true);
        assert_eq!(st["size"], 6);
        assert_eq!(st["checksum"], "f572d396fae9206628714fb2ce00f72e94f2258f");
        assert_eq!(
            st["mode"],
            format!("{:04o}", mode_of(std::path::Path::new(&f)))
        );
        assert_eq!(st["pw_name"], "root");
        // Times are floats with the nanoseconds, as Python's st_ctime.
        let meta = std::fs::metadata(&f).unwrap();
        let ctime = std::os::unix::fs::MetadataExt::ctime(&meta) as f64
            + std::os::unix::fs::MetadataExt::ctime_nsec(&meta) as f64 / 1e9;
        assert!((st["ctime"].as_f64().unwrap() - ctime).abs() < 1e-6, "{}", st["ctime"]);
        assert_eq!((&st["mimetype"], &st["charset"]), (&json!("text/plain"), &json!("us-ascii")));
        let r = apply("stat", json!({"path": s.path("l")}));
        let st = field(&r, "stat");
        assert_eq!(
            (st["islnk"].clone(), st["lnk_source"].clone()),
            (json!(true), json!(f))
        );
        assert!(st.get("checksum").is_none());
        let r = apply(
            "stat",
            json!({"path": s.path("l"), "follow": true, "checksum_algorithm": "sha256"}),
        );
        assert_eq!(field(&r, "stat")["checksum"].as_str().unwrap().len(), 64);
        let r = apply("stat", json!({"path": s.path("none")}));
        assert_eq!(field(&r, "stat"), &json!({"exists": false}));
        assert!(!r.changed);
    }
}
