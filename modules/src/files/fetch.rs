//! `fetch`: a file from the target into a file on the controller, written atomically and only
//! when its content differs.

use sha1::{Digest, Sha1};
use crate::helpers::args::yes;
use std::{
    fs,
    io::{self, Write},
    path::{Path, PathBuf},
};

use serde::Deserialize;

use crate::{
    helpers::args::Bool,
    helpers::remote_file::{self, Checksum, Kind, ProbeOptions},
    Context, Module, ModuleError, Query, Report,
};

pub struct Fetch;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
    pub src: String,
    pub dest: String,
    #[serde(default)]
    pub flat: Bool,
    #[serde(default = "yes")]
    pub fail_on_missing: Bool,
    #[serde(default = "yes", alias = "validate_md5")]
    pub validate_checksum: Bool,
}

/// The remote file to bring over and where it goes.
pub struct Change {
    dest: PathBuf,
    remote_checksum: String,
}

/// Where the file lands on the controller: `dest/<host>/<src>` unless `flat`.
pub fn local_dest(args: &Args, host: &str) -> PathBuf {
    if args.flat.0 {
        if args.dest.ends_with('/') {
            let name = args.src.rsplit('/').next().unwrap_or(&args.src);
            return Path::new(&args.dest).join(name);
        }
        return PathBuf::from(&args.dest);
    }
    Path::new(&args.dest)
        .join(host)
        .join(args.src.trim_start_matches('/'))
}

fn local_sha1(path: &Path) -> Option<String> {
    let mut file = fs::File::open(path).ok()?;
    let mut hasher = HashingWriter {
        hasher: Sha1::new(),
        inner: io::sink(),
    };
    io::copy(&mut file, &mut hasher).ok()?;
    Some(hex::encode(hasher.hasher.finalize()))
}

/// Hashes what passes through on its way to `inner`.
struct HashingWriter<W> {
    hasher: Sha1,
    inner: W,
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl Module for Fetch {
    type Args = Args;
    type Change = Change;
    const NAME: &'static str = "fetch";
    const PATH_INFO: bool = false;

    fn query(&self, args: &Args, cx: &Context) -> Result<Query<Change>, ModuleError> {
        let opts = ProbeOptions {
            follow: true,
            checksum: Some(Checksum::Sha1),
        };
        let remote = remote_file::probe(cx.target, &args.src, opts)?;
        let dest = local_dest(args, cx.target.name());
        let report = Report::ok()
            .with("file", args.src.clone())
            .with("dest", dest.display().to_string());
        match remote.kind {
            Kind::Missing if args.fail_on_missing.0 => {
                return Err(ModuleError::failed(format!(
                    "the remote file does not exist, not transferring: {}",
                    args.src
                )))
            }
            Kind::Missing => {
                let msg = "the remote file does not exist, not transferring, ignored";
                return Ok(Query::unchanged(report.with("msg", msg)));
            }
            Kind::Directory => {
                return Err(ModuleError::failed(
                    "remote file is a directory, fetch cannot work on directories",
                ))
            }
            _ => {}
        }
        let Some(remote_checksum) = remote.checksum else {
            return Err(ModuleError::failed(format!("unable to read {}", args.src)));
        };
        let report = report
            .with("checksum", remote_checksum.clone())
            .with("remote_checksum", remote_checksum.clone());
        if local_sha1(&dest).as_deref() == Some(remote_checksum.as_str()) {
            return Ok(Query::unchanged(report));
        }
        Ok(Query::change(Change {
            dest,
            remote_checksum,
        })
        .with_report(report))
    }

    fn apply(&self, args: &Args, change: Change, cx: &Context) -> Result<Report, ModuleError> {
        let dest = &change.dest;
        let local_fail = |e: io::Error| ModuleError::failed(format!("{}: {e}", dest.display()));
        let dir = dest
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        fs::create_dir_all(dir).map_err(local_fail)?;
        let name = dest
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let tmp = dir.join(format!(
            ".{name}.troupe-fetch.{}",
            crate::replace_file::random_token()
        ));
        let result = (|| {
            // Created exclusively: a name planted beforehand (a link) is never followed.
            let file = fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&tmp)
                .map_err(local_fail)?;
            let mut sink = HashingWriter {
                hasher: Sha1::new(),
                inner: io::BufWriter::new(file),
            };
            if !cx.target.get(&args.src, &mut sink)? {
                return Err(ModuleError::failed(format!(
                    "{} vanished while fetching",
                    args.src
                )));
            }
            sink.flush().map_err(local_fail)?;
            let got = hex::encode(sink.hasher.finalize());
            if args.validate_checksum.0 && got != change.remote_checksum {
                return Err(ModuleError::failed(format!(
                    "checksum mismatch: remote {} local {got}",
                    change.remote_checksum
                )));
            }
            fs::rename(&tmp, dest).map_err(local_fail)
        })();
        if result.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        result?;
        Ok(Report::changed())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::{testing::*, ModuleError};

    #[test]
    fn fetches_into_host_tree_then_flat_only_when_different() {
        let s = Scratch::new();
        let src = s.write("remote/etc/app.conf", "v1\n");
        let store = s.path("store");
        let args = json!({"src": src, "dest": store});
        assert!(check("fetch", args.clone()).changed);
        let r = apply("fetch", args.clone());
        assert!(r.changed);
        let local = format!("{store}/testhost{src}");
        assert_eq!(field(&r, "dest"), local.as_str());
        assert_eq!(std::fs::read_to_string(&local).unwrap(), "v1\n");
        assert!(!apply("fetch", args.clone()).changed);
        std::fs::write(&src, "v2\n").unwrap();
        assert!(apply("fetch", args).changed);
        assert_eq!(std::fs::read_to_string(&local).unwrap(), "v2\n");

        let flat = json!({"src": src, "dest": format!("{store}/"), "flat": true});
        apply("fetch", flat.clone());
        assert_eq!(
            std::fs::read_to_string(format!("{store}/app.conf")).unwrap(),
            "v2\n"
        );
        assert_eq!(round_trips("fetch", flat), 1);
    }

    #[test]
    fn missing_source() {
        let s = Scratch::new();
        let e = error("fetch", json!({"src": s.path("nope"), "dest": s.path("d")}));
        assert!(matches!(e, ModuleError::Failed(_)));
        let r = apply(
            "fetch",
            json!({"src": s.path("nope"), "dest": s.path("d"), "fail_on_missing": false}),
        );
        assert!(!r.changed);
        assert!(matches!(
            error("fetch", json!({"src": "/x"})),
            ModuleError::Args(_)
        ));
    }
}
