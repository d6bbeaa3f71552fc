//! Handlers: notified by changed tasks, run once per flush, in the order they are defined
//! (Ansible's documented order), matched by name or `listen` topic.

use std::{
    collections::HashMap,
    sync::{Mutex, RwLock},
};

use indexmap::IndexSet;

use crate::playbook::{Action, Task};
use crate::template::Templar;

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

    /// Whether `handler` answers to a notification name: its name (when `by_name`, see
    /// [`Handlers::name_owners`]) or a `listen` topic, alone or after its role's name
    /// (`role : name`), or a collection role's full name.
    fn answers(handler: &Task, by_name: bool, name: &str) -> bool {
        let own = handler.name.as_deref().filter(|_| by_name);
        let mut topics = own
            .into_iter()
            .chain(handler.listen.iter().map(String::as_str));
        if topics.clone().any(|t| t == name) {
            return true;
        }
        let Some((role, (prefix, rest))) = handler.role.as_ref().zip(name.split_once(" : ")) else {
            return false;
        };
        let role_named = role.name == prefix || role.fqcn().as_deref() == Some(prefix);
        role_named && topics.any(|t| t == rest)
    }

    /// For each handler, whether it is the one that answers to its own name: of handlers
    /// with the same name only one does (see [`Handlers::answers_to_name`]).
    fn name_owners(list: &[Task]) -> Vec<bool> {
        (0..list.len())
            .map(|i| {
                list[i]
                    .name
                    .as_deref()
                    .is_some_and(|n| Self::answers_to_name(list, n) == Some(i))
            })
            .collect()
    }

    /// Which of the handlers called `name` answers to it. As Ansible searches them: the
    /// handlers of one role (or of the play) together, groups loaded last first (a role
    /// included at run time before the play's own), and in a group the first one.
    fn answers_to_name(list: &[Task], name: &str) -> Option<usize> {
        let group = |t: &Task| t.role.as_ref().map(|r| r.path.clone());
        let mut groups: Vec<Option<std::path::PathBuf>> = Vec::new();
        for t in list {
            if !groups.contains(&group(t)) {
                groups.push(group(t));
            }
        }
        groups.iter().rev().find_map(|g| {
            list.iter()
                .position(|t| &group(t) == g && t.name.as_deref() == Some(name))
        })
    }

    /// Runs every notified handler (through `run`, with the hosts that notified it); repeats
    /// while handlers notify further handlers. Returns the notifications no handler answered,
    /// as (host, name).
    pub fn flush(
        &self,
        hosts: &[String],
        name_of: impl Fn(&str) -> String,
        mut run: impl FnMut(&Task, &[String]),
    ) -> Vec<(String, String)> {
        for _ in 0..16 {
            // A templated handler name answers as it renders (`listen` is never templated).
            let mut list = self.list.read().unwrap().clone();
            for h in &mut list {
                if let Some(name) = h.name.as_mut().filter(|n| Templar::is_template(n)) {
                    *name = name_of(name);
                }
            }
            let owners = Self::name_owners(&list);
            let mut answered: Vec<(String, String)> = Vec::new();
            for (handler, &by_name) in list.iter().zip(&owners) {
                let targets: Vec<String> = {
                    let n = self.notified.lock().unwrap();
                    hosts
                        .iter()
                        .filter(|h| {
                            let names = n
                                .get(*h)
                                .map(|set| {
                                    set.iter()
                                        .filter(|name| Self::answers(handler, by_name, name))
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
