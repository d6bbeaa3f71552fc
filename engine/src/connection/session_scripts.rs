//! The shell text the controller sends to a session's long-lived `/bin/sh`.
//!
//! A request's stdout flows straight back through the shell's own stdout; its stderr goes to
//! a file of the session's private temp dir. Every request starts by printing `\nMARKER B\n`
//! (whatever came before it, say the late output of a process that escaped `troupe_jobs`,
//! belongs to no reply and is dropped) and ends with `troupe_reply RC`, which
//! prints `\nMARKER RC\n` (no stderr) or `\nMARKER RC e\n`, the stderr bytes and `\nMARKER\n`.
//! The marker is random per session and hidden from commands, so no output can end a reply
//! early, and small replies cost the host no process at all. The shell's last words, when
//! it exits, are `\nMARKER X\n`. Data for the host travels
//! inside the request as base64 in a quoted here-document: the shell reads its script from
//! the pipe in blocks, so no child may ever read the shell's own stdin.

use base64::Engine as _;
use troupe_modules::replace_file::{Fill, Replace};
use troupe_modules::FileAttrs;

use troupe_modules::shell_text::quote as q;

/// `get` exit code meaning "no such file".
pub(crate) const GET_MISSING: i32 = 90;

/// Redirection of a request's stderr into the session's temp dir, then the reply.
const REPLY: &str = r#" 2>"$troupe_T/e"; troupe_reply $?"#;

/// What every request prints first (see the module's doc), then a check that the session's
/// temp dir is still its own: a task may have removed it (`rm -rf /dev/shm/*`), and then
/// the name is made again, or, when someone else took it, the session ends saying why.
const BEGIN: &str = r#"printf '\n%s B\n' "$troupe_M"
[ -d "$troupe_T" ] && [ ! -h "$troupe_T" ] && [ -O "$troupe_T" ] || troupe_lost
"#;

/// Starts the session: the temp dirs of this user's earlier sessions whose shell is gone
/// (killed with -9, a host that rebooted mid-run) removed, with the temp file of the write
/// such a session had in flight (see [`note_write`]; only a regular file of this user with a
/// temp file's name); a private temp dir removed when the shell ends (in memory where Linux
/// offers /dev/shm: truncating files on a journaled disk costs milliseconds); the reply
/// function; and a first reply whose stdout ends with the temp dir and the umask (a chatty
/// login may have printed lines before them). Only the first session of a run and user on
/// the machine looks for dead sessions: it leaves the stamp `cleanup` names, and the others
/// pass (see `cleanup_stamps`); it removes the user's stamps older than a day. A dir is
/// named for its shell's pid, so a live session's costs the looking one a `kill -0`.
pub(crate) fn init(marker: &str, cleanup: &str) -> String {
    format!(
        r#"troupe_M={marker}
troupe_r=/dev/shm/troupe-run.{cleanup}
[ -d /dev/shm ] || troupe_r="${{TMPDIR:-/tmp}}/troupe-run.{cleanup}"
if [ -f "$troupe_r" ] && [ ! -h "$troupe_r" ] && [ -O "$troupe_r" ]; then :; else
[ -e "$troupe_r" ] || [ -h "$troupe_r" ] || ( set -C; : >"$troupe_r" ) 2>/dev/null
for troupe_d in /dev/shm/troupe.???????? /dev/shm/troupe.*.???????? "${{TMPDIR:-/tmp}}"/troupe.???????? "${{TMPDIR:-/tmp}}"/troupe.*.????????; do
  troupe_p=${{troupe_d##*/troupe.}}
  case $troupe_p in *.*) kill -0 "${{troupe_p%%.*}}" && continue;; esac
  [ -d "$troupe_d" ] && [ ! -h "$troupe_d" ] && [ -O "$troupe_d" ] && [ -f "$troupe_d/pid" ] || continue
  read troupe_p <"$troupe_d/pid" && ! kill -0 "$troupe_p" || continue
  [ ! -f "$troupe_d/w" ] || while read -r troupe_w; do
    case ${{troupe_w##*/}} in .*.troupe-{token_glob})
      [ ! -h "$troupe_w" ] && [ -f "$troupe_w" ] && [ -O "$troupe_w" ] && rm -f -- "$troupe_w";;
    esac
  done <"$troupe_d/w"
  rm -rf -- "$troupe_d"
done 2>/dev/null
find /dev/shm "${{TMPDIR:-/tmp}}" -maxdepth 1 -name 'troupe-run.*' -type f -mmin +1440 2>/dev/null | while read -r troupe_d; do
  [ -f "$troupe_d" ] && [ ! -h "$troupe_d" ] && [ -O "$troupe_d" ] && rm -f -- "$troupe_d"
done
fi
troupe_T=$(mktemp -d /dev/shm/troupe.$$.XXXXXXXX 2>/dev/null || mktemp -d "${{TMPDIR:-/tmp}}/troupe.$$.XXXXXXXX") || exit 97
echo $$ >"$troupe_T/pid"
trap 'rm -rf "$troupe_T"; printf '\''\n%s X\n'\'' "$troupe_M"' EXIT
troupe_lost() {{
  mkdir -m 700 -- "$troupe_T" 2>/dev/null && return
  printf 'troupe: the session temp dir %s was removed by a task and its name taken by another user; the session ends\n' "$troupe_T" >&2
  exit 125
}}
trap 'exit 129' HUP
trap 'exit 143' TERM
troupe_jobs() {{
  [ -n "$!" ] || return "$1"
  jobs -p >"$troupe_T/j"
  while read -r troupe_j; do
    while [ /proc/$troupe_j/fd/1 -ef /proc/self/fd/1 ] || [ /proc/$troupe_j/fd/2 -ef /proc/self/fd/2 ]; do
      sleep 0.02 2>/dev/null || sleep 1
    done
  done <"$troupe_T/j"
  return "$1"
}}
troupe_reply() {{
  if [ -s "$troupe_T/e" ]; then
    printf '\n%s %d e\n' "$troupe_M" "$1"
    cat "$troupe_T/e"
    printf '\n%s\n' "$troupe_M"
  else
    printf '\n%s %d\n' "$troupe_M" "$1"
  fi
}}
{BEGIN}{{ printf '%s\n' "$troupe_T"; umask; }} </dev/null{REPLY}
"#,
        marker = q(marker),
        token_glob = "?".repeat(32)
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
/// variables stay there, and the marker is unset), through `eval` (so a syntax error fails
/// the command, not the session). Like Ansible, which reads a command's output until every
/// writer has closed it, the request waits for the jobs the script left in the background
/// that still hold its stdout or stderr, so their late output is this command's, never a
/// later one's; a job started with its output redirected (`nohup srv >/dev/null 2>&1 &`) is
/// left running. The shell polls (`jobs -p`, then `[ /proc/JOB/fd/1 -ef /proc/self/fd/1 ]`)
/// rather than `wait`s, since a job just forked holds the output until its own redirections
/// apply. A script that ends with `exit` skips the wait (dash empties its job table in an
/// exit trap); it costs nothing when the script started no job (`$!` stays empty).
pub(crate) fn run(script: &str, stdin: Stdin<'_>, terminator: &str) -> String {
    let mut request = String::from(BEGIN);
    let source = match stdin {
        Stdin::None => "/dev/null",
        Stdin::Inline(bytes) => {
            request += &write_into(r#""$troupe_T/i""#, bytes, "077", terminator);
            r#""$troupe_T/i""#
        }
        Stdin::Uploaded => r#""$troupe_T/i""#,
    };
    request += &format!(
        "( unset troupe_M; eval {}; troupe_jobs $? ) <{source}{REPLY}\n",
        q(script)
    );
    request
}

/// The request running one of troupe's own read-only scripts (see
/// `troupe_modules::Target::inspect`) in the session's shell itself: no subshell, no jobs
/// to wait for, stdin from /dev/null.
pub(crate) fn inspect(script: &str) -> String {
    format!("{BEGIN}{{ eval {}; }} </dev/null{REPLY}\n", q(script))
}

/// Data up to this size is written by the shell's own `printf`; larger data by `base64 -d`
/// (a process on the host, but a quarter of the request's size).
const PRINTF_LIMIT: usize = 64 << 10;

/// The command writing `bytes` to `target` under `umask`, on one line (`|| ...` may follow
/// it), maybe followed by a here-document body.
fn write_into(target: &str, bytes: &[u8], umask: &str, terminator: &str) -> String {
    let fill = fill_command(bytes, terminator);
    let (first, body) = fill.split_once('\n').unwrap_or((&fill, ""));
    format!("( umask {umask} && {first} >{target} )\n{body}")
}

/// A command printing exactly `bytes` on its stdout: the shell's own `printf` for data up to
/// [`PRINTF_LIMIT`], else `base64 -d` reading a here-document (its body on the next lines).
fn fill_command(bytes: &[u8], terminator: &str) -> String {
    if bytes.len() <= PRINTF_LIMIT {
        return format!("printf '{}'\n", printf_format(bytes));
    }
    let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
    let mut text = String::with_capacity(encoded.len() + encoded.len() / 76 + 100);
    text += &format!("base64 -d <<'{terminator}'\n");
    for line in encoded.as_bytes().chunks(76) {
        text.push_str(std::str::from_utf8(line).expect("base64 is ASCII"));
        text.push('\n');
    }
    text += terminator;
    text.push('\n');
    text
}

/// A `printf` format, for inside single quotes, printing exactly `bytes`: printable ASCII as
/// itself, anything else (NUL included) as a three-digit octal escape, and a leading `-`
/// too (it would read as an option).
fn printf_format(bytes: &[u8]) -> String {
    let mut format = String::with_capacity(bytes.len() + bytes.len() / 4);
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'-' if i == 0 => format.push_str("\\055"),
            b'\\' => format.push_str("\\\\"),
            b'%' => format.push_str("%%"),
            b' '..=b'~' if b != b'\'' => format.push(char::from(b)),
            _ => format.push_str(&format!("\\{b:03o}")),
        }
    }
    format
}

/// Content of a `put`: inline, or already streamed to the temp path.
pub(crate) enum PutContent<'a> {
    Inline(&'a [u8]),
    /// Streamed by [`troupe_modules::replace_file::upload_command`], which printed the file's identity.
    Uploaded {
        identity: &'a str,
    },
}

/// The request finishing a `put` (see [`troupe_modules::replace_file`]): content into a new temp file beside
/// `dest`, attributes (those left `None` copied from the file being replaced, else
/// `new_file_mode`), then the checked rename over `dest`.
pub(crate) fn put(
    temp: &str,
    dest: &str,
    content: PutContent<'_>,
    attrs: &FileAttrs,
    new_file_mode: u32,
    terminator: &str,
) -> String {
    let fill_text;
    let fill = match content {
        PutContent::Inline(bytes) => {
            fill_text = fill_command(bytes, terminator);
            Fill::Command(&fill_text)
        }
        PutContent::Uploaded { identity } => Fill::Uploaded { identity },
    };
    let replace = Replace {
        dest,
        temp,
        fill,
        attrs,
        new_file_mode: Some(new_file_mode),
        validate: None,
    };
    format!(
        "{BEGIN}{}(\n{}) </dev/null{REPLY}\n",
        note_write(temp),
        replace.script()
    )
}

/// The file of the session's temp dir naming the temp file of the write in flight, so that
/// the next session removes it if this one is killed before the rename.
const WRITE_NOTE: &str = "w";

/// Shell text noting `temp` as the write in flight, run by the session's shell.
fn note_write(temp: &str) -> String {
    format!("printf '%s\\n' {} >\"$troupe_T/{WRITE_NOTE}\"\n", q(temp))
}

/// The command streaming a large file's content into `temp`, in a separate shell: the
/// write noted in `session_temp_dir` first, as [`put`] does.
pub(crate) fn upload_into(temp: &str, session_temp_dir: &str) -> String {
    format!(
        "printf '%s\\n' {} >{} && {}",
        q(temp),
        q(&format!("{session_temp_dir}/{WRITE_NOTE}")),
        troupe_modules::replace_file::upload_command(temp)
    )
}

/// The request sending back the file at `path` (streamed through the reply, whatever its
/// size); it exits [`GET_MISSING`] when there is no such file.
pub(crate) fn get(path: &str) -> String {
    format!(
        r#"{BEGIN}( troupe_p={path}
if [ -d "$troupe_p" ]; then printf '%s: Is a directory\n' "$troupe_p" >&2; exit 1; fi
[ -e "$troupe_p" ] || exit {GET_MISSING}
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

/// The temp dir's file that receives uploaded stdin (see [`Stdin::Uploaded`]).
pub(crate) fn uploaded_stdin_path(session_temp_dir: &str) -> String {
    format!("{session_temp_dir}/i")
}

#[cfg(test)]
mod tests {
    use super::printf_format;

    #[test]
    fn printf_formats_print_exactly_their_bytes() {
        let mut bytes = b"-n %s %% \\ ' \\0 \n".to_vec();
        bytes.extend(0..=255u8);
        for shell in ["sh", "dash", "bash"] {
            let out = std::process::Command::new(shell)
                .arg("-c")
                .arg(format!("printf '{}'", printf_format(&bytes)))
                .output()
                .unwrap();
            assert_eq!(out.stdout, bytes, "{shell}");
        }
    }
}
