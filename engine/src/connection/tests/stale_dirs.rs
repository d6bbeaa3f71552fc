//! A session cleans up after earlier sessions of its user that were killed (kill -9, a host
//! rebooted): their temp dirs go, those of shells still running stay.

use super::Lab;
use crate::connection::cleanup_stamps::CleanupStamps;
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

/// A shell whose `TMPDIR` is `dir`: the dead sessions' dirs made there are seen by its
/// sessions alone, not by the other tests' sessions running meanwhile.
fn shell_with_tmpdir(dir: &std::path::Path) -> String {
    let shell = dir.join("sh");
    let tmp = dir.join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    std::fs::write(
        &shell,
        format!("#!/bin/sh\nTMPDIR={} exec /bin/sh \"$@\"\n", tmp.display()),
    )
    .unwrap();
    std::fs::set_permissions(&shell, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    shell.to_str().unwrap().to_string()
}

/// A dead session's dir in `dir`'s `tmp`, as `troupe.PID.XXXXXXXX` with its `pid` file.
fn stale_dir(dir: &std::path::Path, letter: char) -> std::path::PathBuf {
    let dead = dead_pid();
    let stale = dir
        .join("tmp")
        .join(format!("troupe.{dead}.{letter}0000000"));
    std::fs::create_dir(&stale).unwrap();
    std::fs::write(stale.join("pid"), format!("{dead}\n")).unwrap();
    stale
}

/// Looking for dead sessions costs a pass over every session's dir: the first session of a
/// run looks, the run's later ones (sharing its stamps) do not, and the next run looks again,
/// removing stamps a day old.
#[test]
fn only_the_first_session_of_a_run_looks_for_dead_ones() {
    let scratch = super::Scratch::new();
    let shell = shell_with_tmpdir(scratch.path());
    // Stamps of its own: a run of its own.
    let run = SessionOptions::default();
    let first = stale_dir(scratch.path(), 'f');
    let lab = Lab::local(&shell, run.clone());
    lab.target().run("true", None).unwrap();
    assert!(
        !first.exists(),
        "the run's first session left a dead one's dir"
    );

    let second = stale_dir(scratch.path(), 'g');
    let later = Lab::local(&shell, run.clone());
    later.target().run("true", None).unwrap();
    assert!(second.exists(), "a later session of the run looked again");

    let old_stamp = format!("/dev/shm/troupe-run.{}", CleanupStamps::new().token(""));
    let made = std::process::Command::new("touch")
        .args(["-d", "2 days ago", &old_stamp])
        .status()
        .unwrap();
    assert!(made.success());
    let next_run = Lab::local(&shell, SessionOptions::default());
    next_run.target().run("true", None).unwrap();
    assert!(
        !second.exists(),
        "the next run's first session left a dead one's dir"
    );
    let stamp = format!("/dev/shm/troupe-run.{}", run.cleanup.token(""));
    assert!(
        std::path::Path::new(&stamp).is_file(),
        "the run left no stamp"
    );
    std::fs::remove_file(&stamp).unwrap();
    assert!(
        !std::path::Path::new(&old_stamp).exists(),
        "a stamp two days old was left"
    );
}

/// A stamp of the run's name that is not the user's own plain file (a link planted by
/// someone who saw the name) does not stop the session from looking, and is left alone.
#[test]
fn a_planted_stamp_does_not_stop_the_looking() {
    let scratch = super::Scratch::new();
    let shell = shell_with_tmpdir(scratch.path());
    // Stamps of its own: a run of its own.
    let run = SessionOptions::default();
    let stamp = std::path::PathBuf::from(format!("/dev/shm/troupe-run.{}", run.cleanup.token("")));
    let pointed = scratch.path().join("target");
    std::fs::write(&pointed, "keep").unwrap();
    std::os::unix::fs::symlink(&pointed, &stamp).unwrap();
    let stale = stale_dir(scratch.path(), 'p');
    let lab = Lab::local(&shell, run);
    lab.target().run("true", None).unwrap();
    assert!(!stale.exists(), "a link as the stamp stopped the looking");
    assert_eq!(std::fs::read_to_string(&pointed).unwrap(), "keep");
    assert!(stamp.is_symlink(), "the planted link was replaced");
    std::fs::remove_file(&stamp).unwrap();
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
