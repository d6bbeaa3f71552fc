//! Which key exchange troupe asks `ssh` for. OpenSSH 9.0 to 9.8 start every connection with
//! sntrup761x25519, a post-quantum hybrid whose key generation costs the client about 90 ms
//! of CPU; the handshake is the whole cost of a run at hundreds of hosts (bench/RESULTS.md
//! "Scale"). troupe moves the fast exchanges to the front of the client's own default list:
//! mlkem768x25519 (post-quantum, OpenSSH 9.9 and later, fast) when the client has it, then
//! curve25519 (what paramiko and most SSH libraries use); the rest follow in the client's
//! order, so a server offering only sntrup761 still connects. A user who sets KexAlgorithms
//! (in the ssh args or in an ssh config file) gets exactly that: troupe adds nothing.

use std::process::{Command, Stdio};
use std::sync::OnceLock;

use super::ssh_config_files;

/// Fast exchanges, best first.
const FAST: [&str; 3] = [
    "mlkem768x25519-sha256",
    "curve25519-sha256",
    "curve25519-sha256@libssh.org",
];

/// The `-o KexAlgorithms=...` troupe adds for a host with these ssh args, if any.
pub(crate) fn kex_option(args: &[String]) -> Option<String> {
    let users_choice = args
        .iter()
        .any(|a| a.to_ascii_lowercase().contains("kexalgorithms"))
        || ssh_config_files::may_set(args, "kexalgorithms");
    if users_choice {
        return None;
    }
    static CHOSEN: OnceLock<Option<String>> = OnceLock::new();
    CHOSEN
        .get_or_init(|| fast_first(&client_defaults()?).map(|l| format!("KexAlgorithms={l}")))
        .clone()
}

/// The client's default list, as `ssh -G` prints it without any config file.
fn client_defaults() -> Option<Vec<String>> {
    let output = Command::new("ssh")
        .args(["-F", "/dev/null", "-G", "troupe-kex-probe"])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    let list = text
        .lines()
        .find_map(|l| l.strip_prefix("kexalgorithms "))?;
    Some(list.split(',').map(str::to_string).collect())
}

/// `defaults` with its fast exchanges first; `None` when it already starts with one.
fn fast_first(defaults: &[String]) -> Option<String> {
    let first = defaults.first()?;
    if FAST.contains(&first.as_str()) {
        return None;
    }
    let fast = FAST
        .iter()
        .filter(|f| defaults.iter().any(|d| d == *f))
        .map(|f| f.to_string());
    let rest = defaults
        .iter()
        .filter(|d| !FAST.contains(&d.as_str()))
        .cloned();
    let list: Vec<String> = fast.chain(rest).collect();
    (list.first() != Some(first)).then(|| list.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(s: &str) -> Vec<String> {
        s.split(',').map(str::to_string).collect()
    }

    #[test]
    fn fast_exchanges_move_to_the_front_and_the_rest_stay() {
        assert_eq!(
            fast_first(&list("sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256")).as_deref(),
            Some("curve25519-sha256,curve25519-sha256@libssh.org,sntrup761x25519-sha512@openssh.com,ecdh-sha2-nistp256")
        );
        assert_eq!(
            fast_first(&list(
                "sntrup761x25519-sha512,mlkem768x25519-sha256,curve25519-sha256"
            ))
            .as_deref(),
            Some("mlkem768x25519-sha256,curve25519-sha256,sntrup761x25519-sha512")
        );
    }

    #[test]
    fn a_list_that_starts_fast_or_has_nothing_fast_is_left_alone() {
        assert_eq!(
            fast_first(&list("mlkem768x25519-sha256,sntrup761x25519-sha512")),
            None
        );
        assert_eq!(
            fast_first(&list("curve25519-sha256,ecdh-sha2-nistp256")),
            None
        );
        assert_eq!(
            fast_first(&list(
                "sntrup761x25519-sha512@openssh.com,ecdh-sha2-nistp256"
            )),
            None
        );
    }

    #[test]
    fn the_users_kex_choice_wins() {
        let args: Vec<String> = ["-o", "KexAlgorithms=sntrup761x25519-sha512@openssh.com"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(kex_option(&args), None);
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config");
        std::fs::write(&config, "Host *\n  KexAlgorithms curve25519-sha256\n").unwrap();
        let args = vec!["-F".to_string(), config.display().to_string()];
        assert_eq!(kex_option(&args), None);
    }
}
