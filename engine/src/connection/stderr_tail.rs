//! The last bytes a child wrote on stderr, read by a background thread so the child never
//! blocks on a full pipe. Used to see sudo's prompt and to say why a host went away.

use std::io::Read;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// How much stderr to keep (the end of it is what explains a failure).
const KEEP: usize = 64 * 1024;

#[derive(Clone)]
pub struct StderrTail {
    shared: Arc<(Mutex<Tail>, Condvar)>,
}

#[derive(Default)]
struct Tail {
    bytes: Vec<u8>,
    closed: bool,
}

impl StderrTail {
    /// A tail that [`StderrTail::push`] fills, for a stream that arrives in chunks (a
    /// native SSH channel's), with no thread of its own.
    pub(crate) fn new() -> Self {
        StderrTail {
            shared: Arc::default(),
        }
    }

    /// Starts reading `stream` until it ends, on a thread of its own.
    pub(crate) fn follow(mut stream: impl Read + Send + 'static) -> Self {
        let tail = StderrTail::new();
        let writer = tail.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            loop {
                match stream.read(&mut buf).unwrap_or(0) {
                    0 => return writer.close(),
                    n => writer.push(&buf[..n]),
                }
            }
        });
        tail
    }

    /// Adds what the stream said.
    pub(crate) fn push(&self, bytes: &[u8]) {
        let mut tail = self.lock();
        tail.bytes.extend_from_slice(bytes);
        if tail.bytes.len() > 2 * KEEP {
            let excess = tail.bytes.len() - KEEP;
            tail.bytes.drain(..excess);
        }
        self.shared.1.notify_all();
    }

    /// The stream ended.
    pub(crate) fn close(&self) {
        self.lock().closed = true;
        self.shared.1.notify_all();
    }

    fn lock(&self) -> MutexGuard<'_, Tail> {
        self.shared.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits until `check(bytes, closed)` answers, or `None` at `deadline`.
    pub(crate) fn wait_for<T>(
        &self,
        deadline: Instant,
        mut check: impl FnMut(&[u8], bool) -> Option<T>,
    ) -> Option<T> {
        let mut tail = self.lock();
        loop {
            if let Some(answer) = check(&tail.bytes, tail.closed) {
                return Some(answer);
            }
            let left = deadline.checked_duration_since(Instant::now())?;
            tail = self
                .shared
                .1
                .wait_timeout(tail, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    /// Waits (up to `limit`) for the stream to end, so the last words are in.
    pub(crate) fn wait_closed(&self, limit: Duration) {
        self.wait_for(Instant::now() + limit, |_, closed| closed.then_some(()));
    }

    pub(crate) fn clear(&self) {
        self.lock().bytes.clear();
    }

    /// What was said, without ssh's routine chatter.
    pub(crate) fn text(&self) -> String {
        let tail = self.lock();
        String::from_utf8_lossy(&tail.bytes)
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with("Warning: Permanently added"))
            .collect::<Vec<_>>()
            .join("; ")
    }
}
