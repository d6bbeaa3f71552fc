//! `service`: starts, stops, restarts, reloads, enables and disables a service, through
//! systemd when the target runs it, else through SysV init scripts (`/etc/init.d/<name>`).

use serde::Deserialize;
use serde_json::json;

use crate::helpers::args::Bool;
use crate::error::ModuleError;
use crate::module::{Context, Module, Query};
use crate::report::Report;
use crate::helpers::shell_text::quote;
use crate::target::Target;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ServiceState {
    Started,
    Stopped,
    Restarted,
    Reloaded,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceArgs {
    pub name: String,
    pub state: Option<ServiceState>,
    pub enabled: Option<Bool>,
    /// A substring of the service's `ps` line, for init scripts without a useful `status`.
    pub pattern: Option<String>,
}

/// What is asked of one service, whichever module asked it.
#[derive(Debug, Clone, Default)]
pub struct Desired {
    pub name: String,
    pub state: Option<ServiceState>,
    pub enabled: Option<bool>,
    pub pattern: Option<String>,
    pub daemon_reload: bool,
    pub no_block: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Manager {
    Systemd,
    SysV,
}

/// How SysV links are switched on and off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enabler {
    UpdateRcD,
    Chkconfig,
    /// `S`/`K` symlinks in `/etc/rc?.d`, made by hand.
    Links,
}

/// What the status probe found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub manager: Manager,
    pub running: bool,
    pub enabled: bool,
    pub enabler: Enabler,
    /// systemd's words (`active`, `enabled`...) or the init script's status code.
    pub raw: Vec<(String, String)>,
}

/// What `apply` does.
#[derive(Debug)]
pub enum ServicePlan {
    /// Run these commands (a script).
    Run(String),
    /// `daemon_reload` first: the status is only known after it.
    AfterDaemonReload,
}

/// The service code, given the root of the file system it looks at (`""` for `/`; tests
/// point it at a directory holding `etc/init.d` and `etc/rc?.d`).
pub struct ServiceManager {
    pub root: &'static str,
}

impl ServiceManager {
    fn status_script(&self, want: &Desired) -> String {
        let pattern_check = match &want.pattern {
            // The pattern is spelled in octal escapes so that this script's own `ps` line
            // does not match it.
            Some(p) => format!(
                "pat=$(printf '{}')\nprocs=$(ps -eo args= 2>/dev/null || for f in /proc/[0-9]*/cmdline; do tr '\\0' ' ' < \"$f\"; echo; done 2>/dev/null)\nprintf '%s\\n' \"$procs\" | grep -qF -- \"$pat\"",
                p.bytes().map(|b| format!("\\{b:03o}")).collect::<String>()
            ),
            None => "\"$root/etc/init.d/$name\" status >/dev/null 2>&1".to_string(),
        };
        format!(
            r#"name={name}
root={root}
if [ -d "$root/run/systemd/system" ] && command -v systemctl >/dev/null 2>&1; then
  echo mgr=systemd
  systemctl show -p LoadState -- "$name" 2>/dev/null
  echo "active=$(systemctl is-active -- "$name" 2>/dev/null)"
  enabled=$(systemctl is-enabled -- "$name" 2>/dev/null)
  echo "enabled_rc=$?"
  echo "enabled=$enabled"
elif [ -f "$root/etc/init.d/$name" ]; then
  echo mgr=sysv
  {pattern_check}
  echo "status_rc=$?"
  for f in "$root"/etc/rc[2345].d/S[0-9][0-9]"$name"; do [ -e "$f" ] && echo enabled=yes && break; done
  if [ -n "$root" ]; then echo enabler=links
  elif command -v update-rc.d >/dev/null 2>&1; then echo enabler=update-rc.d
  elif command -v chkconfig >/dev/null 2>&1; then echo enabler=chkconfig
  else echo enabler=links; fi
else
  echo mgr=none
fi
"#,
            name = quote(&want.name),
            root = quote(self.root),
        )
    }

    /// The service's state, in one round trip; `before` runs first (e.g. `daemon-reload`).
    pub fn status(
        &self,
        target: &dyn Target,
        want: &Desired,
        before: &str,
    ) -> Result<Status, ModuleError> {
        let out = target.run(&format!("{before}{}", self.status_script(want)), None)?;
        if !out.success() {
            return Err(ModuleError::failed(out.stderr_str().trim().to_string()));
        }
        parse_status(&out.stdout_str()).ok_or_else(|| {
            ModuleError::failed(format!(
                "Could not find the requested service {}: host {}",
                want.name,
                target.name()
            ))
        })
    }

    /// The commands that make `status` what is wanted; empty when it already is.
    pub fn actions(&self, status: &Status, want: &Desired) -> Vec<String> {
        let mut actions = Vec::new();
        if let Some(enable) = want.enabled.filter(|e| *e != status.enabled) {
            actions.push(self.enable_command(status, &want.name, enable));
        }
        let verb = match want.state {
            Some(ServiceState::Started) if !status.running => Some("start"),
            Some(ServiceState::Stopped) if status.running => Some("stop"),
            Some(ServiceState::Restarted) => Some("restart"),
            // Reloading a stopped service starts it, as Ansible does.
            Some(ServiceState::Reloaded) if status.running => Some("reload"),
            Some(ServiceState::Reloaded) => Some("start"),
            _ => None,
        };
        if let Some(verb) = verb {
            actions.push(match status.manager {
                Manager::Systemd => {
                    let no_block = if want.no_block { " --no-block" } else { "" };
                    format!("systemctl{no_block} {verb} -- {}", quote(&want.name))
                }
                Manager::SysV => format!("{} {verb}", quote(&self.init_script(&want.name))),
            });
        }
        actions
    }

    fn init_script(&self, name: &str) -> String {
        format!("{}/etc/init.d/{name}", self.root)
    }

    fn enable_command(&self, status: &Status, name: &str, enable: bool) -> String {
        let q = quote(name);
        let on_off = |on: &str, off: &str| {
            if enable {
                on.to_string()
            } else {
                off.to_string()
            }
        };
        match (status.manager, status.enabler) {
            (Manager::Systemd, _) => format!("systemctl {} -- {q}", on_off("enable", "disable")),
            (Manager::SysV, Enabler::UpdateRcD) if enable => {
                format!("update-rc.d {q} defaults >/dev/null && update-rc.d {q} enable")
            }
            (Manager::SysV, Enabler::UpdateRcD) => format!("update-rc.d {q} disable"),
            (Manager::SysV, Enabler::Chkconfig) => {
                format!(
                    "chkconfig --add {q} && chkconfig {q} {}",
                    on_off("on", "off")
                )
            }
            (Manager::SysV, Enabler::Links) => {
                let root = quote(self.root);
                let (start_levels, stop_levels) = if enable {
                    ("2 3 4 5", "0 1 6")
                } else {
                    ("", "0 1 2 3 4 5 6")
                };
                format!(
                    "root={root}; name={q}\n\
                     for l in 0 1 2 3 4 5 6; do mkdir -p \"$root/etc/rc$l.d\" && rm -f \"$root/etc/rc$l.d/\"[SK][0-9][0-9]\"$name\" || exit 1; done\n\
                     for l in {start_levels}; do ln -s \"../init.d/$name\" \"$root/etc/rc$l.d/S20$name\" || exit 1; done\n\
                     for l in {stop_levels}; do ln -s \"../init.d/$name\" \"$root/etc/rc$l.d/K01$name\" || exit 1; done"
                )
            }
        }
    }

    pub fn query(&self, want: &Desired, cx: &Context) -> Result<Query<ServicePlan>, ModuleError> {
        if want.state.is_none() && want.enabled.is_none() && !want.daemon_reload {
            return Err(ModuleError::args(
                "one of the following is required: state, enabled",
            ));
        }
        if want.daemon_reload && !cx.check_mode {
            return Ok(Query::change(ServicePlan::AfterDaemonReload));
        }
        if want.name.is_empty() {
            return Ok(Query::unchanged(Report::ok()));
        }
        let status = self.status(cx.target, want, "")?;
        let actions = self.actions(&status, want);
        let report = report(want, &status);
        if actions.is_empty() {
            return Ok(Query::unchanged(report));
        }
        Ok(Query::change(ServicePlan::Run(actions.join("\n"))).with_report(report))
    }

    pub fn apply(
        &self,
        want: &Desired,
        plan: ServicePlan,
        cx: &Context,
    ) -> Result<Report, ModuleError> {
        let (script, report) = match plan {
            ServicePlan::Run(script) => (script, Report::changed()),
            ServicePlan::AfterDaemonReload if want.name.is_empty() => {
                run_actions(cx.target, "systemctl daemon-reload")?;
                // Reloading the daemon alone changes nothing a user asked for.
                return Ok(Report::ok());
            }
            ServicePlan::AfterDaemonReload => {
                let status = self.status(cx.target, want, "systemctl daemon-reload || exit 1\n")?;
                let actions = self.actions(&status, want);
                let mut report = report(want, &status);
                report.changed = !actions.is_empty();
                (actions.join("\n"), report)
            }
        };
        if !script.is_empty() {
            run_actions(cx.target, &script)?;
        }
        Ok(report)
    }
}

/// Runs service commands with their output going to a file, not to the connection: a daemon
/// started by an init script keeps what it inherited open, which would hold the session.
fn run_actions(target: &dyn Target, script: &str) -> Result<(), ModuleError> {
    let wrapped = format!(
        "log=$(mktemp) || exit 1\n( set -e\n{script}\n) >\"$log\" 2>&1 </dev/null\nrc=$?\ncat \"$log\"\nrm -f \"$log\"\nexit $rc"
    );
    let out = target.run(&wrapped, None)?;
    if out.success() {
        return Ok(());
    }
    Err(ModuleError::failed(out.stdout_str().trim().to_string()))
}

/// Reads the probe's `key=value` lines; `None` when the service does not exist.
pub fn parse_status(out: &str) -> Option<Status> {
    let raw: Vec<(String, String)> = out
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let get = |key: &str| raw.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
    match get("mgr")? {
        "systemd" => {
            if get("LoadState") == Some("not-found") {
                return None;
            }
            let active = get("active").unwrap_or_default();
            let enabled_word = get("enabled").unwrap_or_default();
            Some(Status {
                manager: Manager::Systemd,
                running: matches!(active, "active" | "activating" | "reloading"),
                enabled: get("enabled_rc") == Some("0")
                    && !matches!(enabled_word, "indirect" | "alias"),
                enabler: Enabler::Links,
                raw,
            })
        }
        "sysv" => Some(Status {
            manager: Manager::SysV,
            running: get("status_rc") == Some("0"),
            enabled: get("enabled") == Some("yes"),
            enabler: match get("enabler") {
                Some("update-rc.d") => Enabler::UpdateRcD,
                Some("chkconfig") => Enabler::Chkconfig,
                _ => Enabler::Links,
            },
            raw,
        }),
        _ => None,
    }
}

/// Ansible's return values: the name, the state it is now in, whether it is enabled.
fn report(want: &Desired, status: &Status) -> Report {
    let state = match want.state {
        Some(ServiceState::Stopped) => "stopped",
        Some(_) => "started",
        None if status.running => "started",
        None => "stopped",
    };
    let manager = match status.manager {
        Manager::Systemd => "systemd",
        Manager::SysV => "sysv",
    };
    let mut status_fields = serde_json::Map::new();
    status_fields.insert("manager".into(), manager.into());
    for (k, v) in &status.raw {
        if k != "mgr" {
            status_fields.insert(k.clone(), v.clone().into());
        }
    }
    Report::ok()
        .with("name", want.name.as_str())
        .with("state", state)
        .with("enabled", want.enabled.unwrap_or(status.enabled))
        .with("status", json!(status_fields))
}

/// The `service` module.
pub struct Service;

const SYSTEM: ServiceManager = ServiceManager { root: "" };

impl ServiceArgs {
    fn desired(&self) -> Desired {
        Desired {
            name: self.name.clone(),
            state: self.state,
            enabled: self.enabled.map(|b| b.0),
            pattern: self.pattern.clone(),
            ..Desired::default()
        }
    }
}

impl Module for Service {
    type Args = ServiceArgs;
    type Change = ServicePlan;
    const NAME: &'static str = "service";

    fn query(&self, args: &ServiceArgs, cx: &Context) -> Result<Query<ServicePlan>, ModuleError> {
        SYSTEM.query(&args.desired(), cx)
    }

    fn apply(
        &self,
        args: &ServiceArgs,
        plan: ServicePlan,
        cx: &Context,
    ) -> Result<Report, ModuleError> {
        SYSTEM.apply(&args.desired(), plan, cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{LocalTarget, TempDir};
    use std::path::Path;

    /// A SysV init script that keeps its "running" flag in a file beside it.
    fn init_script(root: &TempDir) -> &'static str {
        let flag = root.join("running");
        root.script(
            "etc/init.d/demo",
            &format!(
                "#!/bin/sh\ncase \"$1\" in\n\
                 start) touch {flag}; echo start >> {log} ;;\n\
                 stop) rm -f {flag}; echo stop >> {log} ;;\n\
                 restart) touch {flag}; echo restart >> {log} ;;\n\
                 reload) echo reload >> {log} ;;\n\
                 status) [ -e {flag} ] ;;\n\
                 esac\n",
                log = root.join("log")
            ),
        );
        Box::leak(root.path().display().to_string().into_boxed_str())
    }

    fn run(manager: &ServiceManager, want: &Desired, check_mode: bool) -> Report {
        let target = LocalTarget::new();
        let cx = Context {
            target: &target,
            check_mode,
            diff: false,
        };
        let query = manager.query(want, &cx).unwrap();
        match query.change {
            None => query.report,
            Some(_) if check_mode => Report {
                changed: true,
                ..query.report
            },
            Some(plan) => {
                // As the registry does: apply's report over the query's.
                let applied = manager.apply(want, plan, &cx).unwrap();
                let mut fields = query.report.fields;
                fields.extend(applied.fields);
                Report { fields, ..applied }
            }
        }
    }

    fn want(state: Option<ServiceState>, enabled: Option<bool>) -> Desired {
        Desired {
            name: "demo".into(),
            state,
            enabled,
            ..Desired::default()
        }
    }

    fn log(root: &TempDir) -> String {
        std::fs::read_to_string(root.path().join("log")).unwrap_or_default()
    }

    #[test]
    fn sysv_start_is_idempotent_and_stop_stops() {
        let root = TempDir::new();
        let manager = ServiceManager {
            root: init_script(&root),
        };
        let started = want(Some(ServiceState::Started), None);
        assert!(run(&manager, &started, true).changed);
        assert_eq!(log(&root), "", "check mode runs nothing");
        let r = run(&manager, &started, false);
        assert!(r.changed);
        assert_eq!(r.fields["state"], "started");
        assert_eq!(r.fields["status"]["manager"], "sysv");
        assert!(!run(&manager, &started, false).changed);
        assert_eq!(log(&root), "start\n");
        assert!(run(&manager, &want(Some(ServiceState::Stopped), None), false).changed);
        assert!(!run(&manager, &want(Some(ServiceState::Stopped), None), false).changed);
        assert_eq!(log(&root), "start\nstop\n");
    }

    #[test]
    fn sysv_restart_and_reload_always_act() {
        let root = TempDir::new();
        let manager = ServiceManager {
            root: init_script(&root),
        };
        assert!(run(&manager, &want(Some(ServiceState::Reloaded), None), false).changed);
        assert!(run(&manager, &want(Some(ServiceState::Reloaded), None), false).changed);
        assert!(run(&manager, &want(Some(ServiceState::Restarted), None), false).changed);
        assert_eq!(log(&root), "start\nreload\nrestart\n");
    }

    #[test]
    fn sysv_enable_and_disable_with_rc_links() {
        let root = TempDir::new();
        let manager = ServiceManager {
            root: init_script(&root),
        };
        let enable = want(None, Some(true));
        assert!(run(&manager, &enable, false).changed);
        assert!(root
            .path()
            .join("etc/rc2.d/S20demo")
            .symlink_metadata()
            .is_ok());
        assert!(root
            .path()
            .join("etc/rc0.d/K01demo")
            .symlink_metadata()
            .is_ok());
        let again = run(&manager, &enable, false);
        assert!(!again.changed);
        assert_eq!(again.fields["enabled"], true);
        assert!(run(&manager, &want(None, Some(false)), false).changed);
        assert!(!Path::new(&root.join("etc/rc2.d/S20demo")).exists());
        assert!(root
            .path()
            .join("etc/rc2.d/K01demo")
            .symlink_metadata()
            .is_ok());
        assert!(!run(&manager, &want(None, Some(false)), false).changed);
    }

    #[test]
    fn pattern_looks_for_a_process_instead_of_status() {
        let root = TempDir::new();
        let manager = ServiceManager {
            root: init_script(&root),
        };
        let mut sleeper = std::process::Command::new("sleep")
            .arg("3607")
            .spawn()
            .unwrap();
        let mut started = want(Some(ServiceState::Started), None);
        started.pattern = Some("sleep 3607".into());
        let found = run(&manager, &started, false);
        started.pattern = Some("sleep 3608".into());
        let missing = run(&manager, &started, false);
        sleeper.kill().unwrap();
        sleeper.wait().unwrap();
        assert!(!found.changed, "the process runs");
        assert!(missing.changed, "no such process: started");
    }

    #[test]
    fn a_missing_service_fails() {
        let root = TempDir::new();
        let manager = ServiceManager {
            root: Box::leak(root.path().display().to_string().into_boxed_str()),
        };
        let target = LocalTarget::new();
        let cx = Context {
            target: &target,
            check_mode: false,
            diff: false,
        };
        let Err(err) = manager.query(&want(Some(ServiceState::Started), None), &cx) else {
            panic!("a missing service was found");
        };
        assert!(
            err.to_string()
                .contains("Could not find the requested service demo"),
            "{err}"
        );
    }

    #[test]
    fn reads_systemd_answers() {
        let s = parse_status(
            "mgr=systemd\nLoadState=loaded\nactive=active\nenabled_rc=0\nenabled=enabled\n",
        )
        .unwrap();
        assert!(s.running && s.enabled);
        assert_eq!(s.manager, Manager::Systemd);
        let s = parse_status(
            "mgr=systemd\nLoadState=loaded\nactive=inactive\nenabled_rc=1\nenabled=disabled\n",
        )
        .unwrap();
        assert!(!s.running && !s.enabled);
        let s = parse_status(
            "mgr=systemd\nLoadState=loaded\nactive=failed\nenabled_rc=0\nenabled=indirect\n",
        )
        .unwrap();
        assert!(!s.running && !s.enabled);
        assert_eq!(
            parse_status("mgr=systemd\nLoadState=not-found\nactive=inactive\n"),
            None
        );
        assert_eq!(parse_status("mgr=none\n"), None);
    }

    #[test]
    fn systemd_actions_are_systemctl_commands() {
        let status = parse_status(
            "mgr=systemd\nLoadState=loaded\nactive=inactive\nenabled_rc=1\nenabled=disabled\n",
        )
        .unwrap();
        let actions = SYSTEM.actions(&status, &want(Some(ServiceState::Started), Some(true)));
        assert_eq!(
            actions,
            ["systemctl enable -- demo", "systemctl start -- demo"]
        );
    }
}
