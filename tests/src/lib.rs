//! End-to-end suites for troupe, and the lab they run against: Debian
//! containers with sshd on a private Docker network (see `lab/README.md`).

mod command;
mod error;
mod host;
mod lab;

pub use error::LabError;
pub use host::Host;
pub use lab::Lab;
