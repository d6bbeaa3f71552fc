//! A limit on how long each command may run (the task's `timeout:`), enforced on the host by
//! coreutils' `timeout`, so a stuck command is killed there rather than merely abandoned.

use std::io::{Read, Write};
use std::sync::Arc;
use std::time::Duration;

use troupe_modules::{FileAttrs, RunOutput, Target, TargetError};

use troupe_modules::shell_text::quote as shell_quote;

/// `timeout`'s exit code when it had to stop the command.
pub const TIMED_OUT: i32 = 124;

/// Runs every command of `inner` under `timeout`; a command stopped that way exits 124 with
/// a line saying so on stderr.
pub struct WithTimeout {
    inner: Arc<dyn Target>,
    limit: Duration,
}

impl WithTimeout {
    pub fn new(inner: Arc<dyn Target>, limit: Duration) -> Self {
        WithTimeout { inner, limit }
    }
}

impl Target for WithTimeout {
    fn name(&self) -> &str {
        self.inner.name()
    }
    fn run(&self, script: &str, stdin: Option<&[u8]>) -> Result<RunOutput, TargetError> {
        let seconds = self.limit.as_secs().max(1);
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
