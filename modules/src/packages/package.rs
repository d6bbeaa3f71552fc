//! `package`: the generic package module. troupe drives apt only; on other systems it fails.

use serde::Deserialize;

use crate::packages::apt::{AptChange, AptManager, AptRequest, PackageState};
use crate::helpers::args::List;
use crate::error::ModuleError;
use crate::module::{Context, Module, Query};
use crate::report::Report;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackageArgs {
    #[serde(alias = "pkg")]
    pub name: List,
    #[serde(default)]
    pub state: PackageState,
    /// `auto` or `apt`.
    #[serde(rename = "use")]
    pub manager: Option<String>,
}

impl PackageArgs {
    fn request(&self) -> Result<AptRequest, ModuleError> {
        match self.manager.as_deref() {
            None | Some("auto") | Some("apt") => Ok(AptRequest {
                names: self
                    .name
                    .0
                    .iter()
                    .filter(|n| !n.is_empty())
                    .cloned()
                    .collect(),
                state: self.state,
                ..AptRequest::default()
            }),
            Some(other) => Err(ModuleError::args(format!(
                "package: use={other} is not supported (troupe drives apt only)"
            ))),
        }
    }
}

pub struct Package;

impl Module for Package {
    type Args = PackageArgs;
    type Change = AptChange;
    const NAME: &'static str = "package";

    fn query(&self, args: &PackageArgs, cx: &Context) -> Result<Query<AptChange>, ModuleError> {
        AptManager.query(&args.request()?, cx)
    }

    fn apply(
        &self,
        args: &PackageArgs,
        change: AptChange,
        cx: &Context,
    ) -> Result<Report, ModuleError> {
        AptManager.apply(&args.request()?, change, cx)
    }
}
