//! What only SSH has: ssh's own failures reported as unreachable, and the master's life.

use std::sync::Arc;
use std::time::{Duration, Instant};

use troupe_modules::TargetError;

use super::super::{open, Connection, ConnectionSpec, HostConnection, SessionOptions, SshLauncher};
use super::sshd::{free_port, Sshd};

fn unreachable_reason(spec: &ConnectionSpec) -> String {
    match open("h", spec) {
        Err(TargetError::Unreachable(why)) => why,
        Err(other) => panic!("expected unreachable, got {other}"),
        Ok(_) => panic!("connected to {spec:?}"),
    }
}

fn spec_without_server() -> ConnectionSpec {
    ConnectionSpec {
        kind: "ssh".into(),
        host: "127.0.0.1".into(),
        port: Some(free_port()),
        user: None,
        private_key: None,
        ssh_args: vec!["-F".into(), "/dev/null".into()],
        timeout_secs: 5,
        host_key_checking: false,
        // No server answers, so no master ever starts there.
        control_path_dir: Some(
            std::env::temp_dir()
                .join("troupe-test-cp")
                .display()
                .to_string(),
        ),
        control_path: None,
        password: None,
        transport: "openssh".into(),
    }
}

/// Both SSH transports, for the failures each must word as ssh does.
const TRANSPORTS: [&str; 2] = ["openssh", "native"];

#[test]
fn a_closed_port_is_unreachable_with_ssh_words() {
    for transport in TRANSPORTS {
        let spec = ConnectionSpec {
            transport: transport.into(),
            ..spec_without_server()
        };
        let why = unreachable_reason(&spec);
        assert!(why.contains("Connection refused"), "{transport}: {why}");
    }
}

#[test]
fn an_unknown_host_name_is_unreachable() {
    for transport in TRANSPORTS {
        let spec = ConnectionSpec {
            host: "no-such-host.invalid".into(),
            transport: transport.into(),
            ..spec_without_server()
        };
        let why = unreachable_reason(&spec);
        assert!(
            why.contains("Could not resolve hostname"),
            "{transport}: {why}"
        );
    }
}

#[test]
fn a_refused_key_is_unreachable() {
    let sshd = Sshd::start();
    let stranger = sshd.scratch().path().join("stranger");
    let status = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&stranger)
        .status();
    assert!(status.unwrap().success());
    for transport in TRANSPORTS {
        let spec = ConnectionSpec {
            private_key: Some(stranger.display().to_string()),
            transport: transport.into(),
            ..sshd.spec()
        };
        let why = unreachable_reason(&spec);
        assert!(why.contains("Permission denied"), "{transport}: {why}");
    }
}

#[test]
fn a_host_key_is_checked_when_asked() {
    let sshd = Sshd::start();
    let known_hosts = sshd.scratch().path().join("empty_known_hosts");
    std::fs::write(&known_hosts, "").unwrap();
    for transport in TRANSPORTS {
        let mut spec = ConnectionSpec {
            host_key_checking: true,
            transport: transport.into(),
            ..sshd.spec()
        };
        spec.ssh_args.extend([
            "-o".into(),
            format!("UserKnownHostsFile={}", known_hosts.display()),
        ]);
        let why = unreachable_reason(&spec);
        assert!(
            why.contains("Host key verification failed"),
            "{transport}: {why}"
        );
    }
}

/// Opens a connection to `sshd`, keeping a handle on its launcher to ask after the master.
fn connect(sshd: &Sshd) -> (Arc<SshLauncher>, HostConnection) {
    let launcher = Arc::new(SshLauncher::new(&sshd.spec()).unwrap());
    let connection =
        HostConnection::open("h", launcher.clone(), SessionOptions::default()).unwrap();
    (launcher, connection)
}

/// Whether process `pid` ends (a zombie waiting for its parent counts as ended).
fn shell_is_gone(pid: u32) -> bool {
    let running = || {
        std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
            !stat
                .rsplit(')')
                .next()
                .unwrap_or("")
                .trim_start()
                .starts_with('Z')
        })
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while running() {
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    true
}

#[test]
fn close_ends_the_shells_and_leaves_the_master_to_the_next_run() {
    let sshd = Sshd::start();
    let (launcher, connection) = connect(&sshd);
    let target = connection.target(None).unwrap();
    assert_eq!(target.run("echo hi", None).unwrap().stdout_str(), "hi\n");
    let shell = connection.login_session().pid().unwrap();
    let master = launcher.master_pid().expect("a master runs");
    connection.close();
    assert!(shell_is_gone(shell), "the shell ends");
    assert!(matches!(
        target.run("true", None),
        Err(TargetError::Unreachable(_))
    ));
    let (again, next) = connect(&sshd);
    assert_eq!(again.master_pid(), Some(master), "the next run reuses it");
    let out = next.target(None).unwrap().run("echo again", None).unwrap();
    assert_eq!(out.stdout_str(), "again\n");
}

#[test]
fn abort_ends_the_master_this_run_started() {
    let sshd = Sshd::start();
    let (launcher, connection) = connect(&sshd);
    let master = launcher.master_pid().expect("a master runs");
    let shell = connection.login_session().pid().unwrap();
    connection.abort();
    assert!(shell_is_gone(shell), "the shell is killed");
    assert!(shell_is_gone(master), "the master ends");
    let sockets = std::fs::read_dir(sshd.control_dir()).unwrap().count();
    assert_eq!(sockets, 0, "its socket is removed");
}

#[test]
fn the_socket_of_a_dead_master_is_replaced() {
    let sshd = Sshd::start();
    let (launcher, connection) = connect(&sshd);
    let master = launcher.master_pid().expect("a master runs");
    connection.close();
    // SIGKILL: the master cannot remove its socket.
    unsafe { libc::kill(master as libc::pid_t, libc::SIGKILL) };
    assert!(shell_is_gone(master));
    assert_eq!(std::fs::read_dir(sshd.control_dir()).unwrap().count(), 1);
    let (again, next) = connect(&sshd);
    let out = next.target(None).unwrap().run("echo fresh", None).unwrap();
    assert_eq!(out.stdout_str(), "fresh\n");
    let new_master = again.master_pid().expect("a new master runs");
    assert_ne!(new_master, master);
}

/// A server that accepts and hangs up at once, as sshd does past `MaxStartups`.
#[test]
fn a_dropped_connection_is_tried_again() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepted = std::thread::spawn(move || {
        listener.set_nonblocking(true).unwrap();
        let mut count = 0;
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            match listener.accept() {
                Ok((stream, _)) => {
                    drop(stream);
                    count += 1;
                }
                Err(_) => std::thread::sleep(Duration::from_millis(10)),
            }
            if count == 3 {
                // Keep listening briefly: a fourth try would show up.
                std::thread::sleep(Duration::from_millis(1500));
                if listener.accept().is_ok() {
                    count += 1;
                }
                break;
            }
        }
        count
    });
    let spec = ConnectionSpec {
        port: Some(port),
        ..spec_without_server()
    };
    let why = unreachable_reason(&spec);
    assert!(
        why.contains("kex_exchange_identification") || why.contains("Connection closed"),
        "{why}"
    );
    assert_eq!(accepted.join().unwrap(), 3, "three attempts");
}
