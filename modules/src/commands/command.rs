//! `command`: runs a program with arguments, no shell in between.

use crate::helpers::args::yes;
use serde::Deserialize;
use serde_json::Value;

use crate::helpers::args::{self, Bool, Str};
use crate::commands::command_output::{lines, Invocation};
use crate::error::ModuleError;
use crate::module::{Context, Module, Query};
use crate::helpers::probe::Probe;
use crate::report::Report;
use crate::helpers::shell_text::quote;
use crate::helpers::shell_text;

/// Arguments shared by `command` and `shell`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommandArgs {
    #[serde(rename = "_raw_params")]
    pub raw_params: Option<String>,
    pub cmd: Option<String>,
    pub argv: Option<Vec<Str>>,
    pub chdir: Option<String>,
    #[serde(default, deserialize_with = "args::optional_text")]
    pub creates: Option<String>,
    #[serde(default, deserialize_with = "args::optional_text")]
    pub removes: Option<String>,
    pub stdin: Option<String>,
    #[serde(default = "yes")]
    pub stdin_add_newline: Bool,
    #[serde(default = "yes")]
    pub strip_empty_ends: Bool,
    /// `command` only (default yes); `shell` refuses it as Ansible's does.
    pub expand_argument_vars: Option<Bool>,
    /// `shell` only: the shell to run the command with.
    pub executable: Option<String>,
}

impl CommandArgs {
    /// The free-form command or `cmd`.
    pub fn command_text(&self) -> Option<&str> {
        self.raw_params
            .as_deref()
            .or(self.cmd.as_deref())
            .filter(|s| !s.trim().is_empty())
    }

    /// A script line that enters `chdir`, exiting with `code` when it cannot, after saying
    /// why on stderr in Python's words (after [`CHDIR_FAILED`], for Ansible's message).
    /// `cd -P`: the module's `os.chdir` leaves `$PWD` the physical path, links resolved.
    fn chdir_prelude(&self, code: u8) -> String {
        match &self.chdir {
            Some(dir) => {
                let d = quote(dir);
                format!(
                    "cd -P -- {d} 2>/dev/null || {{ if [ ! -e {d} ]; then e='[Errno 2] No such file or directory'; elif [ ! -d {d} ]; then e='[Errno 20] Not a directory'; else e='[Errno 13] Permission denied'; fi; printf '{CHDIR_FAILED}%s\\n' \"$e\" >&2; exit {code}; }}\n"
                )
            }
            None => String::new(),
        }
    }

    /// An invocation of `body` after the `chdir` prelude, fed with `stdin`.
    pub fn invocation(&self, body: &str, cmd: Value) -> Invocation {
        let stdin = self.stdin.as_ref().map(|s| {
            let mut bytes = s.clone().into_bytes();
            if self.stdin_add_newline.0 {
                bytes.push(b'\n');
            }
            bytes
        });
        Invocation {
            script: format!("{}{body}", self.chdir_prelude(1)),
            stdin,
            cmd,
            strip_empty_ends: self.strip_empty_ends.0,
            chdir: self.chdir.clone(),
        }
    }
}

/// What `command` and `shell` share: `creates`/`removes` decide whether to run, looked up in
/// one round trip, and check mode reports what Ansible reports.
pub fn guarded_query(
    args: &CommandArgs,
    run: Invocation,
    cx: &Context,
) -> Result<Query<Invocation>, ModuleError> {
    if args.creates.is_some() || args.removes.is_some() {
        let exists = |pattern: &str| {
            format!(
                "{}for f in {}; do [ -e \"$f\" ] || [ -L \"$f\" ] && exit 0; done; exit 1",
                args.chdir_prelude(2),
                glob_word(pattern)
            )
        };
        let mut probe = Probe::new();
        if let Some(p) = &args.creates {
            probe = probe.section("creates", &exists(p));
        }
        if let Some(p) = &args.removes {
            probe = probe.section("removes", &exists(p));
        }
        let found = probe.run(cx.target)?;
        let skip = |msg: String| {
            Report::ok()
                .with("cmd", run.cmd.clone())
                .with("rc", 0)
                .with("stdout_lines", lines(&msg))
                .with("stdout", msg.clone())
                .with("stderr", "")
                .with("msg", msg)
        };
        for section in ["creates", "removes"] {
            if found.get(section).rc == 2 {
                let dir = args.chdir.as_deref().unwrap_or_default();
                return Err(ModuleError::failed(format!(
                    "Unable to change directory before execution: {dir}"
                )));
            }
        }
        if let Some(p) = &args.creates {
            if found.get("creates").ok() {
                return Ok(Query::unchanged(skip(format!("skipped, since {p} exists"))));
            }
        }
        if let Some(p) = &args.removes {
            if !found.get("removes").ok() {
                return Ok(Query::unchanged(skip(format!(
                    "skipped, since {p} does not exist"
                ))));
            }
        }
        let mut query = Query::change(run);
        if cx.check_mode {
            query.report = Report::ok().with("msg", "Command would have run if not in check mode");
        }
        return Ok(query);
    }
    if cx.check_mode {
        let mut report = Report::ok()
            .with("cmd", run.cmd.clone())
            .with("msg", "Command would have run if not in check mode");
        report.skipped = true;
        return Ok(Query::unchanged(report));
    }
    Ok(Query::change(run))
}

/// A glob pattern as a shell word: the wildcards live, everything else quoted.
fn glob_word(pattern: &str) -> String {
    let mut out = String::new();
    let mut literal = String::new();
    let mut chars = pattern.chars().peekable();
    let flush = |out: &mut String, literal: &mut String| {
        if !literal.is_empty() {
            out.push_str(&quote(literal));
            literal.clear();
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '*' | '?' => {
                flush(&mut out, &mut literal);
                out.push(c);
            }
            '[' if pattern.contains(']') => {
                flush(&mut out, &mut literal);
                out.push('[');
                for c in chars.by_ref() {
                    // Inside a bracket expression only the set's own syntax may be live.
                    if c.is_ascii_alphanumeric() || "]!^-_.".contains(c) {
                        out.push(c);
                    } else {
                        out.push('\\');
                        out.push(c);
                    }
                    if c == ']' {
                        break;
                    }
                }
            }
            c => literal.push(c),
        }
    }
    flush(&mut out, &mut literal);
    if out.is_empty() {
        out.push_str("''");
    }
    out
}

/// A word whose `$VAR`, `${VAR}` and leading `~` the target's shell expands, as Ansible's
/// `expand_argument_vars` does; an unset variable stays as written, as Python leaves it.
fn expanding_word(word: &str) -> String {
    let mut out = String::new();
    let mut rest = word;
    if let Some(after) = rest.strip_prefix('~') {
        let end = after.find('/').map_or(after.len(), |i| i + 1);
        let user = after[..end].trim_end_matches('/');
        if user
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
        {
            out.push('~');
            out.push_str(&after[..end]);
            rest = &after[end..];
        }
    }
    if !rest.contains('$') {
        if !rest.is_empty() || out.is_empty() {
            out.push_str(&quote(rest));
        }
        return out;
    }
    out.push('"');
    let bytes = rest.as_bytes();
    let mut i = 0;
    while i < rest.len() {
        let c = rest[i..].chars().next().unwrap_or_default();
        if c == '$' {
            let braced = bytes.get(i + 1) == Some(&b'{');
            let start = i + 1 + usize::from(braced);
            let len = rest[start..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len() - start);
            let name = &rest[start..start + len];
            let closed = !braced || bytes.get(start + len) == Some(&b'}');
            if !name.is_empty() && !name.starts_with(|c: char| c.is_ascii_digit()) && closed {
                out.push_str(&format!("${{{name}-\\${name}}}"));
                if braced {
                    // `${VAR}` unset stays `${VAR}` in Python; `$VAR` is close enough.
                    i = start + len + 1;
                } else {
                    i = start + len;
                }
                continue;
            }
        }
        if matches!(c, '"' | '\\' | '`' | '$') {
            out.push('\\');
        }
        out.push(c);
        i += c.len_utf8();
    }
    out.push('"');
    out
}

/// What the `chdir` prelude prints on stderr before why it could not enter the directory.
pub const CHDIR_FAILED: &str = "troupe-chdir-failed: ";

/// What Ansible's command and shell say of an empty command, rc included.
pub fn no_command_given() -> Report {
    Report::ok().with("rc", 256).fail("no command given")
}

/// The `command` module.
pub struct Command;

impl Module for Command {
    type Args = CommandArgs;
    type Change = Invocation;
    const NAME: &'static str = "command";
    const FREE_FORM: Option<&'static [&'static str]> = Some(crate::commands::RAW_COMMAND_KEYS);

    fn query(&self, args: &CommandArgs, cx: &Context) -> Result<Query<Invocation>, ModuleError> {
        let words = match (&args.argv, args.command_text()) {
            (Some(_), Some(_)) => {
                return Ok(Query::unchanged(
                    Report::ok()
                        .with("rc", 256)
                        .fail("only command or argv can be given, not both"),
                ))
            }
            (Some(argv), None) => argv.iter().map(|w| w.0.clone()).collect(),
            (None, Some(text)) => {
                shell_text::split(text).map_err(|e| ModuleError::args(format!("command: {e}")))?
            }
            (None, None) => Vec::new(),
        };
        if words.is_empty() {
            return Ok(Query::unchanged(no_command_given()));
        }
        let shell_words: Vec<String> = words
            .iter()
            .map(|w| {
                if args.expand_argument_vars.is_none_or(|e| e.0) {
                    expanding_word(w)
                } else {
                    quote(w)
                }
            })
            .collect();
        let body = format!("exec {}", shell_words.join(" "));
        let run = args.invocation(&body, Value::from(words));
        guarded_query(args, run, cx)
    }

    fn apply(&self, args: &CommandArgs, run: Invocation, cx: &Context) -> Result<Report, ModuleError> {
        let report = run.run(cx.target)?;
        // Ansible's words: the command runs without a shell whatever `executable` says.
        Ok(match &args.executable {
            Some(exe) => report.warn(format!(
                "As of Ansible 2.4, the parameter 'executable' is no longer supported with the 'command' module. Not using '{exe}'."
            )),
            None => report,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{run_dyn as run_module, LocalTarget, TempDir};
    use serde_json::json;

    fn command(args: Value) -> Report {
        run_module(
            &Command,
            &LocalTarget::new().with_env("GREETING", "hi there"),
            args,
            false,
        )
        .unwrap()
    }

    #[test]
    fn runs_words_without_a_shell() {
        let r = command(json!({"_raw_params": "printf '%s|' 'a b' ; echo $GREETING ~"}));
        assert!(r.changed);
        assert_eq!(r.failed, None);
        let home = std::env::var("HOME").unwrap();
        assert_eq!(r.fields["stdout"], format!("a b|;|echo|hi there|{home}|"));
        assert_eq!(r.fields["rc"], 0);
        assert_eq!(
            r.fields["cmd"],
            json!(["printf", "%s|", "a b", ";", "echo", "$GREETING", "~"])
        );
    }

    #[test]
    fn unset_variables_and_quotes_stay_as_written() {
        let r = command(json!({"argv": ["printf", "%s", "$NOPE_UNSET/\"`x`\"${GREETING}"]}));
        assert_eq!(r.fields["stdout"], "$NOPE_UNSET/\"`x`\"hi there");
        let r = command(json!({"cmd": "echo $GREETING", "expand_argument_vars": false}));
        assert_eq!(r.fields["stdout"], "$GREETING");
    }

    #[test]
    fn reports_output_lines_and_strips_trailing_newlines() {
        let r = command(json!({"_raw_params": "printf 'one\\ntwo\\n\\n'"}));
        assert_eq!(r.fields["stdout"], "one\ntwo");
        assert_eq!(r.fields["stdout_lines"], json!(["one", "two"]));
        let r = command(json!({"_raw_params": "printf 'x\\n\\n'", "strip_empty_ends": "no"}));
        assert_eq!(r.fields["stdout"], "x\n\n");
        for key in ["start", "end", "delta", "stderr", "stderr_lines", "msg"] {
            assert!(r.fields.contains_key(key), "{key}");
        }
    }

    #[test]
    fn non_zero_exit_fails() {
        let r = command(json!({"_raw_params": "sh -c 'echo bad >&2; exit 3'"}));
        assert_eq!(r.failed.as_deref(), Some("non-zero return code"));
        assert_eq!(r.fields["rc"], 3);
        assert_eq!(r.fields["stderr"], "bad");
    }

    #[test]
    fn chdir_and_stdin() {
        let dir = TempDir::new();
        let r = command(json!({"_raw_params": "pwd", "chdir": dir.path()}));
        assert_eq!(r.fields["stdout"], dir.path().display().to_string());
        let r = command(json!({"_raw_params": "od -c", "stdin": "x"}));
        assert!(r.fields["stdout"].as_str().unwrap().contains("x  \\n"));
        let r = command(json!({"_raw_params": "cat", "stdin": "x", "stdin_add_newline": false}));
        assert_eq!(r.fields["stdout"], "x");
    }

    #[test]
    fn creates_and_removes_guard_the_run() {
        let dir = TempDir::new();
        let marker = dir.join("made it");
        let args =
            json!({"_raw_params": "touch 'made it'", "chdir": dir.path(), "creates": "made*"});
        let first = command(args.clone());
        assert!(first.changed);
        assert!(std::path::Path::new(&marker).exists());
        let second = command(args);
        assert!(!second.changed);
        assert_eq!(second.fields["msg"], "skipped, since made* exists");

        let gone = command(
            json!({"_raw_params": "rm 'made it'", "chdir": dir.path(), "removes": "made it"}),
        );
        assert!(gone.changed);
        let again = command(
            json!({"_raw_params": "rm 'made it'", "chdir": dir.path(), "removes": "made it"}),
        );
        assert!(!again.changed);
        assert_eq!(again.fields["msg"], "skipped, since made it does not exist");
    }

    #[test]
    fn check_mode_does_not_run() {
        let dir = TempDir::new();
        let marker = dir.join("x");
        let target = LocalTarget::new();
        let r = run_module(&Command, &target, json!({"argv": ["touch", marker]}), true).unwrap();
        assert!(r.skipped && !r.changed);
        assert_eq!(
            r.fields["msg"],
            "Command would have run if not in check mode"
        );
        let guarded = json!({"argv": ["touch", marker], "creates": marker});
        let r = run_module(&Command, &target, guarded, true).unwrap();
        assert!(r.changed && !r.skipped);
        assert!(!std::path::Path::new(&marker).exists());
    }

    #[test]
    fn rejects_missing_or_unbalanced_commands() {
        let target = LocalTarget::new();
        let empty = run_module(&Command, &target, json!({"_raw_params": "  "}), false).unwrap();
        assert_eq!(empty.failed.as_deref(), Some("no command given"));
        assert_eq!(empty.fields["rc"], 256);
        assert!(run_module(&Command, &target, json!({"_raw_params": "echo 'x"}), false).is_err());
    }

    #[test]
    fn glob_words_keep_wildcards_live_and_the_rest_literal() {
        assert_eq!(glob_word("/a b/*.txt"), "'/a b/'*.txt");
        assert_eq!(glob_word("x[0-9]?"), "x[0-9]?");
    }
}
