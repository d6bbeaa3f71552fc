//! The run's open connections, one per host, opened on first use with the host's connection
//! variables and the command line's overrides.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use troupe_modules::{Target, TargetError};

use crate::{
    connection::{self, Become, Connection, ConnectionSpec},
    Map,
};

/// A host's connection, opened on first use; locked while it opens.
type ConnectionSlot = Arc<Mutex<Option<Arc<dyn Connection>>>>;

/// The command line's connection options (`-c`, `-u`, `--private-key`, `--timeout`):
/// defaults under the host's own variables.
#[derive(Debug, Clone, Default)]
pub struct CliConnection {
    pub connection: Option<String>,
    pub remote_user: Option<String>,
    pub private_key: Option<String>,
    pub timeout: Option<u64>,
}

/// Every host's connection.
pub struct Connections {
    opts: CliConnection,
    /// One slot per host, locked while connecting so concurrent tasks (e.g. several hosts
    /// delegating to one) share a single connection.
    slots: Mutex<HashMap<String, ConnectionSlot>>,
}

impl Connections {
    pub fn new(opts: CliConnection) -> Self {
        Connections {
            opts,
            slots: Mutex::default(),
        }
    }

    /// A target for `host`, connecting on first use; `vars` gives the host's rendered
    /// connection variables (asked for only to connect).
    pub fn target<'v>(
        &self,
        host: &str,
        vars: impl FnOnce() -> &'v Map,
        r#become: Option<&Become>,
    ) -> Result<Arc<dyn Target>, TargetError> {
        let slot = self
            .slots
            .lock()
            .unwrap()
            .entry(host.to_string())
            .or_default()
            .clone();
        let mut slot = slot.lock().unwrap();
        let conn = match slot.as_ref() {
            Some(c) => c.clone(),
            None => {
                let vars = vars();
                let mut spec = ConnectionSpec::from_vars(host, vars)?;
                self.apply_cli_connection(&mut spec, vars);
                let conn = connection::open(host, &spec)?;
                *slot = Some(conn.clone());
                conn
            }
        };
        drop(slot);
        conn.target(r#become)
    }

    fn apply_cli_connection(&self, spec: &mut ConnectionSpec, vars: &Map) {
        if !vars.contains_key("ansible_connection") {
            if let Some(c) = &self.opts.connection {
                spec.kind = c.clone();
            }
        }
        if spec.user.is_none() {
            spec.user = self.opts.remote_user.clone();
        }
        if spec.private_key.is_none() {
            spec.private_key = self.opts.private_key.clone();
        }
        if let Some(t) = self.opts.timeout {
            spec.timeout_secs = t;
        }
    }

    /// Drops a broken connection so the next task reconnects.
    pub fn forget(&self, host: &str) {
        let slot = self.slots.lock().unwrap().remove(host);
        if let Some(c) = slot.and_then(|s| s.lock().unwrap().take()) {
            c.close();
        }
    }

    /// Kills every connection at once (Ctrl-C): commands in flight are not waited for.
    pub fn abort(&self) {
        let open: Vec<_> = self
            .slots
            .lock()
            .unwrap()
            .drain()
            .filter_map(|(_, slot)| slot.try_lock().ok()?.take())
            .collect();
        std::thread::scope(|scope| {
            for c in &open {
                scope.spawn(move || c.abort());
            }
        });
    }

    /// Closes every connection, all hosts at once (each waits for its shells to end).
    pub fn close(&self) {
        let open: Vec<_> = self
            .slots
            .lock()
            .unwrap()
            .drain()
            .filter_map(|(_, slot)| slot.lock().unwrap().take())
            .collect();
        std::thread::scope(|scope| {
            for c in &open {
                scope.spawn(move || c.close());
            }
        });
    }
}
