//! `group`: creates, changes and removes local groups.

use crate::helpers::args::Presence;
use serde::Deserialize;

use crate::accounts::account_db::{parse_groups, GroupEntry};
use crate::helpers::args::{Bool, Int};
use crate::error::ModuleError;
use crate::module::{Context, Module, Query};
use crate::report::Report;
use crate::helpers::shell_text::{command_line, quote};
use crate::target::Target;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupArgs {
    pub name: String,
    #[serde(default)]
    pub state: Presence,
    pub gid: Option<Int>,
    #[serde(default)]
    pub system: Bool,
    /// A gid another group has too (`-o`); needs `gid`.
    #[serde(default)]
    pub non_unique: Bool,
}

/// Runs an account command; its stderr is the failure (the command line may hold secrets).
pub fn run_account_command(target: &dyn Target, argv: &[String]) -> Result<(), ModuleError> {
    let out = target.run(&command_line(argv), None)?;
    if out.success() {
        Ok(())
    } else {
        Err(ModuleError::failed(format!(
            "{} failed: {}",
            argv[0],
            out.stderr_str().trim()
        )))
    }
}

pub struct Group;

/// The group named `name` on the target, if there is one.
fn current_group(cx: &Context, name: &str) -> Result<Option<GroupEntry>, ModuleError> {
    let out = cx
        .target
        .run(&format!("getent group -- {}", quote(name)), None)?;
    Ok(parse_groups(&out.stdout_str())
        .into_iter()
        .find(|g| g.name == name))
}

impl Module for Group {
    type Args = GroupArgs;
    type Change = Vec<String>;
    const NAME: &'static str = "group";

    fn query(&self, args: &GroupArgs, cx: &Context) -> Result<Query<Vec<String>>, ModuleError> {
        super::check_name("group", &args.name)?;
        if args.non_unique.0 && args.gid.is_none() {
            return Err(ModuleError::args(
                "non_unique is True but all of the following are missing: gid",
            ));
        }
        let unique_flag = || args.non_unique.0.then(|| "-o".to_string());
        let current = current_group(cx, &args.name)?;
        let report = Report::ok()
            .with("name", args.name.as_str())
            .with(
                "state",
                if args.state == Presence::Present {
                    "present"
                } else {
                    "absent"
                },
            )
            .with("system", args.system.0);
        let argv: Vec<String> = match (args.state, &current) {
            (Presence::Absent, None) => return Ok(Query::unchanged(report)),
            (Presence::Absent, Some(_)) => vec!["groupdel".into(), args.name.clone()],
            (Presence::Present, Some(g)) => {
                let gid = args.gid.map(|g| g.0);
                if gid.is_none_or(|want| want == i64::from(g.gid)) {
                    return Ok(Query::unchanged(report.with("gid", g.gid)));
                }
                let gid = gid.unwrap_or_default().to_string();
                let mut argv = vec!["groupmod".to_string(), "-g".into(), gid];
                argv.extend(unique_flag());
                argv.push(args.name.clone());
                argv
            }
            (Presence::Present, None) => {
                let mut argv = vec!["groupadd".to_string()];
                if let Some(gid) = args.gid {
                    argv.extend(["-g".to_string(), gid.0.to_string()]);
                }
                argv.extend(unique_flag());
                if args.system.0 {
                    argv.push("-r".into());
                }
                argv.push(args.name.clone());
                argv
            }
        };
        let report = match args.gid {
            Some(gid) => report.with("gid", gid.0),
            None => report,
        };
        Ok(Query::change(argv).with_report(report))
    }

    fn apply(&self, args: &GroupArgs, argv: Vec<String>, cx: &Context) -> Result<Report, ModuleError> {
        run_account_command(cx.target, &argv)?;
        let mut report = Report::changed();
        // The gid the system gave a new group, as Ansible reports it.
        if args.state == Presence::Present {
            if let Some(g) = current_group(cx, &args.name)? {
                report = report.with("gid", g.gid);
            }
        }
        Ok(report)
    }
}
