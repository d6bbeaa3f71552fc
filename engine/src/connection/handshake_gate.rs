//! Admission control for SSH handshakes: at most a few connections are being set up at once,
//! whatever `--forks` is. A handshake costs both ends tens of milliseconds of CPU (key
//! exchange, sshd's re-exec, the login); started all at once for hundreds of hosts they
//! starve each other until ssh gives up on the banner ("Connection timed out during banner
//! exchange") and hosts are lost to troupe's own load. Hosts past the limit wait their turn
//! before ssh starts, so their connection timeout only counts once their handshake does.
//!
//! The limit is `[ssh_connection] handshakes` in ansible.cfg or `TROUPE_SSH_HANDSHAKES`
//! (bench/RESULTS.md "Scale" has the measurement behind the default).

use std::sync::{Condvar, Mutex, PoisonError};

/// Handshakes in flight at once unless configured: on 2 cores, 500 loopback hosts connect
/// fastest between 16 and 64, and a remote host's handshake waits on the network more than on
/// the CPU, so the default leans high.
pub const DEFAULT_HANDSHAKES: usize = 32;

struct Gate {
    limit: usize,
    in_flight: usize,
}

static GATE: Mutex<Gate> = Mutex::new(Gate {
    limit: DEFAULT_HANDSHAKES,
    in_flight: 0,
});
static TURN: Condvar = Condvar::new();

/// Sets how many handshakes may be in flight at once (at least one), for the whole run.
pub fn limit_handshakes(limit: usize) {
    GATE.lock().unwrap_or_else(PoisonError::into_inner).limit = limit.max(1);
    TURN.notify_all();
}

/// A handshake's turn: the next waiting one may start when this is dropped.
pub(crate) struct Turn(());

/// Waits until fewer than the limit of handshakes are in flight, and takes a turn.
pub(crate) fn wait_turn() -> Turn {
    let mut gate = GATE.lock().unwrap_or_else(PoisonError::into_inner);
    while gate.in_flight >= gate.limit {
        gate = TURN.wait(gate).unwrap_or_else(PoisonError::into_inner);
    }
    gate.in_flight += 1;
    Turn(())
}

impl Drop for Turn {
    fn drop(&mut self) {
        GATE.lock()
            .unwrap_or_else(PoisonError::into_inner)
            .in_flight -= 1;
        TURN.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    #[test]
    fn no_more_than_the_limit_are_in_flight() {
        limit_handshakes(3);
        let now = AtomicUsize::new(0);
        let most = AtomicUsize::new(0);
        std::thread::scope(|s| {
            for _ in 0..12 {
                s.spawn(|| {
                    let _turn = wait_turn();
                    let n = now.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(n, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(20));
                    now.fetch_sub(1, Ordering::SeqCst);
                });
            }
        });
        // Other tests' connections may hold turns too: fewer than 3 at once is possible.
        let most = most.load(Ordering::SeqCst);
        assert!((1..=3).contains(&most), "{most} handshakes at once");
        limit_handshakes(DEFAULT_HANDSHAKES);
    }
}
