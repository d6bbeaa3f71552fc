//! The shell text the controller sends to a session's long-lived `/bin/sh`.
//!
//! Every request ends with `troupe_reply RC`, which prints one header line
//! `MARKER RC STDOUT_LEN STDERR_LEN` and then exactly those bytes of the request's stdout
//! and stderr (kept in files of the session's private temp dir). Data for the host travels
//! inside the request as base64 in a quoted here-document: the shell reads its script from
//! the pipe in blocks, so no child may ever read the shell's own stdin.

use base64::Engine as _;
use troupe_modules::FileAttrs;

use super::quote::shell_quote as q;

/// `get` exit codes meaning "no such file" and "too large to send inline".
pub(crate) const GET_MISSING: i32 = 90;
pub(crate) const GET_TOO_LARGE: i32 = 91;

/// Redirections of a request's own output into the session's temp dir, then the reply.
const REPLY: &str = r#" >"$troupe_T/o" 2>"$troupe_T/e"; troupe_reply $?"#;

/// Starts the session: a private temp dir removed when the shell ends (in memory where Linux
/// offers /dev/shm: truncating files on a journaled disk costs milliseconds), the reply function,
/// and a first reply whose stdout is the temp dir and the umask.
pub(crate) fn init(marker: &str) -> String {
    format!(
        r#"troupe_M={marker}
troupe_T=$(mktemp -d /dev/shm/troupe.XXXXXXXX 2>/dev/null || mktemp -d "${{TMPDIR:-/tmp}}/troupe.XXXXXXXX") || exit 97
trap 'rm -rf "$troupe_T"' EXIT
trap 'exit 129' HUP
trap 'exit 143' TERM
troupe_reply() {{
  troupe_rc=$1
  if [ -s "$troupe_T/o" ] || [ -s "$troupe_T/e" ]; then
    set -- $(cd "$troupe_T" && wc -c o e)
    printf '%s %d %d %d\n' "$troupe_M" "$troupe_rc" "$1" "$3"
    cat "$troupe_T/o" "$troupe_T/e"
  else
    printf '%s %d 0 0\n' "$troupe_M" "$troupe_rc"
  fi
}}
{{ printf '%s\n' "$troupe_T"; umask; }} </dev/null{REPLY}
"#,
        marker = q(marker)
    )
}

/// Where a request's stdin comes from.
pub(crate) enum Stdin<'a> {
    None,
    /// Sent inside the request.
    Inline(&'a [u8]),
    /// Already uploaded to `$troupe_T/i`.
    Uploaded,
}

/// The request running `script` as `/bin/sh -c` would: in a subshell (so `exit`, `cd` and
/// variables stay there), through `eval` (so a syntax error fails the command, not the session).
pub(crate) fn run(script: &str, stdin: Stdin<'_>, terminator: &str) -> String {
    let mut request = String::new();
    let source = match stdin {
        Stdin::None => "/dev/null",
        Stdin::Inline(bytes) => {
            request += &decode_into(r#""$troupe_T/i""#, bytes, terminator);
            r#""$troupe_T/i""#
        }
        Stdin::Uploaded => r#""$troupe_T/i""#,
    };
    request += &format!("( eval {} ) <{source}{REPLY}\n", q(script));
    request
}

/// `( umask 077 && base64 -d >TARGET ) <<'TERMINATOR'`, then the data: written unreadable to
/// others until its final mode is set.
fn decode_into(target: &str, bytes: &[u8], terminator: &str) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
    let mut text = String::with_capacity(encoded.len() + encoded.len() / 76 + 100);
    text += &format!("( umask 077 && base64 -d >{target} ) <<'{terminator}'\n");
    for line in encoded.as_bytes().chunks(76) {
        text.push_str(std::str::from_utf8(line).expect("base64 is ASCII"));
        text.push('\n');
    }
    text += terminator;
    text.push('\n');
    text
}

/// Where a `put` writes before renaming: a hidden file beside `dest`.
pub(crate) fn temp_path_beside(dest: &str, token: &str) -> Option<String> {
    let (dir, base) = match dest.rsplit_once('/') {
        Some((dir, base)) => (if dir.is_empty() { "/" } else { dir }, base),
        None => (".", dest),
    };
    if base.is_empty() || base == "." || base == ".." {
        return None;
    }
    let dir = dir.trim_end_matches('/');
    Some(format!("{dir}/.{base}.troupe-{token}"))
}

/// Content of a `put`: inline, or already streamed to the temp path.
pub(crate) enum PutContent<'a> {
    Inline(&'a [u8]),
    Uploaded,
}

/// The request finishing a `put`: content into `temp`, attributes (those left `None` copied
/// from the file being replaced, else `new_file_mode`), then `mv -f` over `dest`. On any
/// failure the temp file is removed.
pub(crate) fn put(
    temp: &str,
    dest: &str,
    content: PutContent<'_>,
    attrs: &FileAttrs,
    new_file_mode: u32,
    terminator: &str,
) -> String {
    let mut s = format!("( troupe_t={} troupe_d={}\n", q(temp), q(dest));
    s += "troupe_fail() { rm -f -- \"$troupe_t\"; exit 1; }\n";
    match content {
        PutContent::Inline(bytes) => {
            let write = decode_into(r#""$troupe_t""#, bytes, terminator);
            // `|| troupe_fail` belongs on the command line, before the here-document body.
            let (first_line, body) = write.split_once('\n').expect("decode_into ends lines");
            s += &format!("{first_line} || troupe_fail\n{body}");
        }
        PutContent::Uploaded => s += "[ -f \"$troupe_t\" ] || troupe_fail\n",
    }
    if attrs.mode.is_none() || attrs.owner.is_none() || attrs.group.is_none() {
        s += "if [ -e \"$troupe_d\" ]; then\n";
        s += "  troupe_s=$(stat -L -c '%a %u %g' -- \"$troupe_d\") || troupe_fail\n";
        s += "  set -- $troupe_s\n";
        // Like Ansible, keeping the old owner is best effort (only root may give files away).
        match (&attrs.owner, &attrs.group) {
            (None, None) => s += "  chown \"$2:$3\" \"$troupe_t\" 2>/dev/null\n",
            (None, Some(_)) => s += "  chown \"$2\" \"$troupe_t\" 2>/dev/null\n",
            (Some(_), None) => s += "  chgrp \"$3\" \"$troupe_t\" 2>/dev/null\n",
            (Some(_), Some(_)) => {}
        }
        if attrs.mode.is_none() {
            s += "  chmod \"$1\" \"$troupe_t\" || troupe_fail\n";
            s += &format!("else\n  chmod {new_file_mode:o} \"$troupe_t\" || troupe_fail\n");
        }
        s += "fi\n";
    }
    match (&attrs.owner, &attrs.group) {
        (Some(o), Some(g)) => {
            s += &format!(
                "chown -- {} \"$troupe_t\" || troupe_fail\n",
                q(&format!("{o}:{g}"))
            )
        }
        (Some(o), None) => s += &format!("chown -- {} \"$troupe_t\" || troupe_fail\n", q(o)),
        (None, Some(g)) => s += &format!("chgrp -- {} \"$troupe_t\" || troupe_fail\n", q(g)),
        (None, None) => {}
    }
    // After chown, which may clear set-id bits.
    if let Some(mode) = attrs.mode {
        s += &format!("chmod {mode:o} \"$troupe_t\" || troupe_fail\n");
    }
    s += "mv -f -- \"$troupe_t\" \"$troupe_d\" || troupe_fail\n";
    s += &format!(") </dev/null{REPLY}\n");
    s
}

/// The request sending back the file at `path` when it is at most `inline_limit` bytes;
/// else it exits [`GET_TOO_LARGE`] (or [`GET_MISSING`]).
pub(crate) fn get(path: &str, inline_limit: u64) -> String {
    format!(
        r#"( troupe_p={path}
if [ -d "$troupe_p" ]; then printf '%s: Is a directory\n' "$troupe_p" >&2; exit 1; fi
[ -e "$troupe_p" ] || exit {GET_MISSING}
troupe_n=$(wc -c <"$troupe_p") || exit 1
[ "$troupe_n" -le {inline_limit} ] || exit {GET_TOO_LARGE}
exec cat -- "$troupe_p"
) </dev/null{REPLY}
"#,
        path = q(path)
    )
}

/// A separate `/bin/sh -c` writing its stdin to `path` (large files, streamed).
pub(crate) fn upload(path: &str) -> String {
    format!("umask 077 && exec cat >{}", q(path))
}

/// A separate `/bin/sh -c` writing the file at `path` to its stdout (large files, streamed).
pub(crate) fn download(path: &str) -> String {
    format!("exec cat -- {}", q(path))
}

/// The temp dir's file that receives uploaded stdin (see [`Stdin::Uploaded`]).
pub(crate) fn uploaded_stdin_path(session_temp_dir: &str) -> String {
    format!("{session_temp_dir}/i")
}

#[cfg(test)]
mod tests {
    use super::temp_path_beside;

    #[test]
    fn temp_files_sit_beside_their_destination() {
        assert_eq!(
            temp_path_beside("/etc/motd", "x").as_deref(),
            Some("/etc/.motd.troupe-x")
        );
        assert_eq!(
            temp_path_beside("/motd", "x").as_deref(),
            Some("/.motd.troupe-x")
        );
        assert_eq!(
            temp_path_beside("motd", "x").as_deref(),
            Some("./.motd.troupe-x")
        );
        assert_eq!(
            temp_path_beside("-m", "x").as_deref(),
            Some("./.-m.troupe-x")
        );
        assert_eq!(temp_path_beside("/etc/", "x"), None);
    }
}
