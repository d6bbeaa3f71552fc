//! The SSH connection: the system `ssh` binary (so ~/.ssh/config, agents, ProxyJump and
//! known_hosts work as users expect), one ControlMaster per host, shells as mux sessions.

use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use troupe_modules::TargetError;

use super::host_connection::HostConnection;
use super::launcher::{Launch, Launcher};
use super::quote::shell_quote as q;
use super::random_token::random_token;
use super::shell_session::SessionOptions;
use super::ConnectionSpec;

/// Connection attempts when the server drops a new connection (sshd's `MaxStartups`).
const CONNECT_ATTEMPTS: u32 = 3;

/// What ssh says when a server dropped the connection before talking: worth another try.
const TRANSIENT_ERRORS: [&str; 3] = [
    "kex_exchange_identification",
    "Connection reset",
    "Connection closed by",
];

/// Runs `/bin/sh` on one host through `ssh`, all sessions sharing one master connection.
pub struct SshLauncher {
    /// Everything before the destination: the user's args first (ssh keeps the first value
    /// it sees for an option), then troupe's.
    options: Vec<String>,
    destination: String,
    /// Private to this connection; holds the master's socket.
    control_dir: PathBuf,
}

impl SshLauncher {
    pub fn new(spec: &ConnectionSpec) -> Result<Self, TargetError> {
        let control_dir = create_control_dir().map_err(|e| {
            TargetError::Unreachable(format!(
                "cannot create a directory for ssh control sockets: {e}"
            ))
        })?;
        let mut options = spec.ssh_args.clone();
        let mut option = |o: String| options.extend(["-o".to_string(), o]);
        option("BatchMode=yes".into());
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
        option("ControlMaster=auto".into());
        option("ControlPersist=60s".into());
        option(format!("ControlPath={}/%C", control_dir.display()));
        options.push("-T".into());
        Ok(SshLauncher {
            options,
            destination: spec.host.clone(),
            control_dir,
        })
    }

    /// Where the master's socket lives (removed at shutdown).
    pub fn control_dir(&self) -> &Path {
        &self.control_dir
    }

    fn ssh(&self, extra: &[&str]) -> Command {
        let mut command = Command::new("ssh");
        command
            .args(&self.options)
            .args(extra)
            .arg("--")
            .arg(&self.destination);
        command
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
        Launch {
            command,
            password: None,
        }
    }

    fn shutdown(&self) {
        let _ = self
            .ssh(&["-O", "exit"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = std::fs::remove_dir_all(&self.control_dir);
    }
}

/// A fresh 0700 directory for control sockets, short enough for a socket path.
fn create_control_dir() -> std::io::Result<PathBuf> {
    let temp = std::env::temp_dir();
    // A socket path has about 104 bytes; %C alone takes 40.
    let base = if temp.as_os_str().len() > 40 {
        Path::new("/tmp").to_path_buf()
    } else {
        temp
    };
    let dir = base.join(format!("troupe-ssh-{}", &random_token()[..12]));
    std::fs::DirBuilder::new().mode(0o700).create(&dir)?;
    Ok(dir)
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
        match HostConnection::open(name, launcher, options.clone()) {
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
