//! Running an inventory script within bounds: at most `timeout` per run and `max_output`
//! bytes on stdout, stdin closed, stderr kept (its end) for the error message. A script
//! that oversteps is killed together with everything it started (its own process group).

use std::fmt;
use std::io::Read;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long one run of an inventory script may take and how much it may print.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub timeout: Duration,
    pub max_output: usize,
}

impl Default for Limits {
    /// Five minutes (cloud inventories can be slow) and 64 MiB of JSON.
    fn default() -> Self {
        Limits {
            timeout: Duration::from_secs(300),
            max_output: 64 << 20,
        }
    }
}

/// What a script that exited with status 0 printed.
#[derive(Debug)]
pub struct Output {
    pub stdout: Vec<u8>,
    pub stderr: Stderr,
}

/// The end of what a script wrote to stderr, shown in one screen: its last lines, each cut
/// to a readable width.
#[derive(Debug, Clone, Default)]
pub struct Stderr(String);

/// Why running a script did not give its output.
#[derive(Debug, thiserror::Error)]
pub enum RunProblem {
    #[error("could not be run: {0}")]
    Spawn(std::io::Error),
    #[error("exited with {status}{}", stderr.or_none())]
    Failed { status: String, stderr: Stderr },
    #[error("did not finish within {} s and was stopped", .0.as_secs_f32())]
    TimedOut(Duration),
    #[error("printed more than {0} bytes and was stopped")]
    TooMuchOutput(usize),
    #[error("reading its output: {0}")]
    Read(std::io::Error),
}

/// Bytes of stderr kept (the last ones); lines and columns shown from them.
const STDERR_KEPT: usize = 64 << 10;
const STDERR_LINES: usize = 20;
const STDERR_COLUMNS: usize = 240;

enum Event {
    Stdout(std::io::Result<Vec<u8>>),
    Stderr(Vec<u8>),
    Exit(std::io::Result<ExitStatus>),
}

/// Runs `program args...` and returns what it printed when it exits with status 0.
pub fn run(program: &Path, args: &[&str], limits: &Limits) -> Result<Output, RunProblem> {
    let mut child = spawn(program, args)?;
    let group = child.id() as libc::pid_t;
    let (Some(stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) else {
        unreachable!("both pipes were requested");
    };
    let (tx, rx) = mpsc::channel();
    let cap = limits.max_output as u64 + 1;
    let sender = tx.clone();
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let read = stdout.take(cap).read_to_end(&mut buf).map(|_| buf);
        let _ = sender.send(Event::Stdout(read));
    });
    let sender = tx.clone();
    std::thread::spawn(move || {
        let _ = sender.send(Event::Stderr(read_tail(stderr)));
    });
    std::thread::spawn(move || {
        let _ = tx.send(Event::Exit(child.wait()));
    });
    let stop = || {
        // SAFETY: kill(2) on the process group the child leads; no memory is involved.
        unsafe { libc::kill(-group, libc::SIGKILL) };
    };
    let deadline = Instant::now() + limits.timeout;
    let (mut out, mut err, mut status) = (None, None, None);
    while out.is_none() || err.is_none() || status.is_none() {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(Event::Stdout(read)) => {
                let bytes = read.map_err(|e| {
                    stop();
                    RunProblem::Read(e)
                })?;
                if bytes.len() > limits.max_output {
                    stop();
                    return Err(RunProblem::TooMuchOutput(limits.max_output));
                }
                out = Some(bytes);
            }
            Ok(Event::Stderr(bytes)) => err = Some(Stderr::from_bytes(&bytes)),
            Ok(Event::Exit(exit)) => status = Some(exit.map_err(RunProblem::Read)?),
            Err(_) => {
                stop();
                return Err(RunProblem::TimedOut(limits.timeout));
            }
        }
    }
    let (Some(stdout), Some(stderr), Some(status)) = (out, err, status) else {
        unreachable!("the loop ends when all three arrived");
    };
    if !status.success() {
        let status = match (status.code(), status.signal()) {
            (Some(code), _) => format!("code {code}"),
            (None, Some(signal)) => format!("signal {signal}"),
            (None, None) => status.to_string(),
        };
        return Err(RunProblem::Failed { status, stderr });
    }
    Ok(Output { stdout, stderr })
}

/// Starts the script in its own process group. A script file still open for writing in a
/// process that is about to exec (a moment after it was written) is "busy": tried again.
fn spawn(program: &Path, args: &[&str]) -> Result<std::process::Child, RunProblem> {
    let mut tries = 0;
    loop {
        let spawned = Command::new(program)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .spawn();
        match spawned {
            Err(e) if e.raw_os_error() == Some(libc::ETXTBSY) && tries < 10 => {
                tries += 1;
                std::thread::sleep(Duration::from_millis(20));
            }
            other => return other.map_err(RunProblem::Spawn),
        }
    }
}

/// Reads a pipe to its end, keeping only the last `STDERR_KEPT` bytes.
fn read_tail(mut pipe: impl Read) -> Vec<u8> {
    let mut kept = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        match pipe.read(&mut chunk) {
            Ok(0) | Err(_) => return kept,
            Ok(n) => {
                kept.extend_from_slice(&chunk[..n]);
                if kept.len() > 2 * STDERR_KEPT {
                    kept.drain(..kept.len() - STDERR_KEPT);
                }
            }
        }
    }
}

impl Stderr {
    fn from_bytes(bytes: &[u8]) -> Stderr {
        let text = String::from_utf8_lossy(bytes);
        let lines: Vec<&str> = text.trim_end().lines().collect();
        let skipped = lines.len().saturating_sub(STDERR_LINES);
        let mut shown = String::new();
        if skipped > 0 {
            shown.push_str(&format!("    ({skipped} earlier lines not shown)\n"));
        }
        for line in &lines[skipped..] {
            let cut: String = line.chars().take(STDERR_COLUMNS).collect();
            shown.push_str("    ");
            shown.push_str(&cut);
            if cut.len() < line.len() {
                shown.push_str(" ...");
            }
            shown.push('\n');
        }
        Stderr(shown.trim_end().to_string())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The kept lines, indented, without the lead-in `Display` gives them.
    pub fn lines(&self) -> &str {
        &self.0
    }

    /// As `Display` shows it, or a note that there was nothing.
    fn or_none(&self) -> String {
        match self.is_empty() {
            true => " (nothing on stderr)".to_string(),
            false => self.to_string(),
        }
    }
}

/// `; stderr:` and the lines, to follow a message; nothing when there were none.
impl fmt::Display for Stderr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.is_empty() {
            true => Ok(()),
            false => write!(f, "; stderr:\n{}", self.0),
        }
    }
}
