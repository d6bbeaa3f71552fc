//! Replacing a file on a host safely where other users may write its directory.
//!
//! troupe runs as root among unprivileged users, so a temp file beside the destination may be
//! renamed, deleted or swapped for a symlink by anyone who can write that directory, at any
//! moment. The shell text here never acts on the temp file by name after creating it:
//! - the temp file gets an unguessable name and is created exclusively (`set -C`: `O_EXCL`,
//!   which follows no symlink) and opened once, as the shell's descriptor 3;
//! - content goes through that descriptor, and owner and mode are applied to what it holds
//!   (`/proc/self/fd/3` names the open file itself, whatever its name points to meanwhile);
//! - before the rename the temp name must still be that file (not a link), and after it the
//!   destination must be that file, or the write fails saying so.
//!
//! A file streamed up beforehand ([`upload_command`]) is created the same exclusive way and
//! its device and inode are reported, so the finishing request opens it again only if it is
//! still the same file.

use crate::helpers::shell_text::{self, quote as q};
use crate::FileAttrs;

/// The open temp file, as commands given it as an argument see it.
const FD: &str = "/proc/self/fd/3";

/// Longest base name of a destination kept whole in its temp file's name: with the dot, the
/// `.troupe-` tag and the 32-digit token, the name stays within `NAME_MAX` (255 bytes).
const KEPT_BASE: usize = 200;

/// An unguessable name for the temp file of `dest`: hidden, in the same directory (so the
/// rename is atomic), `None` when `dest` names no file (`/etc/`, `..`).
pub fn temp_beside(dest: &str) -> Option<String> {
    let (dir, base) = match dest.rsplit_once('/') {
        Some((dir, base)) => (if dir.is_empty() { "/" } else { dir }, base),
        None => (".", dest),
    };
    if base.is_empty() || base == "." || base == ".." {
        return None;
    }
    let mut cut = base.len().min(KEPT_BASE);
    while !base.is_char_boundary(cut) {
        cut -= 1;
    }
    let dir = dir.trim_end_matches('/');
    Some(format!("{dir}/.{}.troupe-{}", &base[..cut], random_token()))
}

/// 32 hex digits from the OS random source: temp file names here, and the engine's session
/// markers.
pub fn random_token() -> String {
    let mut bytes = [0u8; 16];
    // The OS source fails only where a process could not run at all.
    getrandom::fill(&mut bytes).expect("the OS random source is available");
    hex::encode(bytes)
}

/// A `/bin/sh -c` script streaming its stdin into a new `temp` (created exclusively, 0600)
/// and printing the file's identity (`device:inode`) for [`Fill::Uploaded`].
pub fn upload_command(temp: &str) -> String {
    format!(
        "umask 077 && set -C && exec 3>{} && cat >&3 && exec stat -L -c %d:%i {FD}",
        q(temp)
    )
}

/// Where the new content comes from.
pub enum Fill<'a> {
    /// Shell text writing the content to its stdout. Its first line is the command; any
    /// further lines are the body of a here-document that command opens.
    Command(&'a str),
    /// Already streamed to the temp path by [`upload_command`], which reported `identity`.
    Uploaded { identity: &'a str },
}

/// A task's `validate` as Ansible runs it: split into words as a shell would, then run without
/// a shell (no pipes, variables or globs), `%s` in any word standing for the file, given here
/// as shell text (`path`). Text that does not split is a command that fails saying why.
pub fn validate_command(validate: &str, path: &str) -> String {
    match shell_text::split(validate) {
        Ok(words) => words
            .iter()
            .map(|w| {
                w.split("%s")
                    .map(|piece| {
                        if piece.is_empty() {
                            String::new()
                        } else {
                            q(piece)
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(path)
            })
            .collect::<Vec<_>>()
            .join(" "),
        Err(e) => format!(
            "printf '%s\\n' {} >&2; false",
            q(&format!("validate: {e}: {validate}"))
        ),
    }
}

/// One replacement of `dest` by new content.
pub struct Replace<'a> {
    pub dest: &'a str,
    /// From [`temp_beside`].
    pub temp: &'a str,
    pub fill: Fill<'a>,
    /// Attributes left `None` are those of the file replaced, else a new file's defaults.
    pub attrs: &'a FileAttrs,
    /// The mode a new file gets when `attrs` names none; `None`: the host's default
    /// (`0666` less the umask).
    pub new_file_mode: Option<u32>,
    /// A command checking the finished temp file (`%s` stands for its path) before the
    /// rename; when it fails the script exits [`VALIDATE_FAILED`], its output on stderr.
    pub validate: Option<&'a str>,
}

/// Exit status of a replacement whose `validate` command failed.
pub const VALIDATE_FAILED: i32 = 97;

impl Replace<'_> {
    /// The shell text, to run in a subshell of its own (it sets `-C`, descriptor 3 and
    /// positional parameters, and exits on failure).
    pub fn script(&self) -> String {
        let mut s = format!("troupe_t={} troupe_d={}\n", q(self.temp), q(self.dest));
        // Removes the temp file only while its name is still the file made here.
        s += &format!(
            "troupe_fail() {{ [ ! -h \"$troupe_t\" ] && [ \"$troupe_t\" -ef {FD} ] && rm -f -- \"$troupe_t\"; exit \"${{1:-1}}\"; }}\n"
        );
        // A new file whose final mode a umask can give is born with it (no chmod on the
        // host); any other is created unreadable to others until its mode is set.
        let new_mode = self.attrs.mode.or(self.new_file_mode);
        let born_right =
            matches!(self.fill, Fill::Command(_)) && new_mode.is_none_or(|m| m & !0o666 == 0);
        let new_umask = match new_mode {
            Some(m) if born_right => format!("umask {:03o}", 0o777 & !m),
            // The host's own umask gives the host's default mode.
            None if born_right => ":".to_string(),
            _ => "umask 077".to_string(),
        };
        // The host's default mode, for a file that cannot be born with it.
        if new_mode.is_none() && !born_right {
            s += "troupe_dm=$(printf %o $((0666 & ~0$(umask))))\n";
        }
        s += &format!(
            "if [ -e \"$troupe_d\" ]; then troupe_new=; umask 077; else troupe_new=1; {new_umask}; fi\n"
        );
        match self.fill {
            Fill::Command(text) => {
                s += "set -C\nexec 3>\"$troupe_t\" || exit 1\nset +C\n";
                let (first, body) = text.split_once('\n').unwrap_or((text, ""));
                s += &format!("{first} >&3 || troupe_fail\n{body}");
                if !body.is_empty() && !body.ends_with('\n') {
                    s.push('\n');
                }
            }
            Fill::Uploaded { identity } => {
                s += "exec 3<\"$troupe_t\" || exit 1\n";
                s += &format!(
                    "[ \"$(stat -L -c %d:%i {FD})\" = {} ] || {{ printf 'troupe: %s was replaced before it was finished\\n' \"$troupe_t\" >&2; exit 1; }}\n",
                    q(identity)
                );
            }
        }
        s += &self.attribute_commands(born_right);
        if let Some(check) = self.validate {
            let check = validate_command(check, "\"$troupe_t\"");
            s += &format!("if ! ( {check} ) >&2 3>&-; then troupe_fail {VALIDATE_FAILED}; fi\n");
        }
        s += &format!(
            "[ ! -h \"$troupe_t\" ] && [ \"$troupe_t\" -ef {FD} ] || {{ printf 'troupe: %s was replaced while being written; %s is unchanged\\n' \"$troupe_t\" \"$troupe_d\" >&2; exit 1; }}\n"
        );
        s += "mv -f -- \"$troupe_t\" \"$troupe_d\" || troupe_fail\n";
        s += &format!(
            "[ ! -h \"$troupe_d\" ] && [ \"$troupe_d\" -ef {FD} ] || {{ printf 'troupe: %s was replaced by another file while being written\\n' \"$troupe_d\" >&2; exit 1; }}\n"
        );
        s
    }

    /// Owner and mode applied through the descriptor: those asked for, else those of the
    /// file replaced (keeping its owner is best effort, as in Ansible: only root may give
    /// files away), else a new file's default mode.
    fn attribute_commands(&self, born_right: bool) -> String {
        let attrs = self.attrs;
        let mut s = String::new();
        if attrs.mode.is_none() || attrs.owner.is_none() || attrs.group.is_none() {
            s += "if [ -z \"$troupe_new\" ]; then\n";
            s += "  troupe_s=$(stat -L -c '%a %u %g' -- \"$troupe_d\") || troupe_fail\n";
            s += "  set -- $troupe_s\n";
            match (&attrs.owner, &attrs.group) {
                (None, None) => s += &format!("  chown \"$2:$3\" {FD} 2>/dev/null || :\n"),
                (None, Some(_)) => s += &format!("  chown \"$2\" {FD} 2>/dev/null || :\n"),
                (Some(_), None) => s += &format!("  chgrp \"$3\" {FD} 2>/dev/null || :\n"),
                (Some(_), Some(_)) => {}
            }
            if attrs.mode.is_none() {
                s += &format!("  chmod \"$1\" {FD} || troupe_fail\n");
                if !born_right {
                    let mode = self
                        .new_file_mode
                        .map_or("\"$troupe_dm\"".to_string(), |m| format!("{m:o}"));
                    s += &format!("else\n  chmod {mode} {FD} || troupe_fail\n");
                }
            }
            s += "fi\n";
        }
        // The replaced file's ACLs go to the new one, as Python's copystat carries them in
        // Ansible's atomic move (only where getfacl is installed and the file has any).
        s += &format!(
            "if [ -z \"$troupe_new\" ] && command -v getfacl >/dev/null 2>&1; then\n  troupe_a=$(getfacl -cps -- \"$troupe_d\" 2>/dev/null) && [ -n \"$troupe_a\" ] && {{ printf '%s\\n' \"$troupe_a\" | setfacl --set-file=- {FD} || troupe_fail; }}\nfi\n"
        );
        match (&attrs.owner, &attrs.group) {
            (Some(o), Some(g)) => {
                s += &format!("chown -- {} {FD} || troupe_fail\n", q(&format!("{o}:{g}")))
            }
            (Some(o), None) => s += &format!("chown -- {} {FD} || troupe_fail\n", q(o)),
            (None, Some(g)) => s += &format!("chgrp -- {} {FD} || troupe_fail\n", q(g)),
            (None, None) => {}
        }
        // After chown, which may clear set-id bits.
        if let Some(mode) = attrs.mode {
            let unless_born_right = if born_right {
                "[ -n \"$troupe_new\" ] || "
            } else {
                ""
            };
            s += &format!("{unless_born_right}chmod {mode:o} {FD} || troupe_fail\n");
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::{symlink, MetadataExt, PermissionsExt};
    use std::process::Command;

    fn sh(script: &str) -> std::process::Output {
        Command::new("/bin/sh")
            .arg("-c")
            .arg(format!("( {script} )"))
            .output()
            .unwrap()
    }

    fn replace(dest: &str, temp: &str, fill: &str, attrs: &FileAttrs) -> String {
        Replace {
            dest,
            temp,
            fill: Fill::Command(fill),
            attrs,
            new_file_mode: Some(0o644),
            validate: None,
        }
        .script()
    }

    #[test]
    fn temp_names_are_unguessable_hidden_and_fit_name_max() {
        let a = temp_beside("/etc/motd").unwrap();
        let b = temp_beside("/etc/motd").unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with("/etc/.motd.troupe-"), "{a}");
        assert!(temp_beside("motd").unwrap().starts_with("./.motd.troupe-"));
        assert!(temp_beside("/motd").unwrap().starts_with("/.motd.troupe-"));
        assert_eq!(temp_beside("/etc/"), None);
        let long = format!("/d/{}", "é".repeat(127));
        let t = temp_beside(&long).unwrap();
        assert!(t.rsplit('/').next().unwrap().len() <= 255, "{t}");
    }

    #[test]
    fn content_owner_and_mode_land_on_the_destination() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("f").display().to_string();
        let temp = temp_beside(&dest).unwrap();
        let attrs = FileAttrs {
            mode: Some(0o640),
            ..FileAttrs::default()
        };
        let out = sh(&replace(&dest, &temp, "printf 'hello\\n'", &attrs));
        assert!(out.status.success(), "{out:?}");
        assert_eq!(std::fs::read_to_string(&dest).unwrap(), "hello\n");
        let meta = std::fs::metadata(&dest).unwrap();
        assert_eq!(meta.permissions().mode() & 0o7777, 0o640);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    /// Needs getfacl/setfacl (the acl package, which tests/lab/install-deps.sh installs).
    #[test]
    fn the_replaced_files_acls_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("f").display().to_string();
        std::fs::write(&dest, "old\n").unwrap();
        let set = sh(&format!("setfacl -m u:nobody:rw -- '{dest}'"));
        assert!(set.status.success(), "setfacl: {set:?}");
        let temp = temp_beside(&dest).unwrap();
        let out = sh(&replace(
            &dest,
            &temp,
            "printf 'new\\n'",
            &FileAttrs::default(),
        ));
        assert!(out.status.success(), "{out:?}");
        assert_eq!(std::fs::read_to_string(&dest).unwrap(), "new\n");
        let acl = sh(&format!("getfacl -cp -- '{dest}'"));
        let acl = String::from_utf8_lossy(&acl.stdout);
        assert!(acl.contains("user:nobody:rw-"), "{acl}");
    }

    #[test]
    fn a_link_planted_at_the_temp_name_is_never_followed() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "precious").unwrap();
        std::fs::set_permissions(&victim, std::fs::Permissions::from_mode(0o600)).unwrap();
        let dest = dir.path().join("f").display().to_string();
        let temp = temp_beside(&dest).unwrap();
        symlink(&victim, &temp).unwrap();
        let attrs = FileAttrs {
            mode: Some(0o4777),
            ..FileAttrs::default()
        };
        let out = sh(&replace(&dest, &temp, "printf 'evil'", &attrs));
        assert!(!out.status.success());
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
        let meta = std::fs::metadata(&victim).unwrap();
        assert_eq!(meta.permissions().mode() & 0o7777, 0o600);
        assert!(!std::path::Path::new(&dest).exists());
    }

    /// The fill step swaps the temp name for a link to another file, as a user watching
    /// the directory could: the attributes still go to the file written, the victim keeps
    /// its mode, and the rename is refused.
    #[test]
    fn a_temp_swapped_for_a_link_after_creation_is_detected_and_nothing_else_changes() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "precious").unwrap();
        std::fs::set_permissions(&victim, std::fs::Permissions::from_mode(0o600)).unwrap();
        let dest = dir.path().join("f").display().to_string();
        let temp = temp_beside(&dest).unwrap();
        let swap = format!(
            "{{ mv -- {t} {t}.moved && ln -s {v} {t} && printf 'new'; }}",
            t = q(&temp),
            v = q(&victim.display().to_string())
        );
        let attrs = FileAttrs {
            mode: Some(0o4777),
            ..FileAttrs::default()
        };
        let out = sh(&replace(&dest, &temp, &swap, &attrs));
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("was replaced"));
        let meta = std::fs::metadata(&victim).unwrap();
        assert_eq!(meta.permissions().mode() & 0o7777, 0o600);
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
        assert!(!std::path::Path::new(&dest).exists());
        // The mode went to the file made, wherever it was moved.
        let moved = std::fs::metadata(format!("{temp}.moved")).unwrap();
        assert_eq!(moved.mode() & 0o7777, 0o4777);
    }

    #[test]
    fn an_upload_is_used_only_while_it_is_the_file_uploaded() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("f").display().to_string();
        let temp = temp_beside(&dest).unwrap();
        let up = Command::new("/bin/sh")
            .arg("-c")
            .arg(upload_command(&temp))
            .stdin(std::fs::File::open("/etc/hostname").unwrap())
            .output()
            .unwrap();
        assert!(up.status.success(), "{up:?}");
        let identity = String::from_utf8(up.stdout).unwrap().trim().to_string();
        // Swapped for another file of the same content: refused.
        std::fs::rename(&temp, format!("{temp}.orig")).unwrap();
        std::fs::copy(format!("{temp}.orig"), &temp).unwrap();
        let script = Replace {
            dest: &dest,
            temp: &temp,
            fill: Fill::Uploaded {
                identity: &identity,
            },
            attrs: &FileAttrs::default(),
            new_file_mode: Some(0o644),
            validate: None,
        }
        .script();
        let out = sh(&script);
        assert!(!out.status.success());
        assert!(!std::path::Path::new(&dest).exists());
        // The original back in place: accepted.
        std::fs::rename(format!("{temp}.orig"), &temp).unwrap();
        let out = sh(&script);
        assert!(out.status.success(), "{out:?}");
        assert_eq!(
            std::fs::read(&dest).unwrap(),
            std::fs::read("/etc/hostname").unwrap()
        );
    }

    #[test]
    fn validate_runs_without_a_shell_with_the_path_in_any_word() {
        assert_eq!(
            validate_command("visudo -cf %s", "\"$t\""),
            "visudo -cf \"$t\""
        );
        assert_eq!(
            validate_command("sh -c 'echo $HOME; x' %s.bak", "P"),
            "sh -c 'echo $HOME; x' P.bak"
        );
        assert_eq!(
            validate_command("grep -q x %s | true", "P"),
            "grep -q x P '|' true"
        );
        assert!(validate_command("grep 'x %s", "P").contains("false"));
    }

    #[test]
    fn a_failed_validation_leaves_the_destination_and_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("f").display().to_string();
        std::fs::write(&dest, "old").unwrap();
        let temp = temp_beside(&dest).unwrap();
        let script = Replace {
            dest: &dest,
            temp: &temp,
            fill: Fill::Command("printf 'new'"),
            attrs: &FileAttrs::default(),
            new_file_mode: Some(0o644),
            validate: Some("grep -q old %s"),
        }
        .script();
        let out = sh(&script);
        assert_eq!(out.status.code(), Some(VALIDATE_FAILED));
        assert_eq!(std::fs::read_to_string(&dest).unwrap(), "old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
