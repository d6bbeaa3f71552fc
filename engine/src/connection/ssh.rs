//! The SSH connection: the system `ssh` binary (so ~/.ssh/config, agents, ProxyJump and
//! known_hosts work as users expect), one ControlMaster per host, shells as mux sessions.
//! Masters outlive the run (see `ssh_control`); Ctrl-C ends those this run started.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use troupe_modules::TargetError;

use super::handshake_gate;
use super::host_connection::HostConnection;
use super::launcher::{Launch, Launcher};
use super::shell_session::SessionOptions;
use super::ssh_control::{started_by_this_run, ControlSettings};
use super::ssh_kex;
use super::ConnectionSpec;
use troupe_modules::shell_text::quote as q;

/// Connection attempts when the server drops a new connection (sshd's `MaxStartups`).
const CONNECT_ATTEMPTS: u32 = 3;

/// What ssh says when a server dropped the connection before talking: worth another try.
const TRANSIENT_ERRORS: [&str; 3] = [
    "kex_exchange_identification",
    "Connection reset",
    "Connection closed by",
];

/// What a mux client says when the master it found is broken: worth a fresh master.
const BROKEN_MASTER_ERRORS: [&str; 2] = ["mux_client", "muxclient"];

/// Runs `/bin/sh` on one host through `ssh`, all sessions sharing one master connection.
pub struct SshLauncher {
    /// Everything before the destination: the user's args first (ssh keeps the first value
    /// it sees for an option), then troupe's.
    options: Vec<String>,
    destination: String,
    /// Troupe's control directory; `None` when the user's ssh settings place the socket.
    control_dir: Option<PathBuf>,
    /// A login password, given to ssh by `sshpass` (through its environment, never argv).
    password: Option<super::Password>,
}

impl SshLauncher {
    pub fn new(spec: &ConnectionSpec) -> Result<Self, TargetError> {
        let control = ControlSettings::for_spec(spec).map_err(|e| {
            TargetError::Unreachable(format!(
                "cannot create a directory for ssh control sockets: {e}"
            ))
        })?;
        if spec.password.is_some() && !sshpass_installed() {
            return Err(TargetError::Unreachable(
                "ansible_password (or -k) logs in with a password through sshpass, which is not installed (apt install sshpass)".into(),
            ));
        }
        let mut options = spec.ssh_args.clone();
        let mut option = |o: String| options.extend(["-o".to_string(), o]);
        // BatchMode forbids password prompts; sshpass answers the one a password login asks.
        let batch = if spec.password.is_some() { "no" } else { "yes" };
        option(format!("BatchMode={batch}"));
        option(format!("ConnectTimeout={}", spec.timeout_secs.max(1)));
        // A host that dies mid-task is given up on within about the connection timeout.
        option(format!(
            "ServerAliveInterval={}",
            spec.timeout_secs.div_ceil(3).max(1)
        ));
        option("ServerAliveCountMax=3".into());
        if !spec.host_key_checking {
            option("StrictHostKeyChecking=no".into());
            option("UserKnownHostsFile=/dev/null".into());
        }
        if let Some(port) = spec.port {
            option(format!("Port={port}"));
        }
        if let Some(user) = &spec.user {
            option(format!("User={user}"));
        }
        if let Some(key) = &spec.private_key {
            option(format!("IdentityFile={key}"));
        }
        if let Some(kex) = ssh_kex::kex_option(&spec.ssh_args) {
            option(kex);
        }
        for o in control.options {
            option(o);
        }
        options.push("-T".into());
        Ok(SshLauncher {
            options,
            destination: spec.host.clone(),
            control_dir: control.dir,
            password: spec.password.clone(),
        })
    }

    /// The directory of the master's socket, when troupe placed it.
    pub fn control_dir(&self) -> Option<&Path> {
        self.control_dir.as_deref()
    }

    fn ssh(&self, extra: &[&str]) -> Command {
        let mut command = match &self.password {
            Some(password) => {
                let mut c = Command::new("sshpass");
                c.arg("-e").arg("ssh").env("SSHPASS", &password.0);
                c
            }
            None => Command::new("ssh"),
        };
        command
            .args(&self.options)
            .args(extra)
            .arg("--")
            .arg(&self.destination);
        command
    }

    /// Runs `ssh -O COMMAND` against this host's master; what it said on stderr.
    fn control(&self, command: &str) -> Option<String> {
        let output = self
            .ssh(&["-O", command])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output()
            .ok()?;
        output
            .status
            .success()
            .then(|| String::from_utf8_lossy(&output.stderr).into_owned())
    }

    /// The process id of the master serving this host, when one runs.
    pub fn master_pid(&self) -> Option<u32> {
        let said = self.control("check")?;
        let pid = said.split("pid=").nth(1)?;
        pid.split(|c: char| !c.is_ascii_digit())
            .next()?
            .parse()
            .ok()
    }

    /// Asks this host's master to exit now (its socket goes with it).
    fn exit_master(&self) {
        let _ = self.control("exit");
    }
}

impl Launcher for SshLauncher {
    fn launch(&self, script: Option<&str>) -> Launch {
        // The remote login shell reads this command line; make it exec a POSIX sh at once.
        let remote = match script {
            None => "exec /bin/sh".to_string(),
            Some(script) => format!("exec /bin/sh -c {}", q(script)),
        };
        let mut command = self.ssh(&[]);
        command.arg(remote);
        Launch::process(command)
    }

    /// Ends the master if this run started it; one an earlier run left expires by itself.
    fn abort(&self) {
        if self.master_pid().is_some_and(started_by_this_run) {
            self.exit_master();
        }
    }
}

fn sshpass_installed() -> bool {
    Command::new("sshpass")
        .arg("-V")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

/// Connects to `spec.host`: starts the master and the login shell, retrying when the server
/// dropped the connection early. Failure is `Unreachable` with ssh's own words.
pub fn open_ssh(
    name: &str,
    spec: &ConnectionSpec,
    options: SessionOptions,
) -> Result<HostConnection, TargetError> {
    let mut attempt = 1;
    loop {
        let launcher = Arc::new(SshLauncher::new(spec)?);
        let opened = {
            let _turn = handshake_gate::wait_turn();
            HostConnection::open(name, launcher.clone(), options.clone())
        };
        match opened {
            Err(TargetError::Unreachable(why))
                if attempt < CONNECT_ATTEMPTS
                    && BROKEN_MASTER_ERRORS.iter().any(|t| why.contains(t)) =>
            {
                // A master left by an earlier run whose connection died: start afresh.
                launcher.exit_master();
                attempt += 1;
            }
            Err(TargetError::Unreachable(why))
                if attempt < CONNECT_ATTEMPTS
                    && TRANSIENT_ERRORS.iter().any(|t| why.contains(t)) =>
            {
                std::thread::sleep(Duration::from_millis(300 * u64::from(attempt)));
                attempt += 1;
            }
            result => return result,
        }
    }
}
