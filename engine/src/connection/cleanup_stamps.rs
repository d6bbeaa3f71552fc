//! Which sessions of a run clean up after killed ones.
//!
//! A session's first words remove the temp dirs that earlier sessions of its user left when
//! they were killed (see `session_scripts::init`). Looking costs a pass over every
//! `troupe.*` entry of `/dev/shm`, and on a host that many sessions share (hosts that are
//! aliases of one machine, many runs against one bastion) that made every start cost as
//! much as the sessions already there: 2,000 of them cost the host about 28 s of CPU.
//! So the first session of a run, per user, on each machine looks; the others of the same
//! run see its stamp, an empty file named with a random token of the run and the user
//! (`/dev/shm/troupe-run.TOKEN`), and pass. The stamp tells nothing a user could use: a
//! stamp that is not a plain file of the session's own user is ignored (the session looks),
//! it is made with `set -C` (never through a link), and a run's first session removes the
//! user's stamps older than a day (a run's stamp must outlive the run's own sessions, and
//! runs of one user may overlap).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use troupe_modules::replace_file::random_token;

/// The stamp tokens of one run, one per user a session runs as.
#[derive(Debug, Clone, Default)]
pub struct CleanupStamps(Arc<Mutex<HashMap<String, String>>>);

impl CleanupStamps {
    /// Tokens of their own: sessions made with them look as the first of a run does.
    pub fn new() -> Self {
        Self::default()
    }

    /// The tokens this process's run shares among all its hosts.
    pub fn for_this_run() -> Self {
        static RUN: OnceLock<CleanupStamps> = OnceLock::new();
        RUN.get_or_init(CleanupStamps::new).clone()
    }

    /// The token of the sessions that run as `user` (as the controller names it: the login
    /// user, or a become user).
    pub(crate) fn token(&self, user: &str) -> String {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(user.to_string())
            .or_insert_with(random_token)
            .clone()
    }
}
