//! `cron`: manages one named entry (a job or a variable) in a user's crontab or a cron file.

use crate::helpers::args::Presence;
use serde::Deserialize;

use crate::helpers::args::{Bool, Str};
use crate::services::crontab::{job_line, Crontab, EnvPlace, Schedule};
use crate::error::ModuleError;
use crate::module::{Context, Module, Query};
use crate::helpers::probe::Probe;
use crate::report::{Diff, Report};
use crate::helpers::shell_text::quote;
use crate::target::{FileAttrs, Target};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CronArgs {
    pub name: Option<String>,
    #[serde(default = "any")]
    pub minute: Str,
    #[serde(default = "any")]
    pub hour: Str,
    #[serde(default = "any", alias = "dom")]
    pub day: Str,
    #[serde(default = "any")]
    pub month: Str,
    #[serde(default = "any", alias = "dow")]
    pub weekday: Str,
    pub special_time: Option<SpecialTime>,
    #[serde(alias = "value")]
    pub job: Option<String>,
    pub user: Option<String>,
    #[serde(default)]
    pub state: Presence,
    pub cron_file: Option<String>,
    #[serde(default)]
    pub disabled: Bool,
    #[serde(default)]
    pub env: Bool,
    pub insertafter: Option<String>,
    pub insertbefore: Option<String>,
    #[serde(default)]
    pub backup: Bool,
}

fn any() -> Str {
    Str("*".into())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SpecialTime {
    Annually,
    Daily,
    Hourly,
    Monthly,
    Reboot,
    Weekly,
    Yearly,
}

impl SpecialTime {
    fn as_str(self) -> &'static str {
        match self {
            SpecialTime::Annually => "annually",
            SpecialTime::Daily => "daily",
            SpecialTime::Hourly => "hourly",
            SpecialTime::Monthly => "monthly",
            SpecialTime::Reboot => "reboot",
            SpecialTime::Weekly => "weekly",
            SpecialTime::Yearly => "yearly",
        }
    }
}

/// The table being managed.
#[derive(Debug, Clone)]
pub enum Table {
    /// A file such as `/etc/cron.d/name`, with a user column.
    File { path: String, exists: bool },
    /// A user's crontab, through the `crontab` command (`None`: the connecting user).
    User(Option<String>),
}

/// What to write (or remove), and the text it replaces (for `backup`).
#[derive(Debug)]
pub struct CronChange {
    table: Table,
    before: String,
    /// `None`: remove the cron file.
    after: Option<String>,
}

/// `crontab` with `-u user` only when `user` is not the one running it (plain users may not
/// pass `-u`), as Ansible does.
fn crontab_command(user: Option<&str>, args: &str) -> String {
    match user {
        Some(u) => format!(
            "if [ \"$(id -un)\" = {u} ]; then crontab {args}; else crontab -u {u} {args}; fi",
            u = quote(u)
        ),
        None => format!("crontab {args}"),
    }
}

impl CronArgs {
    fn table(&self) -> Table {
        match &self.cron_file {
            Some(f) if f.starts_with('/') => Table::File {
                path: f.clone(),
                exists: false,
            },
            Some(f) => Table::File {
                path: format!("/etc/cron.d/{f}"),
                exists: false,
            },
            None => Table::User(self.user.clone()),
        }
    }

    fn schedule(&self) -> Result<Schedule, ModuleError> {
        let fields = [
            &self.minute,
            &self.hour,
            &self.day,
            &self.month,
            &self.weekday,
        ];
        match self.special_time {
            Some(_) if fields.iter().any(|f| f.0 != "*") => Err(ModuleError::args(
                "cron: You must specify time and date fields or special time.",
            )),
            Some(special) => Ok(Schedule::Special(special.as_str().to_string())),
            None => Ok(Schedule::Fields {
                minute: self.minute.0.clone(),
                hour: self.hour.0.clone(),
                day: self.day.0.clone(),
                month: self.month.0.clone(),
                weekday: self.weekday.0.clone(),
            }),
        }
    }

    /// Applies the asked entry to `tab`.
    fn edit(&self, tab: &mut Crontab, file_user: Option<&str>) -> Result<(), ModuleError> {
        let name = self
            .name
            .as_deref()
            .ok_or_else(|| ModuleError::args("cron: name is required"))?;
        let present = self.state == Presence::Present;
        let job = || {
            self.job.as_deref().filter(|_| present).ok_or_else(|| {
                ModuleError::args(
                    "cron: You must specify 'job' to install a new cron job or variable",
                )
            })
        };
        if self.env.0 {
            if name.contains(char::is_whitespace) {
                return Err(ModuleError::args(
                    "cron: Invalid name for environment variable",
                ));
            }
            if !present {
                tab.remove_env(name);
                return Ok(());
            }
            let place = match (&self.insertafter, &self.insertbefore) {
                (Some(_), Some(_)) => {
                    return Err(ModuleError::args(
                        "cron: insertafter and insertbefore are exclusive",
                    ))
                }
                (Some(after), None) => EnvPlace::After(after),
                (None, Some(before)) => EnvPlace::Before(before),
                (None, None) => EnvPlace::Top,
            };
            tab.set_env(name, job()?, place)
                .map_err(|e| ModuleError::failed(format!("cron: {e}")))?;
        } else if present {
            tab.set_job(
                name,
                &job_line(&self.schedule()?, file_user, job()?, self.disabled.0),
            );
        } else {
            tab.remove_job(name);
        }
        Ok(())
    }
}

pub struct Cron;

impl Module for Cron {
    type Args = CronArgs;
    type Change = CronChange;
    const NAME: &'static str = "cron";

    fn query(&self, args: &CronArgs, cx: &Context) -> Result<Query<CronChange>, ModuleError> {
        let mut table = args.table();
        // The system crontab has its own format and owners: Ansible refuses it too.
        if matches!(&table, Table::File { path, .. } if std::path::Path::new(path) == std::path::Path::new("/etc/crontab")) {
            return Err(ModuleError::failed(
                "Will not manage /etc/crontab via cron_file, see documentation.",
            ));
        }
        let read = match &table {
            Table::File { path, .. } => {
                format!("[ -e {p} ] || exit 3\ncat -- {p}", p = quote(path))
            }
            Table::User(user) => crontab_command(user.as_deref(), "-l"),
        };
        let found = Probe::new()
            .section("me", "id -un")
            .section("table", &read)
            .run(cx.target)?;
        let listing = found.get("table");
        let before = match &mut table {
            Table::File { exists, .. } => {
                *exists = listing.rc != 3;
                if listing.ok() || !*exists {
                    listing.out
                } else {
                    return Err(ModuleError::failed(format!(
                        "cron: {}",
                        found.stderr.trim()
                    )));
                }
            }
            Table::User(_) if listing.ok() => listing.out,
            // `crontab -l` fails when the user has no crontab yet: that is an empty one.
            Table::User(_) if found.stderr.contains("no crontab") => String::new(),
            Table::User(_) => {
                return Err(ModuleError::failed(format!(
                    "cron: {}",
                    found.stderr.trim()
                )))
            }
        };

        let mut tab = Crontab::parse(&before);
        let remove_whole_file = args.name.is_none() && args.state == Presence::Absent;
        let after = match &table {
            Table::File { .. } if remove_whole_file => None,
            Table::File { .. } => {
                let me = found.get("me");
                let user = args.user.as_deref().unwrap_or(me.value());
                args.edit(&mut tab, Some(user))?;
                // A cron file left with nothing but whitespace in it goes, as Ansible
                // removes it.
                let empty = tab.render().trim().is_empty();
                (!(empty && args.state == Presence::Absent)).then(|| tab.render())
            }
            Table::User(_) => {
                args.edit(&mut tab, None)?;
                Some(tab.render())
            }
        };

        let report = Report::ok()
            .with("jobs", tab.job_names())
            .with("envs", tab.env_names());
        let unchanged = match (&table, &after) {
            (_, None) => !matches!(table, Table::File { exists: true, .. }),
            (_, Some(after)) => Crontab::parse(&before).render() == *after,
        };
        let report = match &table {
            Table::File { path, .. } => report.with("cron_file", path.as_str()),
            Table::User(_) => report,
        };
        if unchanged {
            return Ok(Query::unchanged(report));
        }
        let header = match &table {
            Table::File { path, .. } => path.clone(),
            Table::User(Some(user)) => format!("crontab for user {user}"),
            Table::User(None) => "crontab".to_string(),
        };
        let diff = Diff {
            before: before.clone(),
            after: after.clone().unwrap_or_default(),
            before_header: header.clone(),
            after_header: if after.is_some() {
                header
            } else {
                "/dev/null".into()
            },
        };
        Ok(Query::change(CronChange {
            table,
            before,
            after,
        })
        .with_report(report)
        .with_diff(Some(diff)))
    }

    fn apply(
        &self,
        args: &CronArgs,
        change: CronChange,
        cx: &Context,
    ) -> Result<Report, ModuleError> {
        let backup = if args.backup.0 {
            format!(
                "b=$(mktemp /tmp/crontabXXXXXXXX) || exit 1\nprintf '%s' {} > \"$b\" || exit 1\necho \"$b\"\n",
                quote(&change.before)
            )
        } else {
            String::new()
        };
        let (script, stdin, write) = match (&change.table, &change.after) {
            (Table::User(user), Some(text)) => {
                let install = crontab_command(user.as_deref(), "-");
                (format!("{backup}{install}"), Some(text.as_bytes()), None)
            }
            (Table::File { path, .. }, None) => {
                (format!("{backup}rm -f -- {}", quote(path)), None, None)
            }
            (Table::File { path, exists }, Some(text)) => {
                (backup.clone(), None, Some((path, *exists, text)))
            }
            (Table::User(_), None) => unreachable!("a user crontab is never removed"),
        };
        let mut report = Report::changed();
        if !script.is_empty() {
            let out = run_checked(cx.target, &script, stdin)?;
            if args.backup.0 {
                report = report.with("backup_file", out.lines().next().unwrap_or_default());
            }
        }
        if let Some((path, exists, text)) = write {
            // New cron files get the mode cron expects; existing ones keep theirs.
            let attrs = FileAttrs {
                mode: (!exists).then_some(0o644),
                ..FileAttrs::default()
            };
            cx.target.write(path, text.as_bytes(), &attrs)?;
        }
        Ok(report)
    }
}

fn run_checked(
    target: &dyn Target,
    script: &str,
    stdin: Option<&[u8]>,
) -> Result<String, ModuleError> {
    let out = target.run(script, stdin)?;
    if out.success() {
        Ok(out.stdout_str())
    } else {
        Err(ModuleError::failed(format!(
            "cron: {}",
            out.stderr_str().trim()
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{run_dyn as run_module, LocalTarget, TempDir};
    use serde_json::{json, Value};

    /// A `crontab` that keeps each user's table in a file of the temp dir.
    fn fake_crontab(dir: &TempDir) -> LocalTarget {
        let store = dir.join("tabs");
        std::fs::create_dir_all(&store).unwrap();
        dir.script(
            "bin/crontab",
            &format!(
                r#"#!/bin/sh
user=$(id -un)
if [ "$1" = -u ]; then user=$2; shift 2; fi
case "$1" in
  -l) [ -f "{store}/$user" ] || {{ echo "no crontab for $user" >&2; exit 1; }}; cat "{store}/$user" ;;
  -) cat > "{store}/$user" ;;
  *) echo "usage" >&2; exit 2 ;;
esac
"#
            ),
        );
        LocalTarget::new().with_path_first(&dir.path().join("bin"))
    }

    fn tab(dir: &TempDir, user: &str) -> Option<String> {
        std::fs::read_to_string(dir.path().join("tabs").join(user)).ok()
    }

    fn cron(target: &LocalTarget, args: Value) -> Report {
        run_module(&Cron, target, args, false).unwrap()
    }

    #[test]
    fn user_crontab_add_then_unchanged_then_remove() {
        let dir = TempDir::new();
        let target = fake_crontab(&dir);
        let me = String::from_utf8(
            std::process::Command::new("id")
                .arg("-un")
                .output()
                .unwrap()
                .stdout,
        )
        .unwrap();
        let me = me.trim();
        let args =
            json!({"name": "backup", "minute": 5, "hour": "2", "job": "/usr/local/bin/backup"});
        let first = cron(&target, args.clone());
        assert!(first.changed);
        assert_eq!(
            tab(&dir, me).unwrap(),
            "#Ansible: backup\n5 2 * * * /usr/local/bin/backup\n"
        );
        assert_eq!(first.fields["jobs"], json!(["backup"]));
        let diff = first.diff.unwrap();
        assert_eq!(
            (diff.before.as_str(), diff.after.as_str()),
            ("", "#Ansible: backup\n5 2 * * * /usr/local/bin/backup\n")
        );

        assert!(!cron(&target, args).changed);

        let gone = cron(&target, json!({"name": "backup", "state": "absent"}));
        assert!(gone.changed);
        assert_eq!(tab(&dir, me).unwrap(), "");
        assert!(!cron(&target, json!({"name": "backup", "state": "absent"})).changed);
    }

    #[test]
    fn another_users_crontab_keeps_foreign_lines_and_backs_up() {
        let dir = TempDir::new();
        let target = fake_crontab(&dir);
        std::fs::write(dir.path().join("tabs/gluu"), "MAILTO=x\n0 1 * * * mine\n").unwrap();
        let args = json!({"name": "r", "special_time": "reboot", "job": "start", "user": "gluu", "backup": true});
        let r = cron(&target, args);
        assert!(r.changed);
        assert_eq!(
            tab(&dir, "gluu").unwrap(),
            "MAILTO=x\n0 1 * * * mine\n#Ansible: r\n@reboot start\n"
        );
        let backup = r.fields["backup_file"].as_str().unwrap().to_string();
        assert_eq!(
            std::fs::read_to_string(&backup).unwrap(),
            "MAILTO=x\n0 1 * * * mine\n"
        );
        std::fs::remove_file(backup).unwrap();
    }

    #[test]
    fn check_mode_reports_without_writing() {
        let dir = TempDir::new();
        let target = fake_crontab(&dir);
        let r = run_module(
            &Cron,
            &target,
            json!({"name": "x", "job": "true", "user": "u1"}),
            true,
        )
        .unwrap();
        assert!(r.changed);
        assert_eq!(tab(&dir, "u1"), None);
    }

    #[test]
    fn cron_file_with_user_column_and_removal_when_empty() {
        let dir = TempDir::new();
        let target = LocalTarget::new();
        let file = dir.join("gluu");
        let args = json!({"name": "clean", "cron_file": file, "user": "root", "minute": "*/10", "job": "clean up"});
        assert!(cron(&target, args.clone()).changed);
        assert_eq!(
            std::fs::read_to_string(&file).unwrap(),
            "#Ansible: clean\n*/10 * * * * root clean up\n"
        );
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
            0o644
        );
        assert!(!cron(&target, args.clone()).changed);

        let env =
            json!({"name": "PATH", "env": true, "job": "/bin", "cron_file": file, "user": "root"});
        assert!(cron(&target, env.clone()).changed);
        assert!(!cron(&target, env).changed);
        assert!(std::fs::read_to_string(&file)
            .unwrap()
            .starts_with("PATH=\"/bin\"\n#Ansible: clean\n"));

        let drop_env = json!({"name": "PATH", "env": true, "state": "absent", "cron_file": file});
        assert!(cron(&target, drop_env).changed);
        let drop_job = json!({"name": "clean", "state": "absent", "cron_file": file});
        assert!(cron(&target, drop_job.clone()).changed);
        assert!(!std::path::Path::new(&file).exists());
        assert!(!cron(&target, drop_job.clone()).changed);

        // Left with blank lines only, the file goes too.
        assert!(cron(&target, args).changed);
        let mut text = std::fs::read_to_string(&file).unwrap();
        text.push_str("\n    \n\t\n");
        std::fs::write(&file, text).unwrap();
        assert!(cron(&target, drop_job).changed);
        assert!(!std::path::Path::new(&file).exists());
    }

    #[test]
    fn cron_file_without_name_and_absent_removes_the_file() {
        let dir = TempDir::new();
        let file = dir.join("old");
        std::fs::write(&file, "0 1 * * * root x\n").unwrap();
        let target = LocalTarget::new();
        assert!(cron(&target, json!({"cron_file": file, "state": "absent"})).changed);
        assert!(!std::path::Path::new(&file).exists());
    }

    #[test]
    fn rejects_bad_combinations() {
        let target = LocalTarget::new();
        let dir = TempDir::new();
        let file = dir.join("f");
        let both = json!({"name": "x", "job": "y", "minute": 1, "special_time": "daily", "cron_file": file});
        assert!(run_module(&Cron, &target, both, false).is_err());
        let no_job = json!({"name": "x", "cron_file": file});
        assert!(run_module(&Cron, &target, no_job, false).is_err());
        assert!(run_module(
            &Cron,
            &target,
            json!({"name": "x", "special_time": "sometimes"}),
            false
        )
        .is_err());
    }
}
