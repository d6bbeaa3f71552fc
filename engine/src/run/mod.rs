//! Running playbooks: plays over hosts, tasks over hosts in parallel, handlers, results.
//!
//! A play's life cycle is [`play`]; it walks task lists with the [`walker`] (blocks,
//! includes, `meta`), which hands each task to the [`task_runner`] (loop, `register`,
//! `notify`); one pass of a task is an [`item_run`] (`when`, retries, `changed_when`), whose
//! action runs as a [`step`]: an engine action of [`actions`] or a module.

mod actions;
mod async_jobs;
mod conditions;
mod connections;
mod fact_cache;
pub mod facts;
mod failed_task;
mod fan_out;
mod file_lookup;
mod handlers;
mod host_connection;
mod host_status;
mod include_hosts;
mod inherited;
mod interrupt;
mod item_run;
mod loop_error;
mod loop_items;
mod loop_results;
mod loop_sequence;
mod play;
mod play_context;
mod playbook_run;
mod report;
mod run_state;
mod serial;
mod step;
mod tag_filter;
mod task_error;
mod task_runner;
mod vars_dir;
mod vars_files;
mod walker;

pub use playbook_run::execute;
pub use run_state::{Run, RunOptions};
pub use tag_filter::TagFilter;
