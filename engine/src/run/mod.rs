//! Running playbooks: plays over hosts, tasks over hosts in parallel, handlers, results.

mod action;
mod engine_actions;
pub mod facts;
mod failed_task;
mod fan_out;
mod file_lookup;
mod handlers;
mod host_task;
mod inherited;
mod interrupt;
mod loop_items;
mod play;
mod run_state;
mod tag_filter;
mod vars_dir;
mod walk;

pub use run_state::{Run, RunOptions};
pub use tag_filter::TagFilter;
