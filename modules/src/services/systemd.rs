//! `systemd`: `service` with systemd's extra switches (`daemon_reload`, `no_block`). On a
//! target without systemd it falls back to init scripts like `service`.

use serde::Deserialize;

use crate::helpers::args::Bool;
use crate::error::ModuleError;
use crate::module::{Context, Module, Query};
use crate::report::Report;
use crate::services::service::{Desired, ServiceManager, ServicePlan, ServiceState};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SystemdArgs {
    #[serde(alias = "service", alias = "unit")]
    pub name: Option<String>,
    pub state: Option<ServiceState>,
    pub enabled: Option<Bool>,
    #[serde(default, alias = "daemon-reload")]
    pub daemon_reload: Bool,
    #[serde(default)]
    pub no_block: Bool,
}

impl SystemdArgs {
    fn desired(&self) -> Result<Desired, ModuleError> {
        let name = self.name.clone().unwrap_or_default();
        if name.is_empty() && (self.state.is_some() || self.enabled.is_some()) {
            return Err(ModuleError::args(
                "systemd: name is required with state or enabled",
            ));
        }
        Ok(Desired {
            name,
            state: self.state,
            enabled: self.enabled.map(|b| b.0),
            daemon_reload: self.daemon_reload.0,
            no_block: self.no_block.0,
            pattern: None,
        })
    }
}

pub struct Systemd;

const SYSTEM: ServiceManager = ServiceManager { root: "" };

impl Module for Systemd {
    type Args = SystemdArgs;
    type Change = ServicePlan;
    const NAME: &'static str = "systemd";
    /// Ansible's current name for this module; `systemd` is kept as an alias there.
    const ALIASES: &'static [&'static str] = &["systemd_service"];

    fn query(&self, args: &SystemdArgs, cx: &Context) -> Result<Query<ServicePlan>, ModuleError> {
        SYSTEM.query(&args.desired()?, cx)
    }

    fn apply(
        &self,
        args: &SystemdArgs,
        plan: ServicePlan,
        cx: &Context,
    ) -> Result<Report, ModuleError> {
        SYSTEM.apply(&args.desired()?, plan, cx)
    }
}
