//! Protocol checks, run through every kind of shell (see `protocol_tests!`).

use std::io::{self, Read, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use troupe_modules::{FileAttrs, Target, TargetError};

use super::Lab;

fn run(target: &dyn Target, script: &str) -> troupe_modules::RunOutput {
    target
        .run(script, None)
        .unwrap_or_else(|e| panic!("{script}: {e}"))
}

pub(super) fn exit_codes_and_separate_streams(lab: &Lab) {
    let t = lab.target();
    let out = run(&*t, "echo out; echo err >&2; echo more out; exit 3");
    assert_eq!(
        (out.rc, out.stdout_str().as_str(), out.stderr_str().as_str()),
        (3, "out\nmore out\n", "err\n")
    );
    assert_eq!(run(&*t, "false").rc, 1);
    assert_eq!(run(&*t, "true").stdout, b"");
    let missing = run(&*t, "no-such-command-troupe");
    assert_eq!(missing.rc, 127);
    assert!(
        missing.stderr_str().contains("not found"),
        "{}",
        missing.stderr_str()
    );
    assert_eq!(
        run(&*t, "sh -c 'kill -9 $$'").rc,
        137,
        "a command killed by a signal"
    );
}

/// Probes run in the session's shell itself (`Target::inspect`) and leave it as they found
/// it: no variable a later command could read (but `troupe_*`), `LC_ALL` as it was (unset,
/// or exported with its value), the directory and umask, and the shell alive.
pub(super) fn probes_leave_the_shell_as_they_found_it(lab: &Lab) {
    use troupe_modules::helpers::remote_file::{
        probe_many, probe_with_content, Checksum, ProbeOptions,
    };
    let t = lab.target();
    let dir = lab.scratch.file("probed");
    run(
        &*t,
        &format!("mkdir -p {dir} && printf 'a\\nb\\n' >{dir}/small && ln -sf small {dir}/link"),
    );
    let look = r#"printf '%s|' "${F-}" "${Z-}" "${p-}" "${s-}" "${c-}" "${n-}" "${LC_ALL-unset}" "$(pwd)" "$(umask)""#;
    let before = run(&*t, look).stdout_str();
    let probe_all = || {
        let opts = ProbeOptions {
            follow: true,
            checksum: Some(Checksum::Sha1),
        };
        let small = format!("{dir}/small");
        let link = format!("{dir}/link");
        let states = probe_many(
            &*t,
            &[
                (&small, opts),
                (&link, ProbeOptions::default()),
                (&dir, opts),
            ],
        )
        .unwrap();
        assert_eq!(
            states[0].checksum.as_deref(),
            Some(Checksum::Sha1.digest(b"a\nb\n").as_str())
        );
        let (_, content) = probe_with_content(&*t, &small, true).unwrap();
        assert_eq!(content.as_deref(), Some(&b"a\nb\n"[..]));
    };
    probe_all();
    assert_eq!(run(&*t, look).stdout_str(), before, "unset LC_ALL");
    // A shell whose LC_ALL is exported keeps it, exported, with its value.
    t.inspect("LC_ALL=POSIX; export LC_ALL").unwrap();
    probe_all();
    assert_eq!(run(&*t, "printf %s \"$LC_ALL\"").stdout_str(), "POSIX");
    assert_eq!(
        run(&*t, "sh -c 'printf %s \"$LC_ALL\"'").stdout_str(),
        "POSIX"
    );
    t.inspect("unset LC_ALL").unwrap();
    assert_eq!(run(&*t, look).stdout_str(), before);
    assert_eq!(run(&*t, "echo alive").stdout_str(), "alive\n");
}

pub(super) fn binary_output_with_nuls_and_the_marker(lab: &Lab) {
    let t = lab.target();
    // The marker that ends a reply is hidden from commands, so none can end one early...
    assert_eq!(
        run(&*t, r#"printf %s "${troupe_M-hidden}""#).stdout_str(),
        "hidden"
    );
    // ...and output that imitates the framing comes back as plain bytes.
    let fake = "\ntroupe-0123 0\n\ntroupe-0123 0 e\nerr\n\ntroupe-0123\n\n";
    let out = run(
        &*t,
        &format!(
            r#"printf 'a\000b\377\n'; printf %s {fake}; printf '\000%s' {fake} >&2"#,
            fake = troupe_modules::shell_text::quote(fake)
        ),
    );
    let mut expected = b"a\0b\xff\n".to_vec();
    expected.extend_from_slice(fake.as_bytes());
    assert_eq!(out.stdout, expected);
    assert_eq!(out.stderr, format!("\0{fake}").into_bytes());
    let unterminated = run(&*t, "printf 'no newline'; printf '\n\n' >&2");
    assert_eq!(unterminated.stdout, b"no newline");
    assert_eq!(unterminated.stderr, b"\n\n");
    let all_bytes = run(
        &*t,
        "i=0; while [ $i -lt 256 ]; do printf \"\\\\$(printf %o $i)\"; i=$((i+1)); done",
    );
    assert_eq!(all_bytes.stdout, (0..=255u8).collect::<Vec<_>>());
    assert_eq!(
        run(&*t, "echo still in step").stdout_str(),
        "still in step\n"
    );
}

pub(super) fn stdin_is_fed_and_otherwise_empty(lab: &Lab) {
    let t = lab.target();
    let mut data: Vec<u8> = (0..5000u32).map(|i| (i % 251) as u8).collect();
    data.extend_from_slice(b"\nEOF\nTROUPE_DATA\n'\"$(reboot)\n");
    let echoed = t.run("cat", Some(&data)).unwrap();
    assert_eq!((echoed.rc, echoed.stdout.len()), (0, data.len()));
    assert_eq!(echoed.stdout, data);
    assert_eq!(t.run("wc -c", Some(b"")).unwrap().stdout_str().trim(), "0");
    // Without stdin a reading command sees end of file at once, and the session goes on.
    let nothing = run(&*t, "cat; read line; echo \"read=$?\"");
    assert_eq!(nothing.stdout_str(), "read=1\n");
    assert_eq!(run(&*t, "echo after").stdout_str(), "after\n");
}

pub(super) fn session_survives_exit_syntax_errors_and_background_jobs(lab: &Lab) {
    let t = lab.target();
    assert_eq!(run(&*t, "exit 3").rc, 3);
    assert_eq!(run(&*t, "cd /; X=1; exec true").rc, 0);
    let state = run(&*t, r#"printf '%s|%s' "$(pwd)" "${X-unset}""#).stdout_str();
    assert!(
        state.ends_with("|unset") && !state.starts_with("/|"),
        "cd and variables stay in their command: {state}"
    );
    let syntax = run(&*t, "if then fi (");
    assert_ne!(syntax.rc, 0);
    assert!(!syntax.stderr.is_empty());
    let started = Instant::now();
    let job = run(&*t, "sleep 120 >/dev/null 2>&1 & echo $!");
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "a background job must not hold the reply"
    );
    let pid = job.stdout_str().trim().to_string();
    assert_eq!(
        run(&*t, &format!("kill {pid}")).rc,
        0,
        "the job still runs after its command returned"
    );
    assert_eq!(run(&*t, "echo alive").stdout_str(), "alive\n");
}

/// A job the command left in the background that keeps its stdout or stderr holds the reply,
/// as Ansible waits for a command's output to close: what it prints is that command's. A job
/// that escaped (started by a subshell of the command) prints into no later reply, and
/// does not hold the session's close.
pub(super) fn late_output_of_a_background_job_is_its_commands(lab: &Lab) {
    let t = lab.target();
    assert_eq!(
        run(&*t, "(sleep 0.2; echo late) & echo now").stdout_str(),
        "now\nlate\n"
    );
    let err = run(&*t, "(sleep 0.2; echo late >&2; exit 4) & false");
    assert_eq!((err.rc, err.stderr_str()), (1, "late\n".to_string()));
    assert_eq!(
        run(&*t, "( (sleep 0.2; echo dropped) & ); echo now").stdout_str(),
        "now\n"
    );
    std::thread::sleep(Duration::from_millis(600));
    assert_eq!(run(&*t, "echo next").stdout_str(), "next\n");
    run(&*t, "sleep 30 >/dev/null 2>&1 & (sleep 30 &)");
    let started = Instant::now();
    lab.connection.login_session().close();
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "close took {:?}",
        started.elapsed()
    );
}

/// A task removing the session's temp dir (a cleanup of /dev/shm) does not break the
/// commands after it: the dir is made again, stderr and stdin still travel through it.
pub(super) fn a_removed_session_temp_dir_is_made_again(lab: &Lab) {
    let t = lab.target();
    assert_eq!(run(&*t, "rm -rf -- \"$troupe_T\"; echo gone").rc, 0);
    let out = run(&*t, "echo out; echo err >&2; exit 3");
    assert_eq!(
        (out.rc, out.stdout_str(), out.stderr_str()),
        (3, "out\n".to_string(), "err\n".to_string())
    );
    let fed = t.run("cat", Some(b"fed")).unwrap();
    assert_eq!(fed.stdout_str(), "fed");
}

pub(super) fn a_thousand_commands_in_a_row(lab: &Lab, backend: &str) {
    let t = lab.target();
    let started = Instant::now();
    for i in 0..1000 {
        let out = run(&*t, &format!("echo {i}; echo {i} >&2; exit $(( {i} % 7 ))"));
        assert_eq!(
            (out.rc, out.stdout_str(), out.stderr_str()),
            (i % 7, format!("{i}\n"), format!("{i}\n"))
        );
    }
    let with_output = started.elapsed().as_secs_f64();
    let started = Instant::now();
    for _ in 0..1000 {
        assert_eq!(run(&*t, "true").rc, 0);
    }
    let per_command = started.elapsed().as_secs_f64(); // 1000 commands: seconds = ms per command
    eprintln!(
        "MEASURE {backend}: 1000 `true` commands, {per_command:.3} ms per command; \
         with stdout, stderr and rc {with_output:.3} ms per command"
    );
}

/// Writes `content` at `path` with `attrs`, through `put`.
fn put(t: &dyn Target, path: &str, content: &[u8], attrs: &FileAttrs) -> Result<(), TargetError> {
    t.put(path, &mut &content[..], content.len() as u64, attrs)
}

pub(super) fn put_and_get_small_files(lab: &Lab) {
    let t = lab.target();
    let path = lab.scratch.file("small");
    let content: Vec<u8> = (0..3000u32).map(|i| (i * 7 % 256) as u8).collect();
    put(&*t, &path, &content, &FileAttrs::default()).unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), content);
    assert_eq!(t.read(&path).unwrap(), Some(content.clone()));
    put(&*t, &path, b"", &FileAttrs::default()).unwrap();
    assert_eq!(t.read(&path).unwrap(), Some(Vec::new()));
    assert_eq!(
        lab.scratch.names(),
        ["small"],
        "no temp file is left beside it"
    );

    assert_eq!(t.read(&lab.scratch.file("missing")).unwrap(), None);
    let dangling = lab.scratch.file("dangling");
    std::os::unix::fs::symlink("/nonexistent/troupe", &dangling).unwrap();
    assert_eq!(t.read(&dangling).unwrap(), None);
    assert!(matches!(
        t.read(lab.scratch.path().to_str().unwrap()),
        Err(TargetError::Failed(_))
    ));

    let nowhere = lab.scratch.file("no-such-dir/file");
    let err = put(&*t, &nowhere, &content, &FileAttrs::default()).unwrap_err();
    assert!(matches!(err, TargetError::Failed(_)), "{err}");
    assert!(put(
        &*t,
        &lab.scratch.file("trailing/"),
        b"x",
        &FileAttrs::default()
    )
    .is_err());
    let short = t.put(
        &lab.scratch.file("short"),
        &mut &b"abc"[..],
        3000,
        &FileAttrs::default(),
    );
    assert!(
        matches!(short, Err(TargetError::Failed(_))),
        "content shorter than announced"
    );
    assert_eq!(lab.scratch.names(), ["dangling", "small"]);
    assert_eq!(run(&*t, "echo in step").stdout_str(), "in step\n");
}

pub(super) fn attributes_are_kept_or_set(lab: &Lab) {
    let t = lab.target();
    let umask = u32::from_str_radix(run(&*t, "umask").stdout_str().trim(), 8).unwrap();
    let path = lab.scratch.file("conf");
    let meta = || std::fs::metadata(&path).unwrap();
    let content = vec![b'x'; 2000];

    put(&*t, &path, &content, &FileAttrs::default()).unwrap();
    assert_eq!(
        meta().permissions().mode() & 0o7777,
        0o666 & !umask,
        "a new file gets the umask"
    );

    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    std::os::unix::fs::chown(&path, Some(65534), Some(65534)).unwrap();
    put(&*t, &path, &content, &FileAttrs::default()).unwrap();
    assert_eq!(
        (
            meta().permissions().mode() & 0o7777,
            meta().uid(),
            meta().gid()
        ),
        (0o640, 65534, 65534),
        "kept"
    );

    let mode_only = FileAttrs {
        mode: Some(0o600),
        ..FileAttrs::default()
    };
    put(&*t, &path, &content, &mode_only).unwrap();
    assert_eq!(
        (
            meta().permissions().mode() & 0o7777,
            meta().uid(),
            meta().gid()
        ),
        (0o600, 65534, 65534)
    );

    let owner_only = FileAttrs {
        owner: Some("root".into()),
        ..FileAttrs::default()
    };
    put(&*t, &path, &content, &owner_only).unwrap();
    assert_eq!(
        (
            meta().permissions().mode() & 0o7777,
            meta().uid(),
            meta().gid()
        ),
        (0o600, 0, 65534)
    );

    let all = FileAttrs {
        mode: Some(0o4751),
        owner: Some("nobody".into()),
        group: Some("0".into()),
    };
    put(&*t, &path, &content, &all).unwrap();
    assert_eq!(
        (
            meta().permissions().mode() & 0o7777,
            meta().uid(),
            meta().gid()
        ),
        (0o4751, 65534, 0)
    );

    let unknown = FileAttrs {
        owner: Some("no-such-user-troupe".into()),
        ..FileAttrs::default()
    };
    assert!(matches!(
        put(&*t, &path, b"new", &unknown),
        Err(TargetError::Failed(_))
    ));
    assert_eq!(
        std::fs::read(&path).unwrap(),
        content,
        "a failed put leaves the old file"
    );
    assert_eq!(lab.scratch.names(), ["conf"]);

    // New files are born with the mode asked for, whether a umask can give it or not.
    for mode in [0o640, 0o600, 0o755, 0o2750] {
        let fresh = lab.scratch.file(&format!("new-{mode:o}"));
        let attrs = FileAttrs {
            mode: Some(mode),
            ..FileAttrs::default()
        };
        put(&*t, &fresh, &content, &attrs).unwrap();
        let meta = std::fs::metadata(&fresh).unwrap();
        assert_eq!(meta.permissions().mode() & 0o7777, mode, "{mode:o}");
        assert_eq!(std::fs::read(&fresh).unwrap(), content);
        std::fs::remove_file(&fresh).unwrap();
    }
}

pub(super) fn readers_never_see_a_partial_file(lab: &Lab) {
    let t = lab.target();
    let path = lab.scratch.file("flip");
    let (a, b) = (vec![b'a'; 256 * 1024], vec![b'b'; 256 * 1024]);
    put(&*t, &path, &a, &FileAttrs::default()).unwrap();
    let done = Arc::new(AtomicBool::new(false));
    let reader = {
        let (done, path) = (done.clone(), path.clone());
        std::thread::spawn(move || {
            let mut reads = 0;
            while !done.load(Ordering::SeqCst) {
                let seen = std::fs::read(&path).unwrap();
                assert_eq!(seen.len(), 256 * 1024, "a reader saw a partial file");
                assert!(
                    seen.iter().all(|&c| c == seen[0]),
                    "a reader saw mixed contents"
                );
                reads += 1;
            }
            reads
        })
    };
    for round in 0..20 {
        put(
            &*t,
            &path,
            if round % 2 == 0 { &b } else { &a },
            &FileAttrs::default(),
        )
        .unwrap();
    }
    done.store(true, Ordering::SeqCst);
    assert!(reader.join().unwrap() > 0);
    assert_eq!(lab.scratch.names(), ["flip"]);
}

/// A deterministic stream of every byte value, NULs included, never held whole in memory.
struct Pattern {
    pos: u64,
    len: u64,
    /// Called once, half way through.
    at_half: Option<Box<dyn FnOnce()>>,
}

fn pattern_byte(pos: u64) -> u8 {
    (pos.wrapping_mul(2_654_435_761) >> 11) as u8 ^ pos as u8
}

impl Read for Pattern {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos >= self.len / 2 {
            if let Some(hook) = self.at_half.take() {
                hook();
            }
        }
        let n = buf.len().min((self.len - self.pos) as usize);
        for (i, b) in buf[..n].iter_mut().enumerate() {
            *b = pattern_byte(self.pos + i as u64);
        }
        self.pos += n as u64;
        Ok(n)
    }
}

/// Checks that what is written is the [`Pattern`].
#[derive(Default)]
struct PatternCheck {
    pos: u64,
    first_mismatch: Option<u64>,
}

impl Write for PatternCheck {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        for (i, &b) in buf.iter().enumerate() {
            if self.first_mismatch.is_none() && b != pattern_byte(self.pos + i as u64) {
                self.first_mismatch = Some(self.pos + i as u64);
            }
        }
        self.pos += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn peak_memory_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

pub(super) fn fifty_mebibytes_round_trip(lab: &Lab, backend: &str) {
    const LEN: u64 = 50 << 20;
    let t = lab.target();
    let path = lab.scratch.file("big");
    let peak_before = peak_memory_kib();
    let seen_half_way = Arc::new(std::sync::Mutex::new(Vec::new()));
    let hook = {
        let (seen, dir) = (seen_half_way.clone(), lab.scratch.path().to_path_buf());
        Box::new(move || {
            let names = std::fs::read_dir(dir)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned());
            *seen.lock().unwrap() = names.collect();
        })
    };
    let started = Instant::now();
    t.put(
        &path,
        &mut Pattern {
            pos: 0,
            len: LEN,
            at_half: Some(hook),
        },
        LEN,
        &FileAttrs::default(),
    )
    .unwrap();
    let put_time = started.elapsed();
    let during = seen_half_way.lock().unwrap().clone();
    assert!(
        during.len() == 1 && during[0].starts_with(".big.troupe-"),
        "while streaming, the only file is a temp beside the destination: {during:?}"
    );
    assert_eq!(lab.scratch.names(), ["big"], "the temp file was renamed");
    assert_eq!(std::fs::metadata(&path).unwrap().len(), LEN);

    let started = Instant::now();
    let mut check = PatternCheck::default();
    assert!(t.get(&path, &mut check).unwrap());
    let get_time = started.elapsed();
    assert_eq!((check.pos, check.first_mismatch), (LEN, None));
    let growth_mib = (peak_memory_kib().saturating_sub(peak_before)) / 1024;
    eprintln!("MEASURE {backend}: 50 MiB put {put_time:?}, get {get_time:?}, peak memory growth {growth_mib} MiB");
    assert!(
        growth_mib < 40,
        "50 MiB must stream, not be held: peak grew {growth_mib} MiB"
    );
}

pub(super) fn a_killed_shell_is_unreachable(lab: &Lab) {
    let t = lab.target();
    let temp_dir = run(&*t, r#"printf %s "$troupe_T""#).stdout_str();
    let flag = lab.scratch.file("started");
    // The shell's process group: the shell and the command it runs, whose stdout is the
    // shell's own (a crashed container, a lost ssh client). Without a local process (the
    // native transport), the remote shell's group: a crashed host.
    let group = match lab.connection.login_session().pid() {
        Some(pid) => pid.to_string(),
        None => run(&*t, "ps -o pgid= -p $$")
            .stdout_str()
            .trim()
            .to_string(),
    };
    let killer = {
        let flag = flag.clone();
        std::thread::spawn(move || {
            while !std::path::Path::new(&flag).exists() {
                std::thread::sleep(Duration::from_millis(10));
            }
            std::process::Command::new("kill")
                .args(["-9", "--", &format!("-{group}")])
                .status()
                .unwrap();
        })
    };
    let started = Instant::now();
    let result = t.run(&format!("touch {flag}; sleep 30"), None);
    killer.join().unwrap();
    assert!(
        matches!(result, Err(TargetError::Unreachable(_))),
        "{result:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "noticed before the command could end"
    );
    assert!(
        matches!(t.run("true", None), Err(TargetError::Unreachable(_))),
        "and stays unreachable"
    );
    assert!(matches!(t.read(&flag), Err(TargetError::Unreachable(_))));
    // A shell killed with SIGKILL cannot clean up after itself.
    let _ = std::fs::remove_dir_all(temp_dir);
}

pub(super) fn closing_removes_the_session_temp_dir(lab: &Lab) {
    let t = lab.target();
    let temp_dir = run(&*t, r#"printf %s "$troupe_T""#).stdout_str();
    assert!(std::path::Path::new(&temp_dir).is_dir(), "{temp_dir}");
    lab.connection.login_session().close();
    assert!(
        !std::path::Path::new(&temp_dir).exists(),
        "{temp_dir} is removed"
    );
    assert!(matches!(
        t.run("true", None),
        Err(TargetError::Unreachable(_))
    ));
}

pub(super) fn concurrent_callers_take_turns(lab: &Lab) {
    let t = lab.target();
    std::thread::scope(|scope| {
        for thread in 0..6 {
            let t = t.clone();
            scope.spawn(move || {
                for i in 0..40 {
                    let out = t
                        .run(
                            &format!("echo {thread}-{i}"),
                            Some(format!("{i}").as_bytes()),
                        )
                        .unwrap();
                    assert_eq!(out.stdout_str(), format!("{thread}-{i}\n"));
                }
            });
        }
    });
}
