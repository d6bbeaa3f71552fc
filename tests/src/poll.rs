//! Waiting for something that happens on its own (replication, a restart) with a deadline.

use std::time::{Duration, Instant};

/// Polls `probe` every half second until it holds; panics naming `what` after `patience`.
pub fn wait_until(what: &str, patience: Duration, mut probe: impl FnMut() -> bool) {
    let deadline = Instant::now() + patience;
    while !probe() {
        assert!(
            Instant::now() < deadline,
            "gave up waiting for {what} after {patience:?}"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
}
