//! Which key exchange troupe asks for, on both transports. The handshake is the whole cost
//! of a run at hundreds of hosts (bench/RESULTS.md "Scale"), and two of OpenSSH's defaults
//! are slow: OpenSSH 9.0 to 9.8 start with sntrup761x25519, whose key generation costs the
//! client about 90 ms of CPU, and OpenSSH computes curve25519 with its own reference code
//! on both ends, where ecdh-sha2-nistp256 is OpenSSL's fast code: about 11 ms less CPU per
//! connection to a Debian 12 sshd (48 against 60 ms, `ssh` to the loopback lab). So troupe
//! prefers, in this order: mlkem768x25519 (post-quantum, OpenSSH 9.9 and later: kept first,
//! so a server that offers it is never talked down from it), ecdh-sha2-nistp256, then
//! curve25519; the rest follow in the client's order, so a server offering only sntrup761
//! still connects. A user who sets KexAlgorithms (in the ssh args or in an ssh config file)
//! gets exactly that: troupe adds nothing (and `auto` picks OpenSSH for such a host).

use std::process::{Command, Stdio};
use std::sync::OnceLock;

use super::ssh_config_files;

/// The exchanges troupe prefers, best first.
pub(crate) const PREFERRED: [&str; 4] = [
    "mlkem768x25519-sha256",
    "ecdh-sha2-nistp256",
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

/// `defaults` with troupe's preferred exchanges first, in [`PREFERRED`]'s order; `None` when
/// that is the order already.
fn fast_first(defaults: &[String]) -> Option<String> {
    let fast = PREFERRED
        .iter()
        .filter(|f| defaults.iter().any(|d| d == *f))
        .map(|f| f.to_string());
    let rest = defaults
        .iter()
        .filter(|d| !PREFERRED.contains(&d.as_str()))
        .cloned();
    let list: Vec<String> = fast.chain(rest).collect();
    (list != defaults).then(|| list.join(","))
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
            Some("ecdh-sha2-nistp256,curve25519-sha256,curve25519-sha256@libssh.org,sntrup761x25519-sha512@openssh.com")
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
    fn a_list_in_troupes_order_already_is_left_alone() {
        assert_eq!(
            fast_first(&list("mlkem768x25519-sha256,sntrup761x25519-sha512")),
            None
        );
        assert_eq!(
            fast_first(&list("ecdh-sha2-nistp256,curve25519-sha256")),
            None
        );
        assert_eq!(
            fast_first(&list("curve25519-sha256,ecdh-sha2-nistp256")).as_deref(),
            Some("ecdh-sha2-nistp256,curve25519-sha256")
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
