//! A limit on how long a task's commands may run (the task's `timeout:`), enforced on the host
//! by coreutils' `timeout`, so a stuck command is killed there (with the processes it
//! started: `timeout` signals its whole process group) rather than merely abandoned.

use std::io::{Read, Write};
use std::sync::Arc;
use std::time::{Duration, Instant};

use troupe_modules::{FileAttrs, RunOutput, Target, TargetError};

use troupe_modules::shell_text::quote as shell_quote;

/// `timeout`'s exit code when it had to stop the command.
pub const TIMED_OUT: i32 = 124;

/// Runs every command of `inner` under `timeout`, each given what is left of `limit` counted
/// from the wrapper's making; a command stopped that way exits 124 with a line saying so on
/// stderr.
pub struct WithTimeout {
    inner: Arc<dyn Target>,
    deadline: Instant,
}

impl WithTimeout {
    pub fn new(inner: Arc<dyn Target>, limit: Duration) -> Self {
        WithTimeout {
            inner,
            deadline: Instant::now() + limit,
        }
    }
}

impl Target for WithTimeout {
    fn name(&self) -> &str {
        self.inner.name()
    }
    fn run(&self, script: &str, stdin: Option<&[u8]>) -> Result<RunOutput, TargetError> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        let seconds = left.as_secs_f64().ceil().max(1.0) as u64;
        // KILL 5 s after TERM, for commands that ignore TERM.
        let limited = format!(
            "exec timeout -k 5 {seconds} /bin/sh -c {}",
            shell_quote(script)
        );
        let mut output = self.inner.run(&limited, stdin)?;
        if output.rc == TIMED_OUT {
            output.stderr.extend_from_slice(
                format!("troupe: the command timed out after {seconds} s\n").as_bytes(),
            );
        }
        Ok(output)
    }
    fn put(
        &self,
        path: &str,
        content: &mut dyn Read,
        len: u64,
        attrs: &FileAttrs,
    ) -> Result<(), TargetError> {
        self.inner.put(path, content, len, attrs)
    }
    fn get(&self, path: &str, sink: &mut dyn Write) -> Result<bool, TargetError> {
        self.inner.get(path, sink)
    }
}
