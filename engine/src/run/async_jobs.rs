//! `async:`/`poll:` and `async_status`. troupe runs an async task to its end within `async`
//! seconds, whatever `poll` says, and keeps its result under a job id that `async_status`
//! answers with (`finished: 1`). So playbooks that start a job with `poll: 0` and wait for it
//! with `async_status ... until: job.finished` run unchanged; the job only does not overlap
//! the tasks after it (README "Where troupe differs").

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use crate::{Map, Value};

/// The results of the run's async tasks, by job id.
#[derive(Default)]
pub struct AsyncJobs {
    results: Mutex<HashMap<String, Map>>,
}

/// A task's `async:` and `poll:`, resolved.
#[derive(Debug, Clone, Copy)]
pub struct AsyncSpec {
    pub limit: Duration,
    pub poll: u64,
}

impl AsyncJobs {
    /// Marks `result` as the finished job it is (Ansible's job fields) and keeps it.
    pub fn finish(&self, result: &mut Map) {
        let jid = format!(
            "j{}.{}",
            &troupe_modules::replace_file::random_token()[..12],
            std::process::id()
        );
        result.insert("ansible_job_id".into(), Value::from(jid.clone()));
        result.insert("started".into(), Value::from(1));
        result.insert("finished".into(), Value::from(1));
        result.insert(
            "results_file".into(),
            Value::from(format!("~/.ansible_async/{jid}")),
        );
        self.results
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(jid, result.clone());
    }

    /// The kept result of job `jid`; `erase` forgets it (`mode: cleanup`).
    pub fn status(&self, jid: &str, erase: bool) -> Option<Map> {
        let mut results = self.results.lock().unwrap_or_else(PoisonError::into_inner);
        if erase {
            results.remove(jid)
        } else {
            results.get(jid).cloned()
        }
    }
}

/// Ansible's words for an async task that ran past its time.
pub fn too_long(limit: Duration) -> String {
    format!(
        "async task did not complete within the requested time - {}s",
        limit.as_secs()
    )
}
