//! The run's open connections, one per host, opened on first use with the settings
//! `connection::settings` resolves.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use troupe_modules::{Target, TargetError};

use crate::connection::{self, Become, Connection, ConnectionSpec, Overrides};

/// A host's connection, opened on first use; locked while it opens.
type ConnectionSlot = Arc<Mutex<Option<Arc<dyn Connection>>>>;

/// Every host's connection.
pub struct Connections {
    opts: Overrides,
    /// One slot per host, locked while connecting so concurrent tasks (e.g. several hosts
    /// delegating to one) share a single connection.
    slots: Mutex<HashMap<String, ConnectionSlot>>,
}

impl Connections {
    pub fn new(opts: Overrides) -> Self {
        Connections {
            opts,
            slots: Mutex::default(),
        }
    }

    /// The command line's connection and become options.
    pub fn overrides(&self) -> &Overrides {
        &self.opts
    }

    /// A target for `host`, connecting on first use with the settings `spec` resolves
    /// (asked for only to connect).
    pub fn target(
        &self,
        host: &str,
        spec: impl FnOnce(&Overrides) -> Result<ConnectionSpec, TargetError>,
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
                let conn = connection::open(host, &spec(&self.opts)?)?;
                *slot = Some(conn.clone());
                conn
            }
        };
        drop(slot);
        conn.target(r#become)
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
