//! End-to-end suites for troupe, and the lab they run against: Debian
//! containers with sshd on a private Docker network (see `lab/README.md`).

mod command;
mod error;
mod gluu_lab;
mod host;
mod lab;
mod poll;
mod project;
mod reference_slapd_conf;
mod troupe_run;

pub use error::LabError;
pub use gluu_lab::{GluuLab, DOMAIN, GLUU_ROOT, GLUU_SERVICE, LDAP_PASSWORD};
pub use host::Host;
pub use lab::Lab;
pub use poll::wait_until;
pub use project::Project;
pub use reference_slapd_conf::{
    reference_slapd_conf_path, render_reference_slapd_conf, MmrServer, TemplateError,
};
pub use troupe_run::{run_troupe, run_troupe_with, troupe_bin, RunResult};
