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
    /// Remove the group even when it is a user's primary group (`groupdel -f`).
    #[serde(default)]
    pub force: Bool,
    /// Manage the group in /etc/group with libuser's `lgroup*` tools, whatever NSS says.
    #[serde(default)]
    pub local: Bool,
    pub gid_min: Option<Int>,
    pub gid_max: Option<Int>,
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

/// The group named `name` on the target, if there is one: from /etc/group alone when
/// `local`, else from every source NSS knows.
fn current_group(cx: &Context, name: &str, local: bool) -> Result<Option<GroupEntry>, ModuleError> {
    let command = if local {
        "cat /etc/group".to_string()
    } else {
        format!("getent group -- {}", quote(name))
    };
    let out = cx.target.run(&command, None)?;
    Ok(parse_groups(&out.stdout_str())
        .into_iter()
        .find(|g| g.name == name))
}

/// libuser's tools give a gid to any number of groups; Ansible refuses a taken one.
fn refuse_taken_gid(cx: &Context, name: &str, gid: i64) -> Result<(), ModuleError> {
    let out = cx.target.run("getent group", None)?;
    match parse_groups(&out.stdout_str())
        .into_iter()
        .find(|g| i64::from(g.gid) == gid && g.name != name)
    {
        Some(other) => Err(ModuleError::failed(format!(
            "GID '{gid}' already exists with group '{}'",
            other.name
        ))),
        None => Ok(()),
    }
}

impl GroupArgs {
    fn validate(&self) -> Result<(), ModuleError> {
        if self.non_unique.0 && self.gid.is_none() {
            return Err(ModuleError::args(
                "non_unique is True but all of the following are missing: gid",
            ));
        }
        if self.force.0 && self.local.0 {
            return Err(ModuleError::args(
                "force is not a valid option for local, force=True and local=True are mutually exclusive",
            ));
        }
        for (set, name) in [(self.gid_min, "gid_min"), (self.gid_max, "gid_max")] {
            if set.is_some() && self.local.0 {
                return Err(ModuleError::args(format!("'{name}' can not be used with 'local'")));
            }
        }
        Ok(())
    }

    /// A group tool, libuser's when `local`.
    fn tool(&self, verb: &str) -> String {
        let prefix = if self.local.0 { "l" } else { "" };
        format!("{prefix}group{verb}")
    }
}

impl Module for Group {
    type Args = GroupArgs;
    type Change = Vec<String>;
    const NAME: &'static str = "group";

    fn query(&self, args: &GroupArgs, cx: &Context) -> Result<Query<Vec<String>>, ModuleError> {
        super::check_name("group", &args.name)?;
        args.validate()?;
        let unique_flag = || args.non_unique.0.then(|| "-o".to_string());
        let current = current_group(cx, &args.name, args.local.0)?;
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
            (Presence::Absent, Some(_)) => {
                let mut argv = vec![args.tool("del")];
                if args.force.0 {
                    argv.push("-f".into());
                }
                argv.push(args.name.clone());
                argv
            }
            (Presence::Present, Some(g)) => {
                let gid = args.gid.map(|g| g.0);
                if gid.is_none_or(|want| want == i64::from(g.gid)) {
                    return Ok(Query::unchanged(report.with("gid", g.gid)));
                }
                let gid = gid.unwrap_or_default();
                if args.local.0 {
                    refuse_taken_gid(cx, &args.name, gid)?;
                }
                let mut argv = vec![args.tool("mod"), "-g".into(), gid.to_string()];
                argv.extend(unique_flag());
                argv.push(args.name.clone());
                argv
            }
            (Presence::Present, None) => {
                let mut argv = vec![args.tool("add")];
                if let Some(gid) = args.gid {
                    if args.local.0 {
                        refuse_taken_gid(cx, &args.name, gid.0)?;
                    }
                    argv.extend(["-g".to_string(), gid.0.to_string()]);
                }
                argv.extend(unique_flag());
                for (limit, key) in [(args.gid_min, "GID_MIN"), (args.gid_max, "GID_MAX")] {
                    if let Some(limit) = limit {
                        argv.extend(["-K".to_string(), format!("{key}={}", limit.0)]);
                    }
                }
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
            if let Some(g) = current_group(cx, &args.name, args.local.0)? {
                report = report.with("gid", g.gid);
            }
        }
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::fake_accounts::{fake_accounts, log};
    use crate::testing::{run_dyn as run_module, LocalTarget};
    use serde_json::{json, Value};

    const GROUP: &str = "adm:x:4:gluu\ngluu:x:1001:\n";

    fn group(target: &LocalTarget, args: Value) -> Result<Report, ModuleError> {
        run_module(&Group, target, args, false)
    }

    #[test]
    fn force_removes_a_primary_group() {
        let dir = crate::testing::TempDir::new();
        let target = fake_accounts(&dir, "", GROUP, "");
        assert!(group(&target, json!({"name": "gluu", "state": "absent", "force": true}))
            .unwrap()
            .changed);
        assert_eq!(log(&dir), "groupdel -f gluu\n");
        let both = json!({"name": "gluu", "state": "absent", "force": true, "local": true});
        let e = group(&target, both).unwrap_err().to_string();
        assert!(e.contains("mutually exclusive"), "{e}");
    }

    #[test]
    fn local_groups_are_read_from_etc_group_and_made_by_libuser() {
        let dir = crate::testing::TempDir::new();
        let target = fake_accounts(&dir, "", GROUP, "");
        // getent knows gluu but /etc/group here does not: a local group is missing.
        group(&target, json!({"name": "gluu", "local": true, "gid": 1001})).unwrap();
        assert_eq!(log(&dir), "lgroupadd -g 1001 gluu\n");
        // root is in every /etc/group.
        let r = group(&target, json!({"name": "root", "local": true})).unwrap();
        assert!(!r.changed);
        let e = group(&target, json!({"name": "gluu", "local": true, "gid": 4}))
            .unwrap_err()
            .to_string();
        assert_eq!(e, "GID '4' already exists with group 'adm'");
        let e = group(&target, json!({"name": "x", "local": true, "gid_min": 5}))
            .unwrap_err()
            .to_string();
        assert!(e.contains("'gid_min' can not be used with 'local'"), "{e}");
    }

    #[test]
    fn gid_limits_reach_groupadd() {
        let dir = crate::testing::TempDir::new();
        let target = fake_accounts(&dir, "", GROUP, "");
        group(&target, json!({"name": "new", "gid_min": 500, "gid_max": 600})).unwrap();
        assert_eq!(log(&dir), "groupadd -K GID_MIN=500 -K GID_MAX=600 new\n");
    }
}
