//! Which hosts of a play still take part: the play's hosts, the current serial batch, the
//! hosts that ended (failed, unreachable, `meta: end_host`), and `meta: end_play`.

use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicBool, AtomicUsize, Ordering},
        Mutex, RwLock,
    },
};

use crate::output::{Outcome, Status};

/// Why a host stopped taking part in the play.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostEnd {
    Failed,
    Unreachable,
    /// `meta: end_host`.
    Ended,
}

/// The status of a play's hosts.
#[derive(Default)]
pub struct HostStatus {
    /// Every host the play targets.
    all: RwLock<Vec<String>>,
    batch: RwLock<Vec<String>>,
    ended: Mutex<HashMap<String, HostEnd>>,
    end_play: AtomicBool,
    /// How many times `meta: clear_host_errors` ran: a block's `always` does not fail its
    /// hosts again once their errors were cleared inside it.
    clears: AtomicUsize,
    /// How many times the play's hosts, the batch or the ended hosts changed.
    changes: AtomicUsize,
}

impl HostStatus {
    pub fn set_all(&self, hosts: Vec<String>) {
        *self.all.write().unwrap() = hosts;
        self.changed();
    }

    fn changed(&self) {
        self.changes.fetch_add(1, Ordering::SeqCst);
    }

    /// A count that changes whenever [`Self::all`], [`Self::batch`] or the hosts taking part
    /// may have changed: what was derived from them under the same count still holds.
    pub fn generation(&self) -> usize {
        self.changes.load(Ordering::SeqCst)
    }

    pub fn all(&self) -> Vec<String> {
        self.all.read().unwrap().clone()
    }

    pub fn set_batch(&self, batch: Vec<String>) {
        *self.batch.write().unwrap() = batch;
        self.changed();
    }

    pub fn batch(&self) -> Vec<String> {
        self.batch.read().unwrap().clone()
    }

    /// Hosts of `among` still taking part.
    pub fn active(&self, among: &[String]) -> Vec<String> {
        let ended = self.ended.lock().unwrap();
        among
            .iter()
            .filter(|h| !ended.contains_key(*h))
            .cloned()
            .collect()
    }

    pub fn ended_as(&self, host: &str) -> Option<HostEnd> {
        self.ended.lock().unwrap().get(host).copied()
    }

    pub fn end_host(&self, host: &str, why: HostEnd) {
        let mut ended = self.ended.lock().unwrap();
        if !ended.contains_key(host) {
            ended.insert(host.to_string(), why);
            self.changed();
        }
    }

    /// Un-fails a host whose failure a `rescue` handled.
    pub fn rescue_host(&self, host: &str) {
        let mut ended = self.ended.lock().unwrap();
        if ended.get(host) == Some(&HostEnd::Failed) {
            ended.remove(host);
            self.changed();
        }
    }

    /// `meta: clear_host_errors`: every host of the play that failed or was unreachable takes
    /// part again.
    pub fn clear_errors(&self) {
        self.ended
            .lock()
            .unwrap()
            .retain(|_, why| *why == HostEnd::Ended);
        self.clears.fetch_add(1, Ordering::SeqCst);
        self.changed();
    }

    /// A count that changes whenever errors are cleared.
    pub fn clears(&self) -> usize {
        self.clears.load(Ordering::SeqCst)
    }

    /// Ends a host whose task failed or was unreachable (unless ignored).
    pub fn end_on_failure(&self, host: &str, outcome: &Outcome) {
        match outcome.status {
            Status::Unreachable if !outcome.ignored => self.end_host(host, HostEnd::Unreachable),
            Status::Failed if !outcome.ignored => self.end_host(host, HostEnd::Failed),
            _ => {}
        }
    }

    /// `meta: end_play`.
    pub fn end_play(&self) {
        self.end_play.store(true, Ordering::SeqCst);
    }

    pub fn play_ended(&self) -> bool {
        self.end_play.load(Ordering::SeqCst)
    }
}
