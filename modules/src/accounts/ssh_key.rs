//! The user module's `generate_ssh_key`: a key pair in the user's home, made by `ssh-keygen`
//! running as that user (`runuser`), so nothing the user controls in their home is written
//! with root's rights. Only in a directory that root alone may write (one root made, say)
//! root makes the pair itself, from inside that directory once it has checked the directory
//! is the one named and no one else can write it, and gives the files to the user. A
//! passphrase reaches `ssh-keygen` on its stdin (it reads one there when it has no
//! terminal), never in a process argument.

use serde_json::Value;

use crate::helpers::shell_text::quote;
use crate::{ModuleError, Target};

/// What the task asks of the key.
pub struct KeySpec<'a> {
    pub user: &'a str,
    pub key_type: &'a str,
    pub bits: Option<i64>,
    pub comment: Option<&'a str>,
    pub passphrase: Option<&'a str>,
}

/// The key's path: `file` (default `.ssh/id_<type>`), relative to `home` unless absolute.
pub fn key_path(home: &str, file: Option<&str>, key_type: &str) -> String {
    let file = file.map_or_else(|| format!(".ssh/id_{key_type}"), str::to_string);
    if file.starts_with('/') {
        file
    } else {
        format!("{}/{file}", home.trim_end_matches('/'))
    }
}

/// Makes the pair: `$1` the user, `$2` the private key's path, `$3` the ssh-keygen command
/// without `-f`. As the user, unless the key's directory (or, when that is missing, the one
/// it goes in) is one the user cannot write: then as root, from inside that directory (no
/// name to swap from then on) once it is the directory named, with no link on the way, and
/// only root can write it (its owner is root or a uid no account has). A directory root
/// makes is the user's only once the key is in it. The prompts ssh-keygen writes to stderr
/// are left out of the error.
const GENERATE: &str = r#"user=$1 key=$2 keygen=$3
dir=$(dirname -- "$key") name=$(basename -- "$key") new=
as_user='umask 077; mkdir -p -- "$(dirname -- "$1")" && rm -f -- "$1" "$1.pub" && eval "$2 -f \"\$1\""'
as_root() {
  owner=$(stat -c %u .) && { [ "$owner" = 0 ] || ! getent passwd "$owner" >/dev/null; } \
    && [ "$(pwd -P)" = "$dir" ] && [ $((0$(stat -c %a .) & 022)) = 0 ] \
    || { echo "$dir is not a directory only root can write" >&2; return 1; }
  if [ -n "$new" ]; then mkdir -m 700 -- "./$new" && cd -P -- "./$new" || return 1; fi
  umask 077; rm -f -- "./$name" "./$name.pub" && eval "$keygen -f \"./\$name\"" \
    && chown -h -- "$user:$(id -g -- "$user")" "./$name" "./$name.pub" || return 1
  [ -z "$new" ] || chown -h -- "$user:$(id -g -- "$user")" .
}
if [ ! -e "$dir" ] && [ ! -L "$dir" ] && [ -d "$(dirname -- "$dir")" ]; then
  new=$(basename -- "$dir") dir=$(dirname -- "$dir")
fi
if [ -d "$dir" ] && [ ! -L "$dir" ] && ! runuser -u "$user" -- test -w "$dir"; then
  err=$( (cd -P -- "$dir" && as_root) 2>&1 >/dev/null); rc=$?
else
  err=$(runuser -u "$user" -- sh -c "$as_user" sh "$key" "$keygen" 2>&1 >/dev/null); rc=$?
fi
printf '%s\n' "$err" | grep -v -i passphrase >&2
exit $rc
"#;

/// Makes the key pair at `path`, replacing one that is there.
pub fn generate(target: &dyn Target, path: &str, spec: &KeySpec) -> Result<(), ModuleError> {
    let mut keygen = format!("ssh-keygen -q -t {}", quote(spec.key_type));
    if let Some(bits) = spec.bits.filter(|b| *b > 0) {
        keygen.push_str(&format!(" -b {bits}"));
    }
    // Ansible's default comment names the host.
    match spec.comment {
        Some(c) => keygen.push_str(&format!(" -C {}", quote(c))),
        None => keygen.push_str(" -C \"ansible-generated on $(hostname)\""),
    }
    if spec.passphrase.is_none() {
        keygen.push_str(" -N ''");
    }
    let out = target.run(
        &format!(
            "set -- {} {} {}\n{GENERATE}",
            quote(spec.user),
            quote(path),
            quote(&keygen)
        ),
        spec.passphrase
            .map(|p| format!("{p}\n{p}\n"))
            .as_deref()
            .map(str::as_bytes),
    )?;
    if !out.success() {
        return Err(ModuleError::failed(format!(
            "Failed to generate the ssh key {path}: {}",
            out.stderr_str().trim()
        )));
    }
    Ok(())
}

/// What is at a key's path.
pub enum KeyState {
    /// Neither key.
    Missing,
    /// A public key (or a link in its place) without its private key: Ansible leaves such a
    /// pair alone unless forced.
    PublicOnly,
    /// A private key, with Ansible's result fields for it.
    Present(Vec<(&'static str, Value)>),
}

/// What is at `path`, in one round trip.
pub fn describe(target: &dyn Target, path: &str) -> Result<KeyState, ModuleError> {
    let p = quote(path);
    let out = target.run(
        &format!(
            "if [ ! -e {p} ]; then {{ [ -e {p}.pub ] || [ -L {p}.pub ]; }} && echo pub; exit 0; fi\n\
             echo key\nssh-keygen -l -f {p}.pub 2>/dev/null; echo; cat -- {p}.pub 2>/dev/null"
        ),
        None,
    )?;
    let text = out.stdout_str();
    let Some(rest) = text.strip_prefix("key\n") else {
        return Ok(match text.trim() {
            "pub" => KeyState::PublicOnly,
            _ => KeyState::Missing,
        });
    };
    let (fingerprint, public) = rest.split_once('\n').unwrap_or((rest, ""));
    Ok(KeyState::Present(vec![
        ("ssh_key_file", Value::from(path)),
        ("ssh_fingerprint", Value::from(fingerprint.trim())),
        ("ssh_public_key", Value::from(public.trim())),
    ]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_relative_to_the_home() {
        assert_eq!(key_path("/home/u/", None, "rsa"), "/home/u/.ssh/id_rsa");
        assert_eq!(
            key_path("/home/u", Some(".ssh/k"), "ed25519"),
            "/home/u/.ssh/k"
        );
        assert_eq!(key_path("/home/u", Some("/etc/k"), "rsa"), "/etc/k");
    }
}
