//! One long-lived POSIX shell on a host, spoken to over a framed protocol (see
//! `session_scripts`). Requests are serialized; output streams back through the shell, and
//! large files and large stdin are sent through a separate process, so the controller's
//! memory stays flat.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use troupe_modules::{FileAttrs, RunOutput, Target, TargetError};

use super::cleanup_stamps::CleanupStamps;
use super::launcher::{spawn, KillSwitch, Launcher, Running, Spawned};
use super::output_cap::{self, CappedBuffer};
use super::session_scripts::{self as scripts, PutContent, Stdin, GET_MISSING};
use super::stderr_tail::StderrTail;
use super::ConnectionSpec;
use troupe_modules::replace_file;
use troupe_modules::replace_file::random_token;

/// Tuning of a session.
#[derive(Debug, Clone)]
pub struct SessionOptions {
    /// Files and stdin larger than this travel through a separate streaming process.
    pub inline_limit: u64,
    /// How long the shell may take to start (connect, log in, answer sudo) before it is killed.
    pub startup_timeout: Duration,
    /// Which sessions of the run clean up after killed ones.
    pub cleanup: CleanupStamps,
    /// The user the shell runs as, as the controller names it ("" for the login user).
    pub user: String,
}

impl Default for SessionOptions {
    fn default() -> Self {
        SessionOptions {
            inline_limit: 4 << 20,
            startup_timeout: Duration::from_secs(40),
            cleanup: CleanupStamps::new(),
            user: String::new(),
        }
    }
}

impl SessionOptions {
    /// Defaults, with the start-up allowance derived from the host's `ansible_timeout`, and
    /// the clean-up stamps of this process's run.
    pub fn for_spec(spec: &ConnectionSpec) -> Self {
        SessionOptions {
            startup_timeout: Duration::from_secs(spec.timeout_secs.max(1) + 30),
            cleanup: CleanupStamps::for_this_run(),
            ..Self::default()
        }
    }
}

/// A long-lived `/bin/sh` on a host, as one user. Implements [`Target`].
pub struct ShellSession {
    name: String,
    launcher: Arc<dyn Launcher>,
    options: SessionOptions,
    /// Ends the here-documents carrying data (never a line of base64).
    terminator: String,
    /// The session's private temp dir on the host.
    temp_dir: String,
    umask: u32,
    /// The local process behind the session, when there is one.
    pid: Option<u32>,
    kill_switch: KillSwitch,
    state: Mutex<State>,
}

struct State {
    child: Box<dyn Running>,
    /// `None` once closed.
    stdin: Option<Box<dyn Write + Send>>,
    stdout: BufReader<Box<dyn Read + Send>>,
    stderr: StderrTail,
    /// Starts every reply header.
    marker: String,
    /// Why the session can no longer be used.
    broken: Option<String>,
}

/// What a request left, its stdout having gone to a sink.
struct Reply {
    rc: i32,
    stderr: Vec<u8>,
    /// The sink refused the stdout bytes (they were still read, to stay in step).
    sink_error: Option<io::Error>,
    /// stderr was longer than [`output_cap::MAX_OUTPUT`] (what fit is in `stderr`).
    stderr_overflow: bool,
}

impl Reply {
    fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).trim().to_string()
    }
}

impl ShellSession {
    /// Starts the shell and its private temp dir. A host that cannot be reached, or a shell
    /// that dies at once (ssh refused, sudo said no), is `Unreachable` with what it said.
    pub fn start(
        name: &str,
        launcher: Arc<dyn Launcher>,
        options: SessionOptions,
    ) -> Result<Self, TargetError> {
        let Spawned {
            child,
            stdin,
            stdout,
            stderr,
        } = spawn(launcher.launch(None), options.startup_timeout)?;
        let (pid, kill_switch) = (child.pid(), child.kill_switch());
        let marker = format!("troupe-{}", random_token());
        let mut state = State {
            child,
            stdin: Some(stdin),
            stdout: BufReader::new(stdout),
            stderr,
            marker,
            broken: None,
        };
        let mut first_words = Vec::new();
        let watchdog = Watchdog::arm(kill_switch.clone(), options.startup_timeout);
        let started = state.exchange(
            &scripts::init(&state.marker, &options.cleanup.token(&options.user)),
            &mut first_words,
        );
        let timed_out = watchdog.disarm();
        let reply = match started {
            Ok(reply) if reply.rc == 0 => reply,
            Ok(reply) => {
                state.kill();
                return Err(TargetError::Unreachable(format!(
                    "cannot start a shell: {}",
                    reply.stderr_text()
                )));
            }
            Err(_) if timed_out => {
                state.kill();
                let limit = options.startup_timeout.as_secs();
                return Err(TargetError::Unreachable(format!(
                    "the shell did not start within {limit} s"
                )));
            }
            Err(reason) => {
                state.kill();
                return Err(TargetError::Unreachable(reason));
            }
        };
        drop(reply);
        // The last two lines: a login script may have printed before them.
        let first_words = String::from_utf8_lossy(&first_words);
        let mut lines = first_words.lines().rev();
        let umask = lines
            .next()
            .and_then(|u| u32::from_str_radix(u.trim(), 8).ok())
            .unwrap_or(0o022);
        let temp_dir = lines.next().unwrap_or_default().to_string();
        Ok(ShellSession {
            name: name.to_string(),
            launcher,
            options,
            terminator: format!("TROUPE_DATA_{}", random_token()),
            temp_dir,
            umask,
            pid,
            kill_switch,
            state: Mutex::new(state),
        })
    }

    /// The local process behind the session (`sh`, `ssh`...), when there is one.
    pub fn pid(&self) -> Option<u32> {
        self.pid
    }

    /// Kills the shell (a local one with its process group) at once, without waiting for a
    /// command in flight (Ctrl-C). The session is broken afterwards.
    pub fn abort(&self) {
        (self.kill_switch)();
    }

    /// Ends the shell, which removes its temp dir. Later requests are `Unreachable`.
    ///
    /// Waits for the shell's last words, not for the process: a process a command left in the
    /// background may hold the shell's stdout, and ssh would wait for it.
    pub fn close(&self) {
        let mut state = self.lock();
        if let Some(mut stdin) = state.stdin.take() {
            if state.broken.is_none() && stdin.write_all(b"exit\n").is_ok() {
                drop(stdin);
                let watchdog = Watchdog::arm(self.kill_switch.clone(), Duration::from_secs(2));
                let last_words = format!("\n{} X\n", state.marker);
                let _ = copy_until(&mut state.stdout, last_words.as_bytes(), &mut io::sink());
                watchdog.disarm();
            }
        }
        state.kill();
        state
            .broken
            .get_or_insert_with(|| "the session was closed".into());
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Sends one request; a broken session is `Unreachable`.
    fn request(
        &self,
        state: &mut State,
        script: &str,
        stdout: &mut dyn Write,
    ) -> Result<Reply, TargetError> {
        state
            .exchange(script, stdout)
            .map_err(TargetError::Unreachable)
    }

    /// Sends one request and collects what it printed: stdout capped, stderr as the reply
    /// carries it.
    fn exchange(&self, state: &mut State, request: &str) -> Result<RunOutput, TargetError> {
        let mut stdout = CappedBuffer::default();
        let reply = self.request(state, request, &mut stdout)?;
        if reply.sink_error.is_some() || reply.stderr_overflow {
            return Err(TargetError::Failed(output_cap::too_much()));
        }
        Ok(RunOutput {
            rc: reply.rc,
            stdout: stdout.bytes,
            stderr: reply.stderr,
        })
    }

    /// Streams `len` bytes of `content` into a new file at `remote_path`, through its own process.
    fn upload(
        &self,
        script: &str,
        what: &str,
        content: &mut dyn Read,
        len: u64,
    ) -> Result<Vec<u8>, TargetError> {
        super::round_trips::count_one();
        let launch = self.launcher.launch(Some(script));
        let Spawned {
            mut child,
            mut stdin,
            mut stdout,
            stderr,
        } = spawn(launch, self.options.startup_timeout)?;
        let copied = copy_content(content, len, &mut stdin);
        drop(stdin);
        if copied.is_err() {
            child.kill();
        }
        // What the script prints is a line at most; more is not read.
        let mut printed = Vec::new();
        let _ = (&mut stdout).take(4096).read_to_end(&mut printed);
        drop(stdout);
        let succeeded = child.wait();
        copied?;
        stderr.wait_closed(Duration::from_secs(2));
        match succeeded {
            true => Ok(printed),
            false => Err(TargetError::Failed(format!(
                "writing {what}: {}",
                stderr.text()
            ))),
        }
    }

    /// Removes a leftover file, best effort (the session may be the thing that failed).
    fn remove(&self, state: &mut State, path: &str) {
        let script = scripts::run(
            &format!("rm -f -- {}", troupe_modules::shell_text::quote(path)),
            Stdin::None,
            &self.terminator,
        );
        let _ = state.exchange(&script, &mut io::sink());
    }
}

impl Drop for ShellSession {
    fn drop(&mut self) {
        self.close();
    }
}

/// A shell cannot carry a NUL byte in its input's text.
fn refuse_nul(script: &str) -> Result<(), TargetError> {
    if script.contains('\0') {
        return Err(TargetError::Failed(
            "a command cannot contain a NUL byte".into(),
        ));
    }
    Ok(())
}

impl Target for ShellSession {
    fn name(&self) -> &str {
        &self.name
    }

    fn run(&self, script: &str, stdin: Option<&[u8]>) -> Result<RunOutput, TargetError> {
        refuse_nul(script)?;
        let mut state = self.lock();
        let stdin = match stdin {
            None => Stdin::None,
            Some(bytes) if bytes.len() as u64 <= self.options.inline_limit => Stdin::Inline(bytes),
            Some(bytes) => {
                let path = scripts::uploaded_stdin_path(&self.temp_dir);
                self.upload(
                    &scripts::upload(&path),
                    &path,
                    &mut &bytes[..],
                    bytes.len() as u64,
                )?;
                Stdin::Uploaded
            }
        };
        let request = scripts::run(script, stdin, &self.terminator);
        self.exchange(&mut state, &request)
    }

    fn inspect(&self, script: &str) -> Result<RunOutput, TargetError> {
        refuse_nul(script)?;
        let mut state = self.lock();
        self.exchange(&mut state, &scripts::inspect(script))
    }

    fn put(
        &self,
        path: &str,
        content: &mut dyn Read,
        len: u64,
        attrs: &FileAttrs,
    ) -> Result<(), TargetError> {
        let temp = replace_file::temp_beside(path).ok_or_else(|| {
            TargetError::Failed(format!("cannot write to '{path}': not a file path"))
        })?;
        let mut state = self.lock();
        let new_file_mode = 0o666 & !self.umask;
        let inline;
        let identity;
        let content = if len <= self.options.inline_limit {
            let mut bytes = Vec::with_capacity(len as usize);
            content
                .take(len)
                .read_to_end(&mut bytes)
                .map_err(|e| TargetError::Failed(format!("reading content for {path}: {e}")))?;
            if bytes.len() as u64 != len {
                return Err(short_content(bytes.len() as u64, len));
            }
            inline = bytes;
            PutContent::Inline(&inline)
        } else {
            let printed = match self.upload(
                &scripts::upload_into(&temp, &self.temp_dir),
                path,
                content,
                len,
            ) {
                Ok(printed) => printed,
                Err(e) => {
                    self.remove(&mut state, &temp);
                    return Err(e);
                }
            };
            identity = String::from_utf8_lossy(&printed).trim().to_string();
            PutContent::Uploaded {
                identity: &identity,
            }
        };
        let script = scripts::put(&temp, path, content, attrs, new_file_mode, &self.terminator);
        let reply = self.request(&mut state, &script, &mut io::sink())?;
        match reply.rc {
            0 => Ok(()),
            _ => Err(TargetError::Failed(format!(
                "cannot write {path}: {}",
                reply.stderr_text()
            ))),
        }
    }

    fn get(&self, path: &str, sink: &mut dyn Write) -> Result<bool, TargetError> {
        let mut state = self.lock();
        let reply = self.request(&mut state, &scripts::get(path), sink)?;
        match reply.rc {
            0 => match reply.sink_error {
                None => Ok(true),
                Some(e) => Err(TargetError::Failed(format!("storing {path}: {e}"))),
            },
            GET_MISSING => Ok(false),
            _ => Err(TargetError::Failed(format!(
                "cannot read {path}: {}",
                reply.stderr_text()
            ))),
        }
    }
}

impl State {
    /// Sends `request` and reads its reply, the stdout bytes going to `stdout`. Any broken
    /// pipe or unreadable reply breaks the session for good: the reason is returned.
    fn exchange(&mut self, request: &str, stdout: &mut dyn Write) -> Result<Reply, String> {
        if let Some(reason) = &self.broken {
            return Err(reason.clone());
        }
        super::round_trips::count_one();
        let result = self.send(request).and_then(|()| self.receive(stdout));
        result.map_err(|e| {
            let reason = self.death_reason(&e);
            self.broken = Some(reason.clone());
            reason
        })
    }

    fn send(&mut self, request: &str) -> io::Result<()> {
        let stdin = self
            .stdin
            .as_mut()
            .ok_or_else(|| io::Error::other("the session was closed"))?;
        stdin.write_all(request.as_bytes())?;
        stdin.flush()
    }

    /// Reads one reply: whatever comes before `\nMARKER B\n` is dropped, then stdout up to
    /// `\nMARKER `, the exit code and, when flagged, stderr up to `\nMARKER\n` (see
    /// `session_scripts`).
    fn receive(&mut self, stdout: &mut dyn Write) -> io::Result<Reply> {
        let begin = format!("\n{} B\n", self.marker);
        copy_until(&mut self.stdout, begin.as_bytes(), &mut io::sink())?;
        let start = format!("\n{} ", self.marker);
        let sink_error = copy_until(&mut self.stdout, start.as_bytes(), stdout)?;
        let mut line = Vec::new();
        (&mut self.stdout).take(64).read_until(b'\n', &mut line)?;
        let fields = String::from_utf8_lossy(&line).into_owned();
        let mut words = fields.split_whitespace();
        let rc = words.next().and_then(|rc| rc.parse::<i32>().ok());
        let (Some(rc), flag, None, true) = (rc, words.next(), words.next(), fields.ends_with('\n'))
        else {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("bad reply header {fields:?}"),
            ));
        };
        let mut stderr = CappedBuffer::default();
        let mut stderr_overflow = false;
        if flag == Some("e") {
            let end = format!("\n{}\n", self.marker);
            stderr_overflow = copy_until(&mut self.stdout, end.as_bytes(), &mut stderr)?.is_some();
        }
        Ok(Reply {
            rc,
            stderr: stderr.bytes,
            stderr_overflow,
            sink_error,
        })
    }

    /// Says why the shell went away: its last words on stderr (ssh's own message), or how it ended.
    fn death_reason(&mut self, error: &io::Error) -> String {
        self.stderr.wait_closed(Duration::from_secs(2));
        let said = self.stderr.text();
        if !said.is_empty() {
            return said;
        }
        match self.child.ended() {
            Some(status) => format!("the shell ended ({status})"),
            None => format!("lost the shell: {error}"),
        }
    }

    fn kill(&mut self) {
        self.stdin = None;
        self.child.kill();
    }
}

/// Copies what `reader` yields into `sink` up to `sentinel`, which is consumed and not
/// copied. A failing `sink` does not stop the reading; its error is returned alongside.
///
/// `sentinel` starts with `\n` and holds no other `\n` before its last byte, so a match can
/// only begin at a newline, and a partial match that fails holds no other beginning.
fn copy_until(
    reader: &mut impl BufRead,
    sentinel: &[u8],
    sink: &mut dyn Write,
) -> io::Result<Option<io::Error>> {
    debug_assert!(sentinel.first() == Some(&b'\n'));
    debug_assert!(!sentinel[1..sentinel.len() - 1].contains(&b'\n'));
    let mut sink_error = None;
    let mut emit = |bytes: &[u8]| {
        if sink_error.is_none() && !bytes.is_empty() {
            sink_error = sink.write_all(bytes).err();
        }
    };
    // The beginning of a possible match, seen at the end of the previous read.
    let mut held: Vec<u8> = Vec::new();
    loop {
        let buf = match reader.fill_buf() {
            Ok([]) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(buf) => buf,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if !held.is_empty() {
            let rest = &sentinel[held.len()..];
            let n = rest.len().min(buf.len());
            if buf[..n] == rest[..n] {
                reader.consume(n);
                if n == rest.len() {
                    return Ok(sink_error);
                }
                held.extend_from_slice(&rest[..n]);
            } else {
                emit(&held);
                held.clear();
            }
            continue;
        }
        let mut from = 0;
        let (used, found) = loop {
            let Some(at) = buf[from..].iter().position(|&b| b == b'\n') else {
                emit(buf);
                break (buf.len(), false);
            };
            let at = from + at;
            let candidate = &buf[at..];
            let n = candidate.len().min(sentinel.len());
            if candidate[..n] != sentinel[..n] {
                from = at + 1;
                continue;
            }
            emit(&buf[..at]);
            if n == sentinel.len() {
                break (at + n, true);
            }
            held.extend_from_slice(candidate);
            break (buf.len(), false);
        };
        reader.consume(used);
        if found {
            return Ok(sink_error);
        }
    }
}

/// Copies `len` bytes of a module's content into a child's stdin.
fn copy_content(
    content: &mut dyn Read,
    len: u64,
    stdin: &mut dyn Write,
) -> Result<(), TargetError> {
    let mut buf = vec![0u8; 256 * 1024];
    let mut left = len;
    while left > 0 {
        let want = left.min(buf.len() as u64) as usize;
        let got = match content.read(&mut buf[..want]) {
            Ok(0) => return Err(short_content(len - left, len)),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(TargetError::Failed(format!("reading content: {e}"))),
        };
        stdin
            .write_all(&buf[..got])
            .map_err(|e| TargetError::Failed(format!("sending content: {e}")))?;
        left -= got as u64;
    }
    Ok(())
}

fn short_content(got: u64, len: u64) -> TargetError {
    TargetError::Failed(format!("the content ended after {got} of {len} bytes"))
}

/// Kills a process that has not finished starting by its deadline (a login that hangs).
struct Watchdog {
    done: mpsc::Sender<()>,
    fired: Arc<AtomicBool>,
}

impl Watchdog {
    fn arm(kill: KillSwitch, limit: Duration) -> Self {
        let (done, finished) = mpsc::channel::<()>();
        let fired = Arc::new(AtomicBool::new(false));
        let fire = fired.clone();
        std::thread::spawn(move || {
            if let Err(mpsc::RecvTimeoutError::Timeout) = finished.recv_timeout(limit) {
                fire.store(true, Ordering::SeqCst);
                // A local child leads its process group and is not reaped before the
                // watchdog is disarmed, so the group is still its own: its children hold
                // the pipes too.
                kill();
            }
        });
        Watchdog { done, fired }
    }

    /// Stops the watch; says whether it had to kill.
    fn disarm(self) -> bool {
        let _ = self.done.send(());
        self.fired.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::copy_until;
    use std::io::{BufReader, Read};

    /// Every read size, so partial matches fall across every buffer boundary.
    #[test]
    fn copy_until_finds_the_sentinel_across_reads() {
        let sentinel = b"\nM-1 ";
        let data: &[u8] = b"\n\nM\nM-\nM-1\n\nM-1x\n\nM-1 rest";
        let before = &data[..data.len() - b"\nM-1 rest".len()];
        for capacity in 1..=data.len() {
            let mut reader = BufReader::with_capacity(capacity, data);
            let mut out = Vec::new();
            let error = copy_until(&mut reader, sentinel, &mut out).unwrap();
            assert!(error.is_none());
            assert_eq!(out, before, "capacity {capacity}");
            let mut rest = String::new();
            reader.read_to_string(&mut rest).unwrap();
            assert_eq!(rest, "rest", "capacity {capacity}");
        }
    }

    #[test]
    fn copy_until_without_the_sentinel_is_an_early_end() {
        let mut reader = BufReader::with_capacity(3, &b"abc\nM-"[..]);
        let error = copy_until(&mut reader, b"\nM-1 ", &mut Vec::new()).unwrap_err();
        assert_eq!(error.kind(), std::io::ErrorKind::UnexpectedEof);
    }
}
