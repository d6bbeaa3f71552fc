//! A session cleans up after earlier sessions of its user that were killed (kill -9, a host
//! rebooted): their temp dirs go, those of shells still running stay.

use super::Lab;
use crate::connection::shell_session::SessionOptions;

#[test]
fn temp_dirs_of_dead_sessions_are_removed_at_the_next_start() {
    let dead = std::process::Command::new("true").spawn().unwrap();
    let dead_pid = dead.id();
    let mut dead = dead;
    dead.wait().unwrap();
    let tag = format!("{:08}", std::process::id() % 100_000_000);
    let stale = std::path::PathBuf::from(format!("/dev/shm/troupe.s{}", &tag[1..]));
    let alive = std::path::PathBuf::from(format!("/dev/shm/troupe.a{}", &tag[1..]));
    for (dir, pid) in [(&stale, dead_pid), (&alive, std::process::id())] {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join("pid"), format!("{pid}\n")).unwrap();
    }
    let lab = Lab::local("/bin/sh", SessionOptions::default());
    assert_eq!(
        lab.target().run("echo up", None).unwrap().stdout_str(),
        "up\n"
    );
    assert!(!stale.exists(), "the dead session's dir is still there");
    assert!(alive.exists(), "a live session's dir was removed");
    std::fs::remove_dir_all(&alive).unwrap();
}
