//! The local connection (`ansible_connection: local`): a `/bin/sh` child of the controller.

use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;

use troupe_modules::TargetError;

use super::host_connection::HostConnection;
use super::launcher::{Launch, Launcher};
use super::shell_session::SessionOptions;

/// Starts a POSIX shell on this machine.
#[derive(Debug, Clone)]
pub struct LocalLauncher {
    /// `/bin/sh` unless another POSIX shell is wanted (tests run `dash` and `bash` too).
    pub shell: PathBuf,
}

impl Default for LocalLauncher {
    fn default() -> Self {
        LocalLauncher {
            shell: PathBuf::from("/bin/sh"),
        }
    }
}

impl Launcher for LocalLauncher {
    fn launch(&self, script: Option<&str>) -> Launch {
        let mut command = Command::new(&self.shell);
        if let Some(script) = script {
            command.arg("-c").arg(script);
        }
        Launch::process(command)
    }
}

/// Opens the local connection: starts its first shell.
pub fn open_local(
    name: &str,
    launcher: LocalLauncher,
    options: SessionOptions,
) -> Result<HostConnection, TargetError> {
    HostConnection::open(name, Arc::new(launcher), options)
}
