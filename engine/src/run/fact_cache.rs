//! A persistent fact cache, as Ansible's `jsonfile` cache plugin keeps one: with
//! `ANSIBLE_CACHE_PLUGIN=jsonfile`, each host's facts (gathered, and `set_fact` with
//! `cacheable: true`) are a JSON file `<ANSIBLE_CACHE_PLUGIN_CONNECTION>/<prefix><host>`,
//! read back by the next run; `--flush-cache` empties it first. Without it, facts live as
//! long as the run, as with Ansible's default memory cache.

use std::path::PathBuf;

use crate::{Map, Value};

/// Where the cache's files are.
#[derive(Debug, Clone)]
pub struct FactCache {
    dir: PathBuf,
    prefix: String,
}

impl FactCache {
    /// The cache the environment configures, if it is a `jsonfile` one with a directory.
    pub fn from_env() -> Option<FactCache> {
        let plugin = std::env::var("ANSIBLE_CACHE_PLUGIN").ok()?;
        if plugin.strip_prefix("ansible.builtin.").unwrap_or(&plugin) != "jsonfile" {
            return None;
        }
        let dir = std::env::var("ANSIBLE_CACHE_PLUGIN_CONNECTION").ok()?;
        Some(FactCache {
            dir: PathBuf::from(dir),
            prefix: std::env::var("ANSIBLE_CACHE_PLUGIN_PREFIX").unwrap_or_default(),
        })
    }

    fn file(&self, host: &str) -> PathBuf {
        self.dir.join(format!("{}{host}", self.prefix))
    }

    /// A host's cached facts as top-level names (`ansible_hostname`, a cacheable fact's own
    /// name); nothing when there are none or the file is unreadable.
    pub fn load(&self, host: &str) -> Option<Map> {
        let text = std::fs::read_to_string(self.file(host)).ok()?;
        match serde_json::from_str(&text).ok()? {
            Value::Object(m) => Some(m),
            _ => None,
        }
    }

    /// Stores a host's facts (their top-level names, `ansible_facts` left out: it is rebuilt
    /// from them). A cache that cannot be written is not a task failure, as in Ansible.
    pub fn store(&self, host: &str, facts: &Map) {
        let mut top = facts.clone();
        top.remove("ansible_facts");
        if std::fs::create_dir_all(&self.dir).is_ok() {
            let text = serde_json::to_string_pretty(&Value::Object(top)).unwrap_or_default();
            let _ = std::fs::write(self.file(host), text);
        }
    }

    /// `--flush-cache`: removes every file of this cache.
    pub fn flush(&self) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        for e in entries.flatten() {
            if e.file_name().to_string_lossy().starts_with(&self.prefix) && e.path().is_file() {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
}

/// Facts as a host's state holds them: every top-level name, and `ansible_facts` with the
/// `ansible_` prefix taken off.
pub fn with_namespace(top: Map) -> Map {
    let mut ns = match top.get("ansible_facts") {
        Some(Value::Object(m)) => m.clone(),
        _ => Map::new(),
    };
    for (k, v) in &top {
        if k != "ansible_facts" {
            ns.insert(
                k.strip_prefix("ansible_").unwrap_or(k).to_string(),
                v.clone(),
            );
        }
    }
    let mut out = top;
    out.insert("ansible_facts".into(), Value::Object(ns));
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn facts_survive_a_store_and_load_and_a_flush_removes_them() {
        let dir = tempfile::tempdir().unwrap();
        let cache = FactCache {
            dir: dir.path().join("cache"),
            prefix: "prefix_".into(),
        };
        let facts = with_namespace(
            json!({"ansible_foobar": "x", "plain": 1})
                .as_object()
                .unwrap()
                .clone(),
        );
        assert_eq!(facts["ansible_facts"], json!({"foobar": "x", "plain": 1}));
        cache.store("h1", &facts);
        assert!(dir.path().join("cache/prefix_h1").is_file());
        let loaded = with_namespace(cache.load("h1").unwrap());
        assert_eq!(loaded, facts);
        cache.flush();
        assert!(cache.load("h1").is_none());
    }
}
