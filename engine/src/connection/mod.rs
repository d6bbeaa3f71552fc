//! How the engine reaches a host: the local machine or SSH, each through one long-lived
//! shell per host (and per become user), behind `troupe_modules::Target`.

use std::fmt;
use std::sync::Arc;

use troupe_modules::{Target, TargetError};

use crate::Map;

mod r#become;
mod cleanup_stamps;
mod command_timeout;
mod environment;
mod handshake_gate;
mod host_connection;
mod launcher;
mod local;
mod native_ssh;
mod output_cap;
mod round_trips;
mod session_scripts;
mod settings;
mod shell_session;
mod ssh;
mod ssh_config_files;
mod ssh_control;
mod ssh_kex;
mod stderr_tail;
#[cfg(test)]
mod tests;

pub use command_timeout::{WithTimeout, TIMED_OUT};
pub use environment::{InvalidVariableName, WithEnvironment};
pub use handshake_gate::{limit_handshakes, DEFAULT_HANDSHAKES};
pub use host_connection::HostConnection;
pub use launcher::{Launch, Launcher, PasswordPrompt};
pub use local::{open_local, LocalLauncher};
pub use native_ssh::{open_native, NativeLauncher};
pub use round_trips::round_trips;
pub use settings::{Keywords, Overrides, VARIABLES};
pub use shell_session::{SessionOptions, ShellSession};
pub use ssh::{open_ssh, SshLauncher};

/// How to run commands as another user.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Become {
    pub user: String,
    /// `sudo` or `su`.
    pub method: String,
    pub password: Option<String>,
}

/// Never shows the password.
impl fmt::Debug for Become {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Become")
            .field("user", &self.user)
            .field("method", &self.method)
            .field("password", &self.password.as_ref().map(|_| "<hidden>"))
            .finish()
    }
}

/// Connection settings for one host, resolved from its variables, the play's keywords and the
/// command line by [`ConnectionSpec::resolve`] (`settings.rs`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ConnectionSpec {
    /// `local` or `ssh`.
    pub kind: String,
    pub host: String,
    pub port: Option<u16>,
    pub user: Option<String>,
    pub private_key: Option<String>,
    pub ssh_args: Vec<String>,
    pub timeout_secs: u64,
    pub host_key_checking: bool,
    /// `ansible_control_path_dir`: where SSH masters' sockets live (see `ssh_control`).
    pub control_path_dir: Option<String>,
    /// `ansible_control_path`: the socket's path, `%(directory)s` standing for the directory.
    pub control_path: Option<String>,
    /// `ansible_password` (`-k`): SSH password login, through `sshpass`.
    pub password: Option<Password>,
    /// Which SSH client: `native` (in troupe, `native_ssh`), `openssh` (the system `ssh`), or
    /// `auto`: native where the host's settings need nothing only OpenSSH has.
    pub transport: String,
}

/// A login password: never shown, whatever prints the settings it is in.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Password(pub String);

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<hidden>")
    }
}

/// An open connection to one host.
pub trait Connection: Send + Sync {
    /// The target that runs as the login user, or as `become` says. Cached per become user.
    fn target(&self, r#become: Option<&Become>) -> Result<Arc<dyn Target>, TargetError>;
    /// Closes the shells; SSH masters stay for the next run (`ControlPersist`).
    fn close(&self);
    /// Kills the shells and the SSH master this run started at once, even with commands in
    /// flight (Ctrl-C).
    fn abort(&self);
}

/// Opens a connection (the SSH master and the first shell), or says why the host is unreachable.
pub fn open(name: &str, spec: &ConnectionSpec) -> Result<Arc<dyn Connection>, TargetError> {
    let options = SessionOptions::for_spec(spec);
    match spec.kind.as_str() {
        "local" => Ok(Arc::new(open_local(
            name,
            LocalLauncher::default(),
            options,
        )?)),
        "ssh" | "smart" | "paramiko" => match spec.transport.as_str() {
            "native" => Ok(Arc::new(open_native(name, spec, options)?)),
            "auto" if native_ssh::suits(spec) => Ok(Arc::new(open_native(name, spec, options)?)),
            "auto" | "openssh" => Ok(Arc::new(open_ssh(name, spec, options)?)),
            other => Err(TargetError::Unreachable(format!(
                "unknown SSH transport '{other}' (auto, native or openssh)"
            ))),
        },
        other => Err(TargetError::Unreachable(format!(
            "unsupported connection type '{other}'"
        ))),
    }
}

/// A target that sees `vars` as environment variables (the task's `environment:`).
pub fn with_environment(
    target: Arc<dyn Target>,
    vars: &Map,
) -> Result<Arc<dyn Target>, InvalidVariableName> {
    Ok(Arc::new(WithEnvironment::new(target, vars)?))
}
