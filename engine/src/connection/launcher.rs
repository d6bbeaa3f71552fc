//! How a `/bin/sh` is started on a host (locally, through ssh, through sudo...), and the
//! start-up handshake that answers a become password prompt.

use std::io::Write;
use std::os::unix::process::CommandExt;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
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

/// A command to spawn, and the password prompt it may show on stderr before it runs.
pub struct Launch {
    pub command: Command,
    pub password: Option<PasswordPrompt>,
}

/// sudo asks for a password with `prompt` on stderr (maybe not at all, when its credentials
/// are cached or not needed); the wrapped shell writes `ready` on stderr once it runs.
#[derive(Clone)]
pub struct PasswordPrompt {
    pub prompt: String,
    pub ready: String,
    pub password: String,
}

/// A started child whose stdin, stdout and stderr are pipes.
pub(crate) struct Spawned {
    pub child: Child,
    pub stdin: ChildStdin,
    pub stdout: ChildStdout,
    pub stderr: StderrTail,
}

impl Spawned {
    /// Kills the child and reaps it.
    pub(crate) fn abandon(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Spawns `launch`, answering its password prompt when it has one. A child that dies during
/// the handshake is reported with what it wrote on stderr.
pub(crate) fn spawn(launch: Launch, handshake_timeout: Duration) -> Result<Spawned, TargetError> {
    let Launch {
        mut command,
        password,
    } = launch;
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
    let mut spawned = Spawned {
        child,
        stdin,
        stdout,
        stderr: StderrTail::follow(stderr),
    };
    if let Some(prompt) = password {
        if let Err(e) = answer_password_prompt(&mut spawned, &prompt, handshake_timeout) {
            spawned.abandon();
            return Err(e);
        }
    }
    Ok(spawned)
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
