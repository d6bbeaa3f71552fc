//! `slurp`: a file's content, base64-encoded.

use base64::Engine;
use serde::Deserialize;

use crate::{Context, Module, ModuleError, Query, Report};

pub struct Slurp;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Args {
    #[serde(alias = "path")]
    pub src: String,
}

impl Module for Slurp {
    type Args = Args;
    type Change = ();
    const NAME: &'static str = "slurp";

    fn query(&self, args: &Args, cx: &Context) -> Result<Query<()>, ModuleError> {
        let content = cx
            .target
            .read(&args.src)?
            .ok_or_else(|| ModuleError::failed(format!("file not found: {}", args.src)))?;
        let encoded = base64::engine::general_purpose::STANDARD.encode(content);
        Ok(Query::unchanged(
            Report::ok()
                .with("content", encoded)
                .with("encoding", "base64")
                .with("source", args.src.clone()),
        ))
    }

    fn apply(&self, _: &Args, _: (), _: &Context) -> Result<Report, ModuleError> {
        Ok(Report::ok())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::{testing::*, ModuleError};

    #[test]
    fn base64_of_the_file_and_missing_fails() {
        let s = Scratch::new();
        let f = s.write("f", "hi\n");
        let r = apply("slurp", json!({"src": f}));
        assert_eq!(field(&r, "content"), "aGkK");
        assert_eq!(field(&r, "encoding"), "base64");
        assert!(matches!(
            error("slurp", json!({"src": s.path("no")})),
            ModuleError::Failed(_)
        ));
        assert!(matches!(error("slurp", json!({})), ModuleError::Args(_)));
    }
}
