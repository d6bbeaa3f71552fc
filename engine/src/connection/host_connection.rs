//! A [`Connection`] made of a login shell and one shell per become user, whatever the transport.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use troupe_modules::{Target, TargetError};

use super::launcher::Launcher;
use super::r#become::BecomeLauncher;
use super::shell_session::{SessionOptions, ShellSession};
use super::{Become, Connection};

/// The shells of one host.
pub struct HostConnection {
    name: String,
    launcher: Arc<dyn Launcher>,
    options: SessionOptions,
    login: Arc<ShellSession>,
    become_shells: Mutex<HashMap<Become, Arc<ShellSession>>>,
    closed: AtomicBool,
}

impl HostConnection {
    /// Starts the login shell at once, so an unreachable host is known now.
    pub fn open(
        name: &str,
        launcher: Arc<dyn Launcher>,
        options: SessionOptions,
    ) -> Result<Self, TargetError> {
        let login = Arc::new(ShellSession::start(
            name,
            launcher.clone(),
            options.clone(),
        )?);
        Ok(HostConnection {
            name: name.to_string(),
            launcher,
            options,
            login,
            become_shells: Mutex::default(),
            closed: AtomicBool::new(false),
        })
    }

    /// The login shell, for callers that need the session itself (its pid...).
    pub fn login_session(&self) -> &Arc<ShellSession> {
        &self.login
    }

    fn become_shell(&self, how: &Become) -> Result<Arc<ShellSession>, TargetError> {
        let mut shells = self
            .become_shells
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(shell) = shells.get(how) {
            return Ok(shell.clone());
        }
        let launcher = Arc::new(BecomeLauncher::new(self.launcher.clone(), how)?);
        // The host answered the login shell: a become shell that will not start is the
        // task's failure (no sudo rights, wrong password), not an unreachable host.
        let options = SessionOptions {
            user: how.user.clone(),
            ..self.options.clone()
        };
        let shell = ShellSession::start(&self.name, launcher, options).map_err(|e| match e {
            TargetError::Unreachable(why) => {
                TargetError::Failed(format!("become {}: {why}", how.user))
            }
            failed => failed,
        })?;
        let shell = Arc::new(shell);
        shells.insert(how.clone(), shell.clone());
        Ok(shell)
    }
}

impl Connection for HostConnection {
    fn target(&self, r#become: Option<&Become>) -> Result<Arc<dyn Target>, TargetError> {
        match r#become {
            None => Ok(self.login.clone()),
            Some(how) => Ok(self.become_shell(how)?),
        }
    }

    fn close(&self) {
        if self.closed.swap(true, Ordering::SeqCst) {
            return;
        }
        for shell in self
            .become_shells
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
        {
            shell.close();
        }
        self.login.close();
    }

    fn abort(&self) {
        self.abort_all();
    }
}

impl HostConnection {
    fn abort_all(&self) {
        self.closed.store(true, Ordering::SeqCst);
        if let Ok(shells) = self.become_shells.try_lock() {
            for shell in shells.values() {
                shell.abort();
            }
        }
        self.login.abort();
        self.launcher.abort();
    }
}

impl Drop for HostConnection {
    fn drop(&mut self) {
        self.close();
    }
}
