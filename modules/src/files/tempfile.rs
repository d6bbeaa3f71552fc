//! `tempfile`: a new temporary file or directory on the target, as `mktemp` makes it (a
//! random name, created exclusively, mode 0600 or 0700). Every run makes a new one.

use serde::Deserialize;

use crate::{
    helpers::shell_text::quote, Context, Module, ModuleError, Query, Report,
};

pub struct TempFile;

#[derive(Debug, Deserialize, Default, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    #[default]
    File,
    Directory,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
    #[serde(default)]
    pub state: Kind,
    /// The directory to make it in; the target's `$TMPDIR`, else `/tmp`.
    pub path: Option<String>,
    #[serde(default = "default_prefix")]
    pub prefix: String,
    #[serde(default)]
    pub suffix: String,
}

fn default_prefix() -> String {
    "ansible.".into()
}

impl Module for TempFile {
    type Args = Args;
    type Change = ();
    const NAME: &'static str = "tempfile";

    fn query(&self, _: &Args, _: &Context) -> Result<Query<()>, ModuleError> {
        // Always a new one: check mode says so and makes nothing.
        Ok(Query::change(()))
    }

    fn apply(&self, args: &Args, _: (), cx: &Context) -> Result<Report, ModuleError> {
        let dir = match &args.path {
            Some(p) => quote(p),
            None => "\"${TMPDIR:-/tmp}\"".to_string(),
        };
        let template = format!("{}XXXXXXXXXX", args.prefix);
        let suffix = if args.suffix.is_empty() {
            String::new()
        } else {
            format!(" --suffix={}", quote(&args.suffix))
        };
        let directory = if args.state == Kind::Directory { " -d" } else { "" };
        let out = cx.target.run(
            &format!("mktemp{directory}{suffix} -p {dir} -- {}", quote(&template)),
            None,
        )?;
        if !out.success() {
            return Err(ModuleError::failed(format!(
                "Failed to create temporary {}: {}",
                if args.state == Kind::Directory { "directory" } else { "file" },
                out.stderr_str().trim()
            )));
        }
        Ok(Report::changed().with("path", out.stdout_str().trim_end_matches('\n')))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::testing::*;

    #[test]
    fn a_new_private_file_or_directory_each_run() {
        let s = Scratch::new();
        let dir = s.path("");
        let a = apply("tempfile", json!({"path": dir, "suffix": ".txt"}));
        let b = apply("tempfile", json!({"path": dir, "state": "directory", "prefix": "t-"}));
        let (a, b) = (field(&a, "path"), field(&b, "path"));
        let a = a.as_str().unwrap();
        let b = b.as_str().unwrap();
        assert!(a.ends_with(".txt") && a.contains("/ansible."), "{a}");
        assert!(std::path::Path::new(a).is_file());
        assert!(std::path::Path::new(b).is_dir() && b.contains("/t-"), "{b}");
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &str| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!((mode(a), mode(b)), (0o600, 0o700));
        let again = apply("tempfile", json!({"path": dir, "suffix": ".txt"}));
        assert_ne!(field(&again, "path").as_str().unwrap(), a);
    }
}
