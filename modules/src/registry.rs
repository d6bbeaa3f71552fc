//! Modules by name, behind an object-safe face the engine can call.

use serde_json::{Map, Value};

use crate::{args, error::ModuleError, module::Context, module::Module, report::Report};

/// A module as the engine sees it: a name and one call that runs query, then apply unless
/// in check mode.
pub trait DynModule: Send + Sync {
    fn name(&self) -> &'static str;
    fn free_form(&self) -> bool;
    fn run(&self, args: &Map<String, Value>, cx: &Context) -> Result<Report, ModuleError>;
}

impl<M: Module> DynModule for M {
    fn name(&self) -> &'static str {
        M::NAME
    }
    fn free_form(&self) -> bool {
        M::FREE_FORM
    }
    fn run(&self, raw: &Map<String, Value>, cx: &Context) -> Result<Report, ModuleError> {
        let args: M::Args = args::parse(M::NAME, raw)?;
        let query = self.query(&args, cx)?;
        let mut report = query.report;
        report.diff = if cx.diff { query.diff } else { None };
        let Some(change) = query.change else {
            return Ok(report);
        };
        report.changed = true;
        if cx.check_mode {
            return Ok(report);
        }
        let applied = self.apply(&args, change, cx)?;
        report.changed = applied.changed;
        report.failed = applied.failed;
        report.skipped = applied.skipped;
        report.fields.extend(applied.fields);
        if applied.diff.is_some() && cx.diff {
            report.diff = applied.diff;
        }
        Ok(report)
    }
}

/// Every module, by the names a playbook may use (including `ansible.builtin.` ones).
pub fn lookup(name: &str) -> Option<&'static dyn DynModule> {
    let short = name.strip_prefix("ansible.builtin.").unwrap_or(name);
    ALL.iter().copied().find(|m| m.name() == short)
}

/// Listed once here; each module lives in its own file.
static ALL: &[&dyn DynModule] = &[
    &crate::command::Command,
    &crate::shell::Shell,
    &crate::raw::Raw,
    &crate::cron::Cron,
    &crate::service::Service,
    &crate::systemd::Systemd,
    &crate::apt::Apt,
    &crate::package::Package,
    &crate::user::User,
    &crate::group::Group,
    &crate::wait_for::WaitFor,
    &crate::pause::Pause,
    &crate::ping::Ping,
    &crate::archive::Archive,
    &crate::blockinfile::BlockInFile,
    &crate::copy::Copy,
    &crate::fetch::Fetch,
    &crate::file::File,
    &crate::find::Find,
    &crate::lineinfile::LineInFile,
    &crate::replace::Replace,
    &crate::slurp::Slurp,
    &crate::stat::Stat,
    &crate::unarchive::Unarchive,
];
