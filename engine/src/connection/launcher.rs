//! How a `/bin/sh` is started on a host (locally, through ssh, through sudo...), and the
//! start-up handshake that answers a become password prompt.

use std::io::{Read, Write};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use troupe_modules::TargetError;

use super::stderr_tail::StderrTail;

/// Starts `/bin/sh` on one host as one user. Implemented per transport; `become` wraps another.
pub trait Launcher: Send + Sync {
    /// The command running `/bin/sh` on the host: reading commands from its stdin when
    /// `script` is `None`, else `/bin/sh -c script`.
    fn launch(&self, script: Option<&str>) -> Launch;

    /// Ctrl-C: ends what this run opened besides the shells (an SSH master), at once.
    fn abort(&self) {}
}

/// What to start, and the password prompt it may show on stderr before it runs.
pub struct Launch {
    pub start: Start,
    pub password: Option<PasswordPrompt>,
}

/// A local process (`sh`, `ssh`...), or a command over a connection troupe holds itself.
pub enum Start {
    Process(Command),
    Channel(Box<dyn OpenChannel>),
}

/// Runs a command on a host over a connection held in this process (`native_ssh`).
pub trait OpenChannel: Send {
    /// The started command's streams, as a process's would be.
    fn open(self: Box<Self>) -> Result<Spawned, TargetError>;
}

impl Launch {
    /// Starts `command` as a local process.
    pub fn process(command: Command) -> Launch {
        Launch {
            start: Start::Process(command),
            password: None,
        }
    }
}

/// sudo asks for a password with `prompt` on stderr (maybe not at all, when its credentials
/// are cached or not needed); the wrapped shell writes `ready` on stderr once it runs.
#[derive(Clone)]
pub struct PasswordPrompt {
    pub prompt: String,
    pub ready: String,
    pub password: String,
}

/// A started shell or command: its streams, and a handle on what runs it.
pub struct Spawned {
    pub child: Box<dyn Running>,
    pub stdin: Box<dyn Write + Send>,
    pub stdout: Box<dyn Read + Send>,
    pub stderr: StderrTail,
}

/// Kills a running shell from any thread, at once.
pub type KillSwitch = Arc<dyn Fn() + Send + Sync>;

/// What runs a started shell: a local process (leading its own process group) or a channel.
pub trait Running: Send {
    /// Kills it (with what it started) and waits for the end.
    fn kill(&mut self);
    /// Waits for the end; whether it exited 0.
    fn wait(&mut self) -> bool;
    /// How it ended, when it has.
    fn ended(&mut self) -> Option<String>;
    /// Kills it from another thread.
    fn kill_switch(&self) -> KillSwitch;
    /// The local process, when there is one.
    fn pid(&self) -> Option<u32>;
}

impl Spawned {
    /// Kills the child and reaps it.
    pub(crate) fn abandon(mut self) {
        self.child.kill();
    }
}

/// A local child process leading its own process group.
struct Process(Child);

impl Running for Process {
    fn kill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
    fn wait(&mut self) -> bool {
        self.0.wait().is_ok_and(|s| s.success())
    }
    fn ended(&mut self) -> Option<String> {
        match self.0.try_wait() {
            Ok(Some(status)) => Some(status.to_string()),
            _ => None,
        }
    }
    fn kill_switch(&self) -> KillSwitch {
        let pid = self.0.id();
        Arc::new(move || {
            // SAFETY: kill(2) with a negative pid signals that group; no memory is involved.
            unsafe {
                libc::kill(-(pid as libc::pid_t), libc::SIGKILL);
            }
        })
    }
    fn pid(&self) -> Option<u32> {
        Some(self.0.id())
    }
}

/// Spawns `launch`, answering its password prompt when it has one. A child that dies during
/// the handshake is reported with what it wrote on stderr.
pub(crate) fn spawn(launch: Launch, handshake_timeout: Duration) -> Result<Spawned, TargetError> {
    let Launch { start, password } = launch;
    let mut spawned = match start {
        Start::Process(command) => spawn_process(command)?,
        Start::Channel(channel) => channel.open()?,
    };
    if let Some(prompt) = password {
        if let Err(e) = answer_password_prompt(&mut spawned, &prompt, handshake_timeout) {
            spawned.abandon();
            return Err(e);
        }
    }
    Ok(spawned)
}

fn spawn_process(mut command: Command) -> Result<Spawned, TargetError> {
    let program = command.get_program().to_string_lossy().into_owned();
    // Its own process group, so a hung start can be killed with everything it started.
    let mut child = command
        .process_group(0)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| TargetError::Unreachable(format!("cannot start {program}: {e}")))?;
    let (stdin, stdout, stderr) = (child.stdin.take(), child.stdout.take(), child.stderr.take());
    let (Some(stdin), Some(stdout), Some(stderr)) = (stdin, stdout, stderr) else {
        unreachable!("all three streams were asked for as pipes")
    };
    Ok(Spawned {
        child: Box::new(Process(child)),
        stdin: Box::new(stdin),
        stdout: Box::new(stdout),
        stderr: StderrTail::follow(stderr),
    })
}

enum Handshake {
    Ready,
    Prompted(usize),
    Exited,
}

fn answer_password_prompt(
    spawned: &mut Spawned,
    prompt: &PasswordPrompt,
    limit: Duration,
) -> Result<(), TargetError> {
    let deadline = Instant::now() + limit;
    let mut answered = 0;
    loop {
        let event = spawned.stderr.wait_for(deadline, |bytes, closed| {
            let prompts = occurrences(bytes, prompt.prompt.as_bytes());
            if occurrences(bytes, prompt.ready.as_bytes()) > 0 {
                Some(Handshake::Ready)
            } else if prompts > answered {
                Some(Handshake::Prompted(prompts))
            } else {
                closed.then_some(Handshake::Exited)
            }
        });
        match event {
            Some(Handshake::Ready) => break,
            Some(Handshake::Prompted(_)) if answered > 0 => {
                return Err(TargetError::Failed("become: incorrect password".into()))
            }
            Some(Handshake::Prompted(n)) => {
                answered = n;
                let line = format!("{}\n", prompt.password);
                if spawned
                    .stdin
                    .write_all(line.as_bytes())
                    .and_then(|()| spawned.stdin.flush())
                    .is_err()
                {
                    return Err(TargetError::Failed(format!(
                        "become failed: {}",
                        spawned.stderr.text()
                    )));
                }
            }
            Some(Handshake::Exited) => {
                let said = spawned.stderr.text().replace(&prompt.prompt, "");
                return Err(TargetError::Failed(format!("become failed: {said}")));
            }
            None => {
                return Err(TargetError::Failed(
                    "become: timed out waiting for the password prompt".into(),
                ))
            }
        }
    }
    spawned.stderr.clear();
    Ok(())
}

fn occurrences(haystack: &[u8], needle: &[u8]) -> usize {
    if needle.is_empty() {
        return 0;
    }
    haystack
        .windows(needle.len())
        .filter(|w| *w == needle)
        .count()
}
