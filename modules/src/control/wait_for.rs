//! `wait_for`: waits, on the target, for a port, a file or a string in it. The whole wait is
//! one remote script bounded by the timeout, not a loop of round trips.

use serde::Deserialize;

use crate::helpers::args::Int;
use crate::error::ModuleError;
use crate::module::{Context, Module, Query};
use crate::report::Report;
use crate::helpers::shell_text::quote;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WaitState {
    #[default]
    Started,
    Present,
    Stopped,
    Absent,
    Drained,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WaitForArgs {
    #[serde(default = "localhost")]
    pub host: String,
    pub port: Option<Int>,
    pub path: Option<String>,
    pub search_regex: Option<String>,
    #[serde(default)]
    pub state: WaitState,
    #[serde(default = "five_minutes")]
    pub timeout: Int,
    #[serde(default)]
    pub delay: Int,
    #[serde(default = "one")]
    pub sleep: Int,
    #[serde(default = "five")]
    pub connect_timeout: Int,
    pub msg: Option<String>,
}

fn localhost() -> String {
    "127.0.0.1".into()
}
fn five_minutes() -> Int {
    Int(300)
}
fn one() -> Int {
    Int(1)
}
fn five() -> Int {
    Int(5)
}

/// Shell functions the checks use. Ports are probed with bash's `/dev/tcp` where bash is,
/// else `nc`, else (local hosts only) the listening sockets in `/proc/net/tcp`.
const HELPERS: &str = r#"
proc_sockets() { # states as two hex digits, e.g. 0A for LISTEN
  hex=$(printf '%04X' "$port")
  cat /proc/net/tcp /proc/net/tcp6 2>/dev/null |
    awk -v p=":$hex" -v s="$1" '$2 ~ (p "$") && $4 ~ ("^(" s ")$") {n++} END {exit !n}'
}
is_local() { case "$host" in 127.*|localhost|0.0.0.0|::1|::) return 0;; esac; return 1; }
port_open() {
  if command -v bash >/dev/null 2>&1; then
    if command -v timeout >/dev/null 2>&1; then
      timeout "$ct" bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$host" "$port" 2>/dev/null
    else
      bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$host" "$port" 2>/dev/null
    fi
  elif command -v nc >/dev/null 2>&1; then
    nc -z -w "$ct" "$host" "$port" >/dev/null 2>&1
  elif is_local; then
    proc_sockets 0A
  else
    echo "cannot probe $host:$port: the target has neither bash nor nc" >&2; exit 4
  fi
}
port_says() { # what the port sends within the connect timeout
  if command -v bash >/dev/null 2>&1 && command -v timeout >/dev/null 2>&1; then
    timeout "$ct" bash -c 'exec 3<>"/dev/tcp/$0/$1" && cat <&3' "$host" "$port" 2>/dev/null
  elif command -v nc >/dev/null 2>&1; then
    nc -w "$ct" "$host" "$port" </dev/null 2>/dev/null
  else
    echo "cannot read from $host:$port: the target has neither bash (with timeout) nor nc" >&2; exit 4
  fi
}
"#;

impl WaitForArgs {
    /// The check that ends the wait, as shell, and the message when it times out.
    fn check(&self) -> Result<(Option<&'static str>, String), ModuleError> {
        let (host, regex) = (&self.host, self.search_regex.as_deref().unwrap_or_default());
        let port = self.port.map(|p| p.0);
        let waiting_for_start = matches!(self.state, WaitState::Started | WaitState::Present);
        let found = match (port, &self.path, self.state) {
            (Some(p), None, WaitState::Drained) => (
                Some("! proc_sockets '0[1-6]'"),
                format!("Timeout when waiting for {host}:{p} to drain"),
            ),
            (_, _, WaitState::Drained) => {
                return Err(ModuleError::args(
                    "wait_for: state=drained needs a port and no path",
                ))
            }
            (Some(_), Some(_), _) => {
                return Err(ModuleError::args(
                    "wait_for: port and path are mutually exclusive",
                ))
            }
            (Some(p), None, _) if waiting_for_start && !regex.is_empty() => (
                Some("port_says | grep -Eq -- \"$regex\""),
                format!("Timeout when waiting for search string {regex} in {host}:{p}"),
            ),
            (Some(p), None, _) if waiting_for_start => (
                Some("port_open"),
                format!("Timeout when waiting for {host}:{p}"),
            ),
            (Some(p), None, _) => (
                Some("! port_open"),
                format!("Timeout when waiting for {host}:{p} to stop."),
            ),
            (None, Some(path), _) if waiting_for_start && !regex.is_empty() => (
                Some("[ -f \"$path\" ] && grep -Eq -- \"$regex\" \"$path\""),
                format!("Timeout when waiting for search string {regex} in {path}"),
            ),
            (None, Some(path), _) if waiting_for_start => (
                Some("[ -e \"$path\" ]"),
                format!("Timeout when waiting for file {path}"),
            ),
            (None, Some(path), _) => (
                Some("[ ! -e \"$path\" ]"),
                format!("Timeout when waiting for {path} to be absent."),
            ),
            // Nothing to watch: just wait out the timeout, as Ansible does.
            (None, None, _) => (None, String::new()),
        };
        Ok(found)
    }

    fn script(&self, check: Option<&str>) -> String {
        let vars = format!(
            "host={} port={} path={} regex={} ct={} timeout={} delay={} pause={}\n",
            quote(&self.host),
            self.port.map(|p| p.0).unwrap_or_default(),
            quote(self.path.as_deref().unwrap_or_default()),
            quote(self.search_regex.as_deref().unwrap_or_default()),
            self.connect_timeout.0.max(1),
            self.timeout.0.max(0),
            self.delay.0.max(0),
            self.sleep.0.max(1),
        );
        let wait = match check {
            None => "sleep \"$timeout\"\necho \"elapsed=$(( $(date +%s) - start ))\"\n".to_string(),
            Some(check) => format!(
                "deadline=$((start + timeout))\n\
                 while :; do\n\
                 \x20 if {check}; then echo \"elapsed=$(( $(date +%s) - start ))\"; exit 0; fi\n\
                 \x20 now=$(date +%s)\n\
                 \x20 if [ \"$now\" -ge \"$deadline\" ]; then echo \"elapsed=$((now - start))\"; exit 3; fi\n\
                 \x20 sleep \"$pause\"\n\
                 done\n"
            ),
        };
        format!("{vars}{HELPERS}start=$(date +%s)\nsleep \"$delay\"\n{wait}")
    }
}

pub struct WaitFor;

impl Module for WaitFor {
    type Args = WaitForArgs;
    type Change = ();
    const NAME: &'static str = "wait_for";

    /// The waiting happens here: it changes nothing, so check mode waits too, as in Ansible.
    fn query(&self, args: &WaitForArgs, cx: &Context) -> Result<Query<()>, ModuleError> {
        let (check, timeout_msg) = args.check()?;
        let out = cx.target.run(&args.script(check), None)?;
        let stdout = out.stdout_str();
        let elapsed: i64 = stdout
            .lines()
            .find_map(|l| l.strip_prefix("elapsed="))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_default();
        let mut report = Report::ok()
            .with("elapsed", elapsed)
            .with("state", format!("{:?}", args.state).to_lowercase());
        if let Some(port) = args.port {
            report = report.with("port", port.0);
        }
        if let Some(path) = &args.path {
            report = report.with("path", path.as_str());
        }
        if args.search_regex.is_some() && out.success() {
            report = report
                .with("match_groups", serde_json::Value::Array(Vec::new()))
                .with(
                    "match_groupdict",
                    serde_json::Value::Object(Default::default()),
                );
        }
        let report = match out.rc {
            0 => report,
            3 => {
                let msg = args.msg.clone().unwrap_or(timeout_msg);
                report.with("msg", msg.as_str()).fail(msg)
            }
            _ => {
                return Err(ModuleError::failed(format!(
                    "wait_for: {}",
                    out.stderr_str().trim()
                )))
            }
        };
        Ok(Query::unchanged(report))
    }

    fn apply(&self, _: &WaitForArgs, _: (), _: &Context) -> Result<Report, ModuleError> {
        Ok(Report::ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::target::Target;
    use crate::testing::{run_dyn as run_module, LocalTarget, TempDir};
    use serde_json::{json, Value};

    fn wait(args: Value) -> Report {
        run_module(&WaitFor, &LocalTarget::new(), args, false).unwrap()
    }

    #[test]
    fn files_present_absent_and_searched() {
        let dir = TempDir::new();
        let file = dir.join("ready");
        std::fs::write(&file, "status: STARTED on port 8080\n").unwrap();
        let r = wait(json!({"path": file}));
        assert!(r.failed.is_none() && !r.changed);
        // Whole seconds of the host's clock: a present file never waits, but the check may
        // straddle a second boundary.
        let elapsed = r.fields["elapsed"].as_i64().unwrap();
        assert!((0..=1).contains(&elapsed), "elapsed {elapsed}");
        assert!(
            wait(json!({"path": file, "search_regex": "STARTED on port [0-9]+"}))
                .failed
                .is_none()
        );
        assert!(wait(json!({"path": dir.join("never"), "state": "absent"}))
            .failed
            .is_none());
    }

    #[test]
    fn times_out_with_ansibles_message_or_msg() {
        let dir = TempDir::new();
        let missing = dir.join("never");
        let r = wait(json!({"path": missing, "timeout": 0}));
        assert_eq!(
            r.failed,
            Some(format!("Timeout when waiting for file {missing}"))
        );
        let r = wait(
            json!({"path": dir.path(), "state": "absent", "timeout": 0, "msg": "still there"}),
        );
        assert_eq!(r.failed.as_deref(), Some("still there"));
        let file = dir.join("log");
        std::fs::write(&file, "starting\n").unwrap();
        let r = wait(json!({"path": file, "search_regex": "started", "timeout": 0}));
        assert_eq!(
            r.failed,
            Some(format!(
                "Timeout when waiting for search string started in {file}"
            ))
        );
    }

    #[test]
    fn ports_open_and_closed_from_the_targets_side() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        assert!(wait(json!({"port": port, "timeout": 0})).failed.is_none());
        let r = wait(json!({"port": port, "state": "stopped", "timeout": 0}));
        assert_eq!(
            r.failed,
            Some(format!(
                "Timeout when waiting for 127.0.0.1:{port} to stop."
            ))
        );
        drop(listener);
        assert!(
            wait(json!({"port": port, "state": "stopped", "timeout": 0}))
                .failed
                .is_none()
        );
        let r = wait(json!({"port": port, "timeout": 0, "connect_timeout": 1}));
        assert_eq!(
            r.failed,
            Some(format!("Timeout when waiting for 127.0.0.1:{port}"))
        );
    }

    #[test]
    fn listening_ports_are_found_without_bash_or_nc() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let args = WaitForArgs {
            port: Some(Int(port.into())),
            ..serde_json::from_value(json!({})).unwrap()
        };
        let script = format!(
            "{}\nproc_sockets 0A",
            args.script(Some("true")).split("start=").next().unwrap()
        );
        let found = LocalTarget::new().run(&script, None).unwrap();
        drop(listener);
        let gone = LocalTarget::new().run(&script, None).unwrap();
        assert!(found.success(), "{}", found.stderr_str());
        assert!(!gone.success());
    }

    #[test]
    fn rejects_port_and_path_together() {
        let target = LocalTarget::new();
        assert!(run_module(&WaitFor, &target, json!({"port": 1, "path": "/x"}), false).is_err());
    }
}
