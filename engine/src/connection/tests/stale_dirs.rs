//! A session cleans up after earlier sessions of its user that were killed (kill -9, a host
//! rebooted): their temp dirs go, those of shells still running stay.

use super::Lab;
use crate::connection::shell_session::SessionOptions;

/// The pid of a process that has exited.
fn dead_pid() -> u32 {
    let mut dead = std::process::Command::new("true").spawn().unwrap();
    let pid = dead.id();
    dead.wait().unwrap();
    pid
}

#[test]
fn temp_dirs_of_dead_sessions_are_removed_at_the_next_start() {
    let dead_pid = dead_pid();
    let tag = format!("{:08}", std::process::id() % 100_000_000);
    let stale = std::path::PathBuf::from(format!("/dev/shm/troupe.s{}", &tag[1..]));
    let alive = std::path::PathBuf::from(format!("/dev/shm/troupe.a{}", &tag[1..]));
    // Today's names carry the shell's pid: troupe.PID.XXXXXXXX.
    let me = std::process::id();
    let stale_named =
        std::path::PathBuf::from(format!("/dev/shm/troupe.{dead_pid}.s{}", &tag[1..]));
    let alive_named = std::path::PathBuf::from(format!("/dev/shm/troupe.{me}.a{}", &tag[1..]));
    for (dir, pid) in [
        (&stale, dead_pid),
        (&alive, me),
        (&stale_named, dead_pid),
        (&alive_named, me),
    ] {
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
    assert!(
        !stale_named.exists(),
        "the dead session's dir is still there"
    );
    assert!(alive_named.exists(), "a live session's dir was removed");
    std::fs::remove_dir_all(&alive).unwrap();
    std::fs::remove_dir_all(&alive_named).unwrap();
}

/// A session killed mid-write leaves the write's temp file beside its destination; the next
/// session removes it, and nothing else: not a file of another name, not through a link.
#[test]
fn the_temp_file_of_a_killed_write_is_removed_at_the_next_start() {
    let dead_pid = dead_pid();
    let scratch = super::Scratch::new();
    let dir = scratch.path();
    let temp = dir.join(format!(".app.conf.troupe-{}", "0".repeat(32)));
    let linked = dir.join(format!(".other.troupe-{}", "1".repeat(32)));
    let kept = dir.join("app.conf");
    std::fs::write(&temp, "half").unwrap();
    std::fs::write(&kept, "keep").unwrap();
    std::os::unix::fs::symlink(&kept, &linked).unwrap();
    let tag = format!("{:08}", std::process::id() % 100_000_000);
    let stale = std::path::PathBuf::from(format!("/dev/shm/troupe.w{}", &tag[1..]));
    std::fs::create_dir_all(&stale).unwrap();
    std::fs::write(stale.join("pid"), format!("{dead_pid}\n")).unwrap();
    std::fs::write(
        stale.join("w"),
        format!(
            "{}\n{}\n{}\n",
            temp.display(),
            linked.display(),
            kept.display()
        ),
    )
    .unwrap();
    let lab = Lab::local("/bin/sh", SessionOptions::default());
    assert_eq!(
        lab.target().run("echo up", None).unwrap().stdout_str(),
        "up\n"
    );
    assert!(!stale.exists(), "the dead session's dir is still there");
    assert!(
        !temp.exists(),
        "the killed write's temp file is still there"
    );
    assert!(
        linked.is_symlink(),
        "a link named like a temp file was removed"
    );
    assert_eq!(std::fs::read_to_string(&kept).unwrap(), "keep");

    // A write notes its temp file in the session's dir before it starts.
    let dest = dir.join("new.conf");
    let target = lab.target();
    target
        .put(
            dest.to_str().unwrap(),
            &mut &b"new"[..],
            3,
            &troupe_modules::FileAttrs::default(),
        )
        .unwrap();
    let noted = target
        .run("cat \"$troupe_T/w\"", None)
        .unwrap()
        .stdout_str();
    let prefix = format!("{}/.new.conf.troupe-", dir.display());
    assert!(noted.starts_with(&prefix), "{noted}");
}
