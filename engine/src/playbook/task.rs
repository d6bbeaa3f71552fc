use std::sync::Arc;

use super::{Origin, Role};
use crate::{Map, Value};

/// Keywords that plays, blocks, roles and tasks share and that children inherit.
/// Values are kept as written (they may hold templates); the executor resolves them.
#[derive(Debug, Clone, Default)]
pub struct Keywords {
    /// Conditions: strings are bare Jinja expressions, booleans are literal. All must hold.
    pub when: Vec<Value>,
    pub tags: Vec<String>,
    pub vars: Map,
    pub r#become: Option<Value>,
    pub become_user: Option<Value>,
    pub become_method: Option<Value>,
    pub environment: Option<Value>,
    pub ignore_errors: Option<Value>,
    pub ignore_unreachable: Option<Value>,
    pub no_log: Option<Value>,
    pub check_mode: Option<Value>,
    pub diff: Option<Value>,
    pub delegate_to: Option<Value>,
    pub delegate_facts: Option<Value>,
    pub run_once: Option<Value>,
    pub any_errors_fatal: Option<Value>,
    pub connection: Option<Value>,
    pub remote_user: Option<Value>,
    pub throttle: Option<Value>,
    /// Seconds after which a task is stopped and failed.
    pub timeout: Option<Value>,
    /// `module_defaults`: (module name or `group/...`, default arguments), outermost level
    /// first once inherited.
    pub module_defaults: Vec<(String, Map)>,
}

/// A task, block or include, with its own keywords.
#[derive(Debug, Clone)]
pub struct Task {
    /// `name:` as written (may hold a template); `None` when absent.
    pub name: Option<String>,
    pub action: Action,
    pub kw: Keywords,
    pub r#loop: Option<Loop>,
    pub register: Option<String>,
    pub notify: Vec<String>,
    /// Handlers only: the topics this handler also answers to.
    pub listen: Vec<String>,
    pub failed_when: Vec<Value>,
    pub changed_when: Option<Vec<Value>>,
    pub until: Vec<Value>,
    pub retries: Option<Value>,
    pub delay: Option<Value>,
    /// `async:` seconds the task may run, and `poll:` (see `run/async_jobs.rs`).
    pub r#async: Option<Value>,
    pub poll: Option<Value>,
    pub origin: Origin,
    /// The role this task came from, for `files/`, `templates/`, defaults and vars.
    pub role: Option<Arc<Role>>,
}

impl Task {
    /// Calls `f` on each task of `tasks` and, depth first, on everything inside its blocks.
    pub fn walk<'a>(tasks: &'a [Task], f: &mut impl FnMut(&'a Task)) {
        for t in tasks {
            f(t);
            if let Action::Block {
                block,
                rescue,
                always,
            } = &t.action
            {
                for part in [block, rescue, always] {
                    Task::walk(part, f);
                }
            }
        }
    }
}

/// What a task does.
#[derive(Debug, Clone)]
pub enum Action {
    /// A module or an engine action (`debug`, `set_fact`, `template`...), by the name written
    /// (`ansible.builtin.` prefix removed), with arguments merged from the free form
    /// (`k=v`, or `_raw_params` for free-form modules such as `command`) and `args:`.
    Module { name: String, args: Map },
    /// `block`/`rescue`/`always`; also what `import_tasks`, `import_role` and `roles:` become.
    Block {
        block: Vec<Task>,
        rescue: Vec<Task>,
        always: Vec<Task>,
    },
    /// `include_tasks: file` (templated at run time), relative to the including file's
    /// directory or the role's `tasks/`.
    IncludeTasks {
        file: Value,
        apply: Option<Box<Apply>>,
    },
    /// `include_role` with its options (`name`, `tasks_from`, `vars_from`, `defaults_from`,
    /// `handlers_from`, `public`, `apply`), loaded at run time.
    IncludeRole { args: Map },
    /// `meta: flush_handlers`, `meta: end_play`, `meta: noop`...
    Meta(String),
}

/// `apply:` of `include_tasks`: keywords and `notify` given to every included task.
#[derive(Debug, Clone, Default)]
pub struct Apply {
    pub kw: Keywords,
    pub notify: Vec<String>,
}

/// `loop`, or one of the `with_*` forms normalised.
#[derive(Debug, Clone)]
pub struct Loop {
    pub source: LoopSource,
    pub control: LoopControl,
}

#[derive(Debug, Clone)]
pub enum LoopSource {
    /// `loop:` and `with_items` (which flattens one level).
    Items { value: Value, flatten: bool },
    /// `with_dict`: items become `{key, value}`.
    Dict(Value),
    /// `with_fileglob`: patterns relative to the role's or playbook's `files/`.
    Fileglob(Value),
    /// `with_<lookup>` for any other lookup, e.g. `with_sequence`, `with_together`.
    Lookup { name: String, value: Value },
}

#[derive(Debug, Clone)]
pub struct LoopControl {
    pub loop_var: String,
    pub index_var: Option<String>,
    pub label: Option<Value>,
    pub pause: Option<Value>,
    pub extended: bool,
    /// With `extended`: whether `ansible_loop.allitems` is given (Ansible's default: yes).
    pub extended_allitems: bool,
}

impl Default for LoopControl {
    fn default() -> Self {
        LoopControl {
            loop_var: "item".into(),
            index_var: None,
            label: None,
            pause: None,
            extended: false,
            extended_allitems: true,
        }
    }
}
