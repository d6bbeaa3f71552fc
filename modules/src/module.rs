//! The query-then-act contract every module follows.

use serde::de::DeserializeOwned;

use crate::{error::ModuleError, report::Report, target::Target, Diff};

/// What a module gets besides its arguments.
pub struct Context<'a> {
    pub target: &'a dyn Target,
    /// `--check`: only [`Module::query`] runs.
    pub check_mode: bool,
    /// `--diff`: the module should fill [`Query::diff`] where it can.
    pub diff: bool,
}

/// What would change, found without changing anything.
pub struct Query<C> {
    /// `None` when the target is already as asked: `apply` is not called and the task is `ok`.
    pub change: Option<C>,
    /// Return values known already (e.g. `stat`, `dest`). `apply`'s report is merged over it.
    pub report: Report,
    pub diff: Option<Diff>,
}

impl<C> Query<C> {
    /// Nothing to do.
    pub fn unchanged(report: Report) -> Self {
        Query {
            change: None,
            report,
            diff: None,
        }
    }
    /// Something to do.
    pub fn change(change: C) -> Self {
        Query {
            change: Some(change),
            report: Report::ok(),
            diff: None,
        }
    }
    pub fn with_diff(mut self, diff: Option<Diff>) -> Self {
        self.diff = diff;
        self
    }
    /// The diff, also in the result as the list Ansible's copy and template return
    /// (`result.diff[0].before`); modules whose Ansible twin returns one mapping use
    /// [`Query::with_diff`].
    pub fn with_listed_diff(mut self, diff: Option<Diff>) -> Self {
        if let Some(d) = &diff {
            self.report = std::mem::take(&mut self.report).with(
                "diff",
                serde_json::json!([{
                    "before": d.before,
                    "after": d.after,
                    "before_header": d.before_header,
                    "after_header": d.after_header,
                }]),
            );
        }
        self.diff = diff;
        self
    }
    pub fn with_report(mut self, report: Report) -> Self {
        self.report = report;
        self
    }
}

/// A module: the first half (query) decides what would change, the second (apply) makes it so.
/// Check mode runs the first half alone, which is what keeps `changed` honest.
pub trait Module: Send + Sync + 'static {
    /// The arguments, deserialized from the task's (already templated) arguments.
    /// Use `#[serde(deny_unknown_fields)]` and the coercing types in [`crate::helpers::args`].
    type Args: DeserializeOwned;
    /// What `query` found to do, handed to `apply`.
    type Change;

    /// The short name a playbook uses (`copy`; `ansible.builtin.copy` also finds it).
    const NAME: &'static str;
    /// Other short names that mean this module (`systemd_service` for `systemd`).
    const ALIASES: &'static [&'static str] = &[];
    /// Modules like `command` take a free-form string, which the engine passes as
    /// `_raw_params`: `Some` lists the `key=value` options that may still be written in it.
    /// `None`: a string of arguments is all `key=value`.
    const FREE_FORM: Option<&'static [&'static str]> = None;
    /// Modules whose `src` names a file on the controller (unless `remote_src` is true): the
    /// folder of a role or playbook where a relative `src` is looked up (`files`).
    const CONTROLLER_SRC: Option<&'static str> = None;
    /// Whether the result gets the `path`/`dest` information Ansible's modules add to theirs
    /// (see [`crate::helpers::path_info`]); not for what Ansible runs on the controller.
    const PATH_INFO: bool = true;

    fn query(&self, args: &Self::Args, cx: &Context) -> Result<Query<Self::Change>, ModuleError>;

    fn apply(
        &self,
        args: &Self::Args,
        change: Self::Change,
        cx: &Context,
    ) -> Result<Report, ModuleError>;
}
