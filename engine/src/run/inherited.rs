//! Keywords a task gets from its play, blocks, roles and includes, resolved child-over-parent.

use std::sync::Arc;

use super::task_error::TaskError;
use crate::{
    playbook::{Keywords, Role},
    Map, Value,
};

/// What the enclosing play, blocks and includes hand down to a task.
#[derive(Debug, Clone, Default)]
pub struct Inherited {
    pub when: Vec<Value>,
    pub tags: Vec<String>,
    /// Block, role-entry and include `vars:`, innermost last merged over.
    pub vars: Arc<Map>,
    /// The keywords, each set by the innermost level that sets it.
    pub kw: Keywords,
    pub role: Option<Arc<Role>>,
    /// `notify:` of enclosing blocks: every changed task inside notifies these too.
    pub notify: Vec<String>,
    /// The files and roles included at run time that this task is inside, outermost first.
    pub includes: Arc<Vec<String>>,
}

/// How deeply includes may nest at run time. Ansible lets an include include itself (a
/// condition usually ends it); one that never ends must fail, not overflow the stack.
pub const MAX_INCLUDE_DEPTH: usize = 64;

impl Inherited {
    /// The play's keywords as the outermost level.
    pub fn from_play(kw: &Keywords) -> Self {
        Inherited {
            tags: kw.tags.clone(),
            kw: Keywords {
                when: Vec::new(),
                tags: Vec::new(),
                vars: Map::new(),
                ..kw.clone()
            },
            ..Inherited::default()
        }
    }

    /// One level down: `kw` are the keywords of a block, include or task.
    pub fn child(&self, kw: &Keywords, role: Option<&Arc<Role>>) -> Self {
        let mut next = self.clone();
        next.when.extend(kw.when.iter().cloned());
        for t in &kw.tags {
            if !next.tags.contains(t) {
                next.tags.push(t.clone());
            }
        }
        if !kw.vars.is_empty() {
            let mut vars = (*self.vars).clone();
            vars.extend(kw.vars.iter().map(|(k, v)| (k.clone(), v.clone())));
            next.vars = Arc::new(vars);
        }
        let over =
            |mine: &Option<Value>, theirs: &Option<Value>| mine.clone().or_else(|| theirs.clone());
        let k = &mut next.kw;
        k.r#become = over(&kw.r#become, &k.r#become);
        k.become_user = over(&kw.become_user, &k.become_user);
        k.become_method = over(&kw.become_method, &k.become_method);
        k.environment = merge_environment(&k.environment, &kw.environment);
        k.ignore_errors = over(&kw.ignore_errors, &k.ignore_errors);
        k.ignore_unreachable = over(&kw.ignore_unreachable, &k.ignore_unreachable);
        k.no_log = over(&kw.no_log, &k.no_log);
        k.check_mode = over(&kw.check_mode, &k.check_mode);
        k.diff = over(&kw.diff, &k.diff);
        k.delegate_to = over(&kw.delegate_to, &k.delegate_to);
        k.delegate_facts = over(&kw.delegate_facts, &k.delegate_facts);
        k.run_once = over(&kw.run_once, &k.run_once);
        k.any_errors_fatal = over(&kw.any_errors_fatal, &k.any_errors_fatal);
        k.connection = over(&kw.connection, &k.connection);
        k.remote_user = over(&kw.remote_user, &k.remote_user);
        k.throttle = over(&kw.throttle, &k.throttle);
        k.timeout = over(&kw.timeout, &k.timeout);
        k.module_defaults.extend(kw.module_defaults.iter().cloned());
        if let Some(r) = role {
            next.role = Some(r.clone());
        }
        next
    }
}

impl Inherited {
    /// The level inside an include of `name`; an error naming the chain when includes
    /// nest deeper than [`MAX_INCLUDE_DEPTH`].
    pub fn inside_include(&self, name: &str) -> Result<Inherited, TaskError> {
        if self.includes.len() >= MAX_INCLUDE_DEPTH {
            let mut chain: Vec<String> =
                self.includes.iter().rev().take(4).rev().cloned().collect();
            chain.push(name.to_string());
            return Err(TaskError::IncludeDepth {
                limit: MAX_INCLUDE_DEPTH,
                chain: chain.join(" -> "),
            });
        }
        let mut next = self.clone();
        let mut chain = (*self.includes).clone();
        chain.push(name.to_string());
        next.includes = Arc::new(chain);
        Ok(next)
    }
}

/// `environment:` at inner levels adds to (and overrides) the outer one.
fn merge_environment(outer: &Option<Value>, inner: &Option<Value>) -> Option<Value> {
    match (outer, inner) {
        (Some(Value::Object(o)), Some(Value::Object(i))) => {
            let mut m = o.clone();
            m.extend(i.iter().map(|(k, v)| (k.clone(), v.clone())));
            Some(Value::Object(m))
        }
        (o, None) => o.clone(),
        (_, i) => i.clone(),
    }
}
