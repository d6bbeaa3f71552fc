//! How many requests this process sent to its hosts' shells (the bench's "round trips per
//! task"): each one is a write to the host and a wait for its reply.

use std::sync::atomic::{AtomicU64, Ordering};

static ROUND_TRIPS: AtomicU64 = AtomicU64::new(0);

pub(crate) fn count_one() {
    ROUND_TRIPS.fetch_add(1, Ordering::Relaxed);
}

/// Round trips so far, over every host and session (login, become, uploads).
pub fn round_trips() -> u64 {
    ROUND_TRIPS.load(Ordering::Relaxed)
}
