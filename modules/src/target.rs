//! The small window a module has onto a host.

use std::io::{Read, Write};

/// What a module may ask of a host. The engine implements it for the local and SSH
/// connections; `become`, `environment` and connection details are applied there, never
/// by modules.
pub trait Target: Send + Sync {
    /// The inventory name, for messages.
    fn name(&self) -> &str;

    /// Runs `script` as `/bin/sh -c script` would, feeding `stdin` when given.
    fn run(&self, script: &str, stdin: Option<&[u8]>) -> Result<RunOutput, TargetError>;

    /// Runs a read-only script of troupe's own and returns what [`Target::run`] would, maybe
    /// in the host's long-lived shell itself, without the subshell that isolates `run`'s
    /// commands (a fork on the host per request, the largest cost of a probe after the
    /// processes it starts). So the script must leave that shell as it found it: it may
    /// define functions and set variables named `troupe_*`, and must not `exit`, `cd`, `set`,
    /// `trap`, change the umask, read stdin, start background jobs, or fail to parse.
    fn inspect(&self, script: &str) -> Result<RunOutput, TargetError> {
        self.run(script, None)
    }

    /// Writes `len` bytes read from `content` to `path` atomically: a temp file in the same
    /// directory, attributes applied, then renamed over `path`. Attributes left `None` keep
    /// those of the file being replaced; a new file gets the default umask and owner.
    fn put(
        &self,
        path: &str,
        content: &mut dyn Read,
        len: u64,
        attrs: &FileAttrs,
    ) -> Result<(), TargetError>;

    /// Streams the bytes of the file at `path` into `sink`. `Ok(false)` when it does not exist.
    fn get(&self, path: &str, sink: &mut dyn Write) -> Result<bool, TargetError>;

    /// The whole content of a (small) file, `None` when it does not exist.
    fn read(&self, path: &str) -> Result<Option<Vec<u8>>, TargetError> {
        let mut buf = Vec::new();
        Ok(self.get(path, &mut buf)?.then_some(buf))
    }

    /// Writes a small in-memory file atomically (see [`Target::put`]).
    fn write(&self, path: &str, content: &[u8], attrs: &FileAttrs) -> Result<(), TargetError> {
        self.put(path, &mut &content[..], content.len() as u64, attrs)
    }
}

/// What a finished command left behind.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunOutput {
    pub rc: i32,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

impl RunOutput {
    pub fn success(&self) -> bool {
        self.rc == 0
    }
    pub fn stdout_str(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
    pub fn stderr_str(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }
}

/// Owner, group and permission bits for a file being written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileAttrs {
    pub mode: Option<u32>,
    pub owner: Option<String>,
    pub group: Option<String>,
}

/// Why the target could not do what was asked (as opposed to a command that ran and failed).
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    /// The host cannot be reached or the connection broke: the engine marks it unreachable.
    #[error("unreachable: {0}")]
    Unreachable(String),
    /// The operation reached the host but failed (permission denied, no such directory...).
    #[error("{0}")]
    Failed(String),
}
