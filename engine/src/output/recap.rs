use std::sync::Mutex;

use indexmap::IndexMap;

use super::{Outcome, Status};

/// The PLAY RECAP counters of one host.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct HostStats {
    pub ok: u32,
    pub changed: u32,
    pub unreachable: u32,
    pub failed: u32,
    pub skipped: u32,
    pub rescued: u32,
    pub ignored: u32,
}

/// Counters for every host that took part, in the order they first appeared.
#[derive(Default)]
pub struct Recap {
    hosts: Mutex<IndexMap<String, HostStats>>,
}

impl Recap {
    /// Counts one task result. `ok` counts changed tasks too, as Ansible does.
    pub fn count(&self, host: &str, outcome: &Outcome) {
        let mut hosts = self.hosts.lock().unwrap();
        let s = hosts.entry(host.to_string()).or_default();
        match outcome.status {
            Status::Ok => s.ok += 1,
            Status::Changed => {
                s.ok += 1;
                s.changed += 1
            }
            Status::Skipped => s.skipped += 1,
            Status::Failed if outcome.ignored => {
                s.ok += 1;
                s.ignored += 1;
                // A command that failed still ran: Ansible counts its `changed`.
                if outcome.result.get("changed") == Some(&crate::Value::Bool(true)) {
                    s.changed += 1
                }
            }
            Status::Failed => s.failed += 1,
            Status::Unreachable => s.unreachable += 1,
        }
    }

    pub fn rescued(&self, host: &str) {
        let mut hosts = self.hosts.lock().unwrap();
        let s = hosts.entry(host.to_string()).or_default();
        s.rescued += 1;
        s.failed = s.failed.saturating_sub(1);
    }

    /// Makes sure a host shows in the recap even when nothing ran on it.
    pub fn touch(&self, host: &str) {
        self.hosts
            .lock()
            .unwrap()
            .entry(host.to_string())
            .or_default();
    }

    pub fn snapshot(&self) -> IndexMap<String, HostStats> {
        self.hosts.lock().unwrap().clone()
    }

    /// Whether every host finished without failure or unreachability.
    pub fn success(&self) -> bool {
        self.hosts
            .lock()
            .unwrap()
            .values()
            .all(|s| s.failed == 0 && s.unreachable == 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Value;

    #[test]
    fn an_ignored_failure_counts_ok_ignored_and_its_change() {
        let recap = Recap::default();
        let mut failed_command = Outcome::failed("non-zero return code");
        failed_command
            .result
            .insert("changed".into(), Value::Bool(true));
        failed_command.ignored = true;
        recap.count("h", &failed_command);
        let mut failed_check = Outcome::failed("no");
        failed_check.ignored = true;
        recap.count("h", &failed_check);
        let s = recap.snapshot()["h"];
        assert_eq!((s.ok, s.ignored, s.changed, s.failed), (2, 2, 1, 0));
        assert!(recap.success());
    }
}
