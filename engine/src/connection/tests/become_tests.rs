//! Become: a second persistent shell as another user, through sudo or su. The tests run as
//! root (sudo does not ask root for a password), becoming `nobody`.

use std::os::unix::fs::MetadataExt;
use std::sync::Arc;

use troupe_modules::{FileAttrs, TargetError};

use super::super::r#become::BecomeLauncher;
use super::super::{Become, Connection, Launcher, LocalLauncher, SessionOptions, ShellSession};
use super::Lab;

fn as_user(user: &str, method: &str, password: Option<&str>) -> Become {
    Become {
        user: user.into(),
        method: method.into(),
        password: password.map(str::to_string),
    }
}

fn assert_runs_as_nobody(lab: &Lab, how: &Become) {
    assert!(
        std::path::Path::new("/usr/bin/sudo").exists(),
        "sudo is missing: run tests/lab/install-deps.sh"
    );
    let target = lab
        .connection
        .target(Some(how))
        .unwrap_or_else(|e| panic!("{how:?}: {e}"));
    assert_eq!(target.run("id -un", None).unwrap().stdout_str(), "nobody\n");
    assert_eq!(target.run("cat", Some(b"fed")).unwrap().stdout_str(), "fed");
    let path = lab.scratch.file(&format!("by-{}", how.method));
    target.write(&path, b"mine", &FileAttrs::default()).unwrap();
    assert_eq!(std::fs::metadata(&path).unwrap().uid(), 65534);
    assert_eq!(target.read(&path).unwrap().as_deref(), Some(&b"mine"[..]));
    let login = lab.connection.target(None).unwrap();
    assert_eq!(
        login.run("id -un", None).unwrap().stdout_str(),
        "root\n",
        "the login shell is unchanged"
    );
}

fn check_become(lab: Lab) {
    let sudo = as_user("nobody", "sudo", None);
    assert_runs_as_nobody(&lab, &sudo);
    let again = lab.connection.target(Some(&sudo)).unwrap();
    let first = lab.connection.target(Some(&sudo)).unwrap();
    assert!(Arc::ptr_eq(&again, &first), "one shell per become user");
    assert_runs_as_nobody(&lab, &as_user("nobody", "su", None));
    // A password sudo does not ask for is never sent anywhere.
    assert_runs_as_nobody(&lab, &as_user("nobody", "sudo", Some("s3cret-troupe")));
}

#[test]
fn become_locally() {
    check_become(Lab::local("/bin/sh", SessionOptions::default()));
}

#[test]
fn become_over_ssh() {
    check_become(Lab::ssh(SessionOptions::default()));
}

#[test]
fn become_over_native_ssh() {
    check_become(Lab::native(SessionOptions::default()));
}

#[test]
fn become_streams_large_files_as_that_user() {
    let lab = Lab::local(
        "/bin/sh",
        SessionOptions {
            inline_limit: 16,
            ..SessionOptions::default()
        },
    );
    let how = as_user("nobody", "sudo", Some("s3cret-troupe"));
    let target = lab.connection.target(Some(&how)).unwrap();
    let path = lab.scratch.file("large");
    let content = vec![7u8; 4096];
    target
        .write(&path, &content, &FileAttrs::default())
        .unwrap();
    assert_eq!(std::fs::metadata(&path).unwrap().uid(), 65534);
    assert_eq!(target.read(&path).unwrap(), Some(content));
}

#[test]
fn a_failed_become_is_a_task_failure_that_names_no_password() {
    let lab = Lab::local("/bin/sh", SessionOptions::default());
    for how in [
        as_user("no-such-user-troupe", "sudo", None),
        as_user("no-such-user-troupe", "sudo", Some("s3cret-troupe")),
        as_user("no-such-user-troupe", "su", Some("s3cret-troupe")),
    ] {
        match lab.connection.target(Some(&how)) {
            Err(TargetError::Failed(why)) => {
                assert!(why.contains("no-such-user-troupe"), "{why}");
                assert!(!why.contains("s3cret"), "{why}");
            }
            Err(e) => panic!("expected a failure, got {e}"),
            Ok(_) => panic!("became a user that does not exist"),
        }
    }
    // root is not asked for a password: su with one starts the shell all the same.
    let su_with_password = lab
        .connection
        .target(Some(&as_user("nobody", "su", Some("pw"))))
        .unwrap();
    assert_eq!(
        su_with_password.run("id -un", None).unwrap().stdout_str(),
        "nobody\n"
    );
    assert!(!format!("{:?}", as_user("nobody", "sudo", Some("s3cret-troupe"))).contains("s3cret"));
    assert_eq!(
        lab.target().run("echo ok", None).unwrap().stdout_str(),
        "ok\n"
    );
}

/// `nobody` (whose password is locked) asks sudo for root: sudo prompts, gets the wrong
/// password, prompts again, and troupe gives up without ever showing the password.
#[test]
fn a_wrong_become_password_is_refused_and_never_shown() {
    let as_nobody: Arc<dyn Launcher> = Arc::new(
        BecomeLauncher::new(
            Arc::new(LocalLauncher::default()),
            &as_user("nobody", "su", None),
        )
        .unwrap(),
    );
    let to_root =
        BecomeLauncher::new(as_nobody, &as_user("root", "sudo", Some("s3cret-troupe"))).unwrap();
    match ShellSession::start("h", Arc::new(to_root), SessionOptions::default()) {
        Err(TargetError::Failed(why)) => {
            assert!(why.contains("incorrect password"), "{why}");
            assert!(!why.contains("s3cret"), "{why}");
        }
        Err(e) => panic!("expected a failure, got {e}"),
        Ok(_) => panic!("nobody became root"),
    }
}

/// sudo reads one line of password: a line break would hand the rest to the shell started
/// as root, as a command. Such a password is refused before anything runs.
#[test]
fn a_become_password_with_a_line_break_is_refused_before_anything_runs() {
    let marker = std::env::temp_dir().join(format!("troupe-pwned-{}", std::process::id()));
    let as_nobody: Arc<dyn Launcher> = Arc::new(
        BecomeLauncher::new(
            Arc::new(LocalLauncher::default()),
            &as_user("nobody", "su", None),
        )
        .unwrap(),
    );
    let password = format!("s3cret-troupe\ntouch {}", marker.display());
    match BecomeLauncher::new(as_nobody, &as_user("root", "sudo", Some(&password))) {
        Err(TargetError::Failed(why)) => {
            assert!(why.contains("line break"), "{why}");
            assert!(!why.contains("s3cret"), "{why}");
        }
        Err(e) => panic!("expected a failure, got {e}"),
        Ok(_) => panic!("a password with a line break was accepted"),
    }
    assert!(!marker.exists());
}
