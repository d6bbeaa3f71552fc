//! End-to-end suites for troupe, and the lab they run against: Debian
//! containers with sshd on a private Docker network (see `lab/README.md`).

mod command;
mod error;
mod host;
mod lab;
mod project;
mod troupe_run;

pub use error::LabError;
pub use host::Host;
pub use lab::Lab;
pub use project::Project;
pub use troupe_run::{run_troupe, run_troupe_with, troupe_bin, RunResult};
