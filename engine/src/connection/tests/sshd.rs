//! A private sshd on 127.0.0.1 with fresh keys, for the SSH tests.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::super::ConnectionSpec;
use super::Scratch;

const SSHD: &str = "/usr/sbin/sshd";

pub(in crate::connection) struct Sshd {
    child: Child,
    pub port: u16,
    pub client_key: PathBuf,
    dir: Scratch,
}

fn keygen(path: &Path) {
    let status = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(path)
        .stdout(Stdio::null())
        .status()
        .expect("ssh-keygen runs (install openssh-client: tests/lab/install-deps.sh)");
    assert!(status.success());
}

/// A port nothing listens on (just released by the OS).
pub(in crate::connection) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn current_user() -> String {
    let out = Command::new("id").arg("-un").output().unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

impl Sshd {
    pub(in crate::connection) fn start() -> Sshd {
        assert!(
            Path::new(SSHD).exists(),
            "{SSHD} is missing: the SSH tests need a real sshd; run tests/lab/install-deps.sh \
             (apt-get install openssh-server openssh-client)"
        );
        let dir = Scratch::new();
        let host_key = dir.path().join("host_key");
        let client_key = dir.path().join("client_key");
        keygen(&host_key);
        keygen(&client_key);
        std::fs::copy(
            client_key.with_extension("pub"),
            dir.path().join("authorized_keys"),
        )
        .unwrap();
        if current_user() == "root" {
            // sshd started by root insists on its privilege separation directory.
            std::fs::create_dir_all("/run/sshd").unwrap();
        }
        let port = free_port();
        let config = dir.path().join("sshd_config");
        std::fs::write(
            &config,
            format!(
                "Port {port}\nListenAddress 127.0.0.1\nHostKey {}\nAuthorizedKeysFile {}\nPidFile {}\n\
                 StrictModes no\nUsePAM no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n\
                 PermitRootLogin prohibit-password\nMaxStartups 50\nLogLevel ERROR\n",
                host_key.display(),
                dir.path().join("authorized_keys").display(),
                dir.path().join("sshd.pid").display(),
            ),
        )
        .unwrap();
        let log = std::fs::File::create(dir.path().join("sshd.log")).unwrap();
        let mut child = Command::new(SSHD)
            .arg("-D")
            .arg("-e")
            .arg("-f")
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("sshd starts");
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = child.try_wait() {
                let log = std::fs::read_to_string(dir.path().join("sshd.log")).unwrap_or_default();
                panic!("sshd exited ({status}): {log}");
            }
            assert!(
                Instant::now() < deadline,
                "sshd did not listen on port {port}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Sshd {
            child,
            port,
            client_key,
            dir,
        }
    }

    /// Settings reaching this sshd as the current user, ignoring the user's ~/.ssh/config.
    pub(in crate::connection) fn spec(&self) -> ConnectionSpec {
        ConnectionSpec {
            kind: "ssh".into(),
            host: "127.0.0.1".into(),
            port: Some(self.port),
            user: Some(current_user()),
            private_key: Some(self.client_key.display().to_string()),
            ssh_args: vec!["-F".into(), "/dev/null".into()],
            timeout_secs: 10,
            host_key_checking: false,
            control_path_dir: Some(self.control_dir().display().to_string()),
            control_path: None,
            password: None,
            transport: "openssh".into(),
        }
    }

    pub(in crate::connection) fn scratch(&self) -> &Scratch {
        &self.dir
    }

    /// Where the masters of connections to this sshd keep their sockets.
    pub(in crate::connection) fn control_dir(&self) -> PathBuf {
        self.dir.path().join("cp")
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        // Masters outlive their connections (ControlPersist): end them with the server.
        for socket in std::fs::read_dir(self.control_dir())
            .into_iter()
            .flatten()
            .flatten()
        {
            let _ = Command::new("ssh")
                .arg("-S")
                .arg(socket.path())
                .args(["-O", "exit", "sshd"])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
