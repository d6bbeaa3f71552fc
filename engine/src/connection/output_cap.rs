//! The most of a command's output troupe keeps in memory. A command printing more (a log
//! dumped to stdout, `cat` of a disk image) fails with a message saying so, instead of
//! taking the controller's memory: what it printed past the cap is read and dropped, so the
//! session stays in step.

use std::io::{self, Write};

/// Bytes of stdout, and separately of stderr, kept for one command.
pub const MAX_OUTPUT: usize = 64 << 20;

/// A buffer that refuses to grow past [`MAX_OUTPUT`].
#[derive(Default)]
pub(crate) struct CappedBuffer {
    pub bytes: Vec<u8>,
}

impl Write for CappedBuffer {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.bytes.len() + buf.len() > MAX_OUTPUT {
            return Err(io::Error::other(too_much()));
        }
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// What a command that printed too much is told.
pub fn too_much() -> String {
    format!(
        "the command printed more than {} MiB, which troupe does not keep in memory: send its output to a file on the host instead",
        MAX_OUTPUT >> 20
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_past_the_cap_fail_and_keep_what_fit() {
        let mut b = CappedBuffer::default();
        b.write_all(&vec![b'x'; MAX_OUTPUT]).unwrap();
        assert!(b.write_all(b"y").is_err());
        assert_eq!(b.bytes.len(), MAX_OUTPUT);
    }
}
