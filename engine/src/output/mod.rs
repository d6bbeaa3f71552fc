//! What a person (or a machine, with `--output json`) sees of a run.

mod outcome;
mod printer;
mod recap;

pub use outcome::{Outcome, Status, VERBOSE_ALWAYS};
pub use printer::{Format, Printer};
pub use recap::{HostStats, Recap};
