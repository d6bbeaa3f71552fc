//! Tests against real shells: a local `sh`, `dash` and `bash`, and a private `sshd` on
//! 127.0.0.1. The same protocol checks run through each.

mod become_tests;
mod checks;
mod spec;
mod ssh_tests;
mod sshd;
mod stale_dirs;
mod wrappers;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use troupe_modules::Target;

use super::{
    open_local, open_native, open_ssh, Connection, HostConnection, Launch, Launcher, LocalLauncher,
    SessionOptions, ShellSession,
};
use sshd::Sshd;

/// A temp directory on this machine (which is also the SSH "host"), removed afterwards.
pub(super) struct Scratch(PathBuf);

impl Scratch {
    pub(super) fn new() -> Scratch {
        let dir = std::env::temp_dir().join(format!(
            "troupe-test-{}",
            troupe_modules::replace_file::random_token()
        ));
        std::fs::create_dir(&dir).unwrap();
        // Open to everyone: become tests write here as `nobody`.
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
        Scratch(dir)
    }
    pub(super) fn path(&self) -> &Path {
        &self.0
    }
    pub(super) fn file(&self, name: &str) -> String {
        self.0.join(name).to_str().unwrap().to_string()
    }
    /// The names in the directory, sorted.
    pub(super) fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&self.0)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A connection to test through, with what it needs kept alive. Fields drop in order: the
/// connection closes before its sshd stops.
pub(super) struct Lab {
    pub connection: HostConnection,
    pub scratch: Scratch,
    _sshd: Option<Sshd>,
}

impl Lab {
    pub(super) fn local(shell: &str, options: SessionOptions) -> Lab {
        let launcher = LocalLauncher {
            shell: shell.into(),
        };
        let connection = open_local("local", launcher, options).expect("local shell starts");
        Lab {
            connection,
            scratch: Scratch::new(),
            _sshd: None,
        }
    }

    pub(super) fn ssh(options: SessionOptions) -> Lab {
        let sshd = Sshd::start();
        let connection = open_ssh("sshd", &sshd.spec(), options).expect("ssh to the test sshd");
        Lab {
            connection,
            scratch: Scratch::new(),
            _sshd: Some(sshd),
        }
    }

    pub(super) fn native(options: SessionOptions) -> Lab {
        let sshd = Sshd::start();
        let spec = super::ConnectionSpec {
            transport: "native".into(),
            ..sshd.spec()
        };
        let connection = open_native("sshd", &spec, options).expect("native ssh to the test sshd");
        Lab {
            connection,
            scratch: Scratch::new(),
            _sshd: Some(sshd),
        }
    }

    pub(super) fn target(&self) -> Arc<dyn Target> {
        self.connection.target(None).unwrap()
    }
}

/// The same checks through each kind of shell.
macro_rules! protocol_tests {
    ($backend:ident, $lab:expr) => {
        mod $backend {
            use super::checks;
            use super::Lab;
            use crate::connection::SessionOptions;

            fn lab() -> Lab {
                $lab(SessionOptions::default())
            }
            /// Files and stdin above 1 KiB take the streaming path.
            fn streaming_lab() -> Lab {
                $lab(SessionOptions {
                    inline_limit: 1024,
                    ..SessionOptions::default()
                })
            }

            #[test]
            fn exit_codes_and_separate_streams() {
                checks::exit_codes_and_separate_streams(&lab());
            }
            #[test]
            fn probes_leave_the_shell_as_they_found_it() {
                checks::probes_leave_the_shell_as_they_found_it(&lab());
            }
            #[test]
            fn binary_output_with_nuls_and_the_marker() {
                checks::binary_output_with_nuls_and_the_marker(&lab());
            }
            #[test]
            fn stdin_is_fed_and_otherwise_empty() {
                checks::stdin_is_fed_and_otherwise_empty(&lab());
            }
            #[test]
            fn large_stdin_is_streamed() {
                checks::stdin_is_fed_and_otherwise_empty(&streaming_lab());
            }
            #[test]
            fn session_survives_exit_syntax_errors_and_background_jobs() {
                checks::session_survives_exit_syntax_errors_and_background_jobs(&lab());
            }
            #[test]
            fn late_output_of_a_background_job_is_its_commands() {
                checks::late_output_of_a_background_job_is_its_commands(&lab());
            }
            #[test]
            fn a_removed_session_temp_dir_is_made_again() {
                checks::a_removed_session_temp_dir_is_made_again(&lab());
            }
            #[test]
            fn a_thousand_commands_in_a_row() {
                checks::a_thousand_commands_in_a_row(&lab(), stringify!($backend));
            }
            #[test]
            fn put_and_get_small_files() {
                checks::put_and_get_small_files(&lab());
            }
            #[test]
            fn put_and_get_streamed_files() {
                checks::put_and_get_small_files(&streaming_lab());
            }
            #[test]
            fn attributes_are_kept_or_set() {
                checks::attributes_are_kept_or_set(&lab());
            }
            #[test]
            fn attributes_are_kept_or_set_when_streamed() {
                checks::attributes_are_kept_or_set(&streaming_lab());
            }
            #[test]
            fn readers_never_see_a_partial_file() {
                checks::readers_never_see_a_partial_file(&lab());
            }
            #[test]
            fn readers_never_see_a_partial_streamed_file() {
                checks::readers_never_see_a_partial_file(&streaming_lab());
            }
            #[test]
            fn fifty_mebibytes_round_trip() {
                checks::fifty_mebibytes_round_trip(&lab(), stringify!($backend));
            }
            #[test]
            fn a_killed_shell_is_unreachable() {
                checks::a_killed_shell_is_unreachable(&lab());
            }
            #[test]
            fn concurrent_callers_take_turns() {
                checks::concurrent_callers_take_turns(&lab());
            }
            #[test]
            fn closing_removes_the_session_temp_dir() {
                checks::closing_removes_the_session_temp_dir(&lab());
            }
        }
    };
}

/// A login that talks before the shell starts (rc files that echo), a line and a half.
struct ChattyLogin;

impl Launcher for ChattyLogin {
    fn launch(&self, script: Option<&str>) -> Launch {
        let mut login = LocalLauncher::default()
            .launch(Some("echo Welcome; printf 'no newline'; exec /bin/sh"));
        if script.is_some() {
            login = LocalLauncher::default().launch(script);
        }
        login
    }
}

#[test]
fn chatty_logins_are_skipped() {
    let session =
        ShellSession::start("chatty", Arc::new(ChattyLogin), SessionOptions::default()).unwrap();
    assert_eq!(session.run("echo hi", None).unwrap().stdout_str(), "hi\n");
}

/// A login that never gets to the shell.
struct StuckLogin;

impl Launcher for StuckLogin {
    fn launch(&self, _script: Option<&str>) -> Launch {
        LocalLauncher::default().launch(Some("sleep 60; exec /bin/sh"))
    }
}

#[test]
fn a_login_that_hangs_is_unreachable_after_the_startup_timeout() {
    let options = SessionOptions {
        startup_timeout: std::time::Duration::from_secs(1),
        ..SessionOptions::default()
    };
    match ShellSession::start("stuck", Arc::new(StuckLogin), options) {
        Err(troupe_modules::TargetError::Unreachable(why)) => {
            assert!(why.contains("did not start within 1 s"), "{why}")
        }
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("started"),
    }
}

protocol_tests!(local_sh, |o| Lab::local("/bin/sh", o));
protocol_tests!(local_dash, |o| Lab::local("/usr/bin/dash", o));
protocol_tests!(local_bash, |o| Lab::local("/bin/bash", o));
protocol_tests!(over_ssh, Lab::ssh);
protocol_tests!(over_native_ssh, Lab::native);
