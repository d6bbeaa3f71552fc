//! Handlers: notified by changed tasks, run once per flush, in the order they are defined
//! (Ansible's documented order), matched by name or `listen` topic.

use std::{
    collections::HashMap,
    sync::{Mutex, RwLock},
};

use indexmap::IndexSet;

use crate::playbook::{Action, Task};

/// Handlers written as an `import_tasks` (or a block): each task inside is a handler, with
/// the block's keywords under its own.
fn flatten(list: Vec<Task>) -> Vec<Task> {
    let mut out = Vec::new();
    for h in list {
        match h.action {
            Action::Block { block, .. } => {
                let inner = block
                    .into_iter()
                    .map(|mut t| {
                        t.kw.when.splice(0..0, h.kw.when.iter().cloned());
                        t.kw.vars =
                            h.kw.vars
                                .iter()
                                .chain(&t.kw.vars)
                                .map(|(k, v)| (k.clone(), v.clone()))
                                .collect();
                        t
                    })
                    .collect();
                out.extend(flatten(inner));
            }
            _ => out.push(h),
        }
    }
    out
}

/// The play's handlers and the notifications waiting for them.
pub struct Handlers {
    list: RwLock<Vec<Task>>,
    /// Per host, the notification names not yet handled.
    notified: Mutex<HashMap<String, IndexSet<String>>>,
}

impl Handlers {
    pub fn new(list: Vec<Task>) -> Self {
        Handlers {
            list: RwLock::new(flatten(list)),
            notified: Mutex::default(),
        }
    }

    /// Handlers of a role included at run time.
    pub fn add(&self, more: Vec<Task>) {
        let mut list = self.list.write().unwrap();
        for h in flatten(more) {
            if !list
                .iter()
                .any(|x| x.name == h.name && x.origin == h.origin)
            {
                list.push(h);
            }
        }
    }

    pub fn notify(&self, host: &str, names: &[String]) {
        if names.is_empty() {
            return;
        }
        let mut n = self.notified.lock().unwrap();
        let set = n.entry(host.to_string()).or_default();
        for name in names {
            set.insert(name.clone());
        }
    }

    /// Whether a handler answers to a notification name.
    fn answers(handler: &Task, name: &str) -> bool {
        let own = handler.name.as_deref();
        own == Some(name)
            || handler.listen.iter().any(|l| l == name)
            || handler
                .role
                .as_ref()
                .zip(own)
                .is_some_and(|(r, n)| format!("{} : {n}", r.name) == name)
    }

    /// Runs every notified handler (through `run`, with the hosts that notified it); repeats
    /// while handlers notify further handlers. Returns the notifications no handler answered,
    /// as (host, name).
    pub fn flush(
        &self,
        hosts: &[String],
        mut run: impl FnMut(&Task, &[String]),
    ) -> Vec<(String, String)> {
        for _ in 0..16 {
            let list = self.list.read().unwrap().clone();
            let mut answered: Vec<(String, String)> = Vec::new();
            for handler in &list {
                let targets: Vec<String> = {
                    let n = self.notified.lock().unwrap();
                    hosts
                        .iter()
                        .filter(|h| {
                            let names = n
                                .get(*h)
                                .map(|set| {
                                    set.iter()
                                        .filter(|name| Self::answers(handler, name))
                                        .cloned()
                                        .collect::<Vec<_>>()
                                })
                                .unwrap_or_default();
                            answered.extend(names.iter().map(|name| (h.to_string(), name.clone())));
                            !names.is_empty()
                        })
                        .cloned()
                        .collect()
                };
                run(handler, &targets);
            }
            if answered.is_empty() {
                break;
            }
            let mut n = self.notified.lock().unwrap();
            for (host, name) in answered {
                if let Some(set) = n.get_mut(&host) {
                    set.shift_remove(&name);
                }
            }
        }
        let mut n = self.notified.lock().unwrap();
        let mut unanswered = Vec::new();
        for h in hosts {
            if let Some(left) = n.remove(h) {
                unanswered.extend(left.into_iter().map(|name| (h.clone(), name)));
            }
        }
        unanswered
    }
}
