//! The native SSH transport: an SSH client inside troupe (the `russh` crate), one connection
//! per host, each shell or upload a channel of it. No `ssh` process, no master, no mux
//! client per host: at hundreds of hosts those process starts are most of a run's cost
//! (bench/RESULTS.md, "Scale"). The shells speak the same protocol as over the system
//! `ssh`: a channel's streams reach `shell_session` as a process's pipes would.
//!
//! It covers key logins (the key named by the host's settings, else `~/.ssh/id_ed25519`,
//! `id_ecdsa`, `id_rsa`, unencrypted), known_hosts checking, and the few `-o` options a
//! plain setup passes. What needs OpenSSH (its config files, agents, ProxyJump, passwords,
//! other options) goes through the system `ssh`: [`suits`] decides, per host.

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::path::PathBuf;
use std::sync::{mpsc, Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use russh::client;
use russh::keys::{self, PrivateKeyWithHashAlg, PublicKeyOrCertificate};
use russh::{ChannelMsg, ChannelWriteHalf, Disconnect};
use tokio::sync::{mpsc as tmpsc, Notify};
use troupe_modules::shell_text::quote as q;
use troupe_modules::TargetError;

use super::handshake_gate;
use super::host_connection::HostConnection;
use super::launcher::{KillSwitch, Launch, Launcher, OpenChannel, Running, Spawned, Start};
use super::shell_session::SessionOptions;
use super::ssh_config_files::home;
use super::stderr_tail::StderrTail;
use super::ConnectionSpec;

/// The runtime every native connection's I/O runs on: two threads, whatever the host count.
fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("troupe-ssh")
            .enable_all()
            .build()
            .expect("the SSH runtime starts")
    })
}

/// The `-o` options the native transport reads; any other ssh argument needs OpenSSH. As
/// with ssh, the first value of an option wins, and the arguments win over the settings.
#[derive(Debug, Default, PartialEq, Eq)]
struct SshOptions {
    /// `StrictHostKeyChecking` (`no`, `accept-new`: unknown keys are accepted).
    strict: Option<String>,
    known_hosts: Option<String>,
    user: Option<String>,
    port: Option<u16>,
    identity: Option<String>,
    connect_timeout: Option<u64>,
    /// `-F /dev/null`: no ssh config file is read.
    no_config: bool,
}

/// Options that change nothing here: multiplexing (the connection is held for the run
/// anyway), keepalives (the transport's own follow the timeout), logging, and the choices a
/// key login makes anyway.
const IGNORED: &[&str] = &[
    "controlmaster",
    "controlpersist",
    "controlpath",
    "serveraliveinterval",
    "serveralivecountmax",
    "loglevel",
    "batchmode",
    "identitiesonly",
    "passwordauthentication",
    "kbdinteractiveauthentication",
    "preferredauthentications",
];

impl SshOptions {
    /// Reads `args`; `Err` names the first argument only OpenSSH understands.
    fn parse(args: &[String]) -> Result<SshOptions, String> {
        let mut options = SshOptions::default();
        let mut words = args.iter();
        while let Some(word) = words.next() {
            let option = match word.as_str() {
                "-o" => words.next().cloned().unwrap_or_default(),
                "-F" if words.next().is_some_and(|f| f == "/dev/null") => {
                    options.no_config = true;
                    continue;
                }
                w if w.starts_with("-o") => w[2..].to_string(),
                _ => return Err(word.clone()),
            };
            let (key, value) = option
                .split_once(['=', ' '])
                .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
                .ok_or_else(|| option.clone())?;
            let bad = || format!("-o {option}");
            match key.as_str() {
                "stricthostkeychecking" => {
                    options.strict.get_or_insert(value.to_ascii_lowercase());
                }
                "userknownhostsfile" => {
                    options.known_hosts.get_or_insert(value);
                }
                "user" => {
                    options.user.get_or_insert(value);
                }
                "identityfile" => {
                    options.identity.get_or_insert(value);
                }
                "port" => {
                    let port = value.parse().map_err(|_| bad())?;
                    options.port.get_or_insert(port);
                }
                "connecttimeout" => {
                    let secs = value.parse().map_err(|_| bad())?;
                    options.connect_timeout.get_or_insert(secs);
                }
                k if IGNORED.contains(&k) => {}
                _ => return Err(bad()),
            }
        }
        Ok(options)
    }
}

/// The private keys to try, in order: the one the arguments or settings name, else the
/// default ones.
fn key_paths(spec: &ConnectionSpec, options: &SshOptions) -> Vec<PathBuf> {
    match options.identity.as_ref().or(spec.private_key.as_ref()) {
        Some(key) => vec![super::ssh_config_files::expand_home(key)],
        None => ["id_ed25519", "id_ecdsa", "id_rsa"]
            .iter()
            .map(|k| home().join(".ssh").join(k))
            .filter(|p| p.exists())
            .collect(),
    }
}

/// The unencrypted private key at `path`, read once per run however many hosts use it
/// (`None`: missing, unreadable or passphrase-protected).
fn load_key(path: &PathBuf) -> Option<Arc<keys::PrivateKey>> {
    static KEYS: OnceLock<Mutex<HashMap<PathBuf, Option<Arc<keys::PrivateKey>>>>> = OnceLock::new();
    let mut keys = KEYS
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    keys.entry(path.clone())
        .or_insert_with(|| keys::load_secret_key(path, None).ok().map(Arc::new))
        .clone()
}

/// Whether `spec` is one the native transport serves as OpenSSH would: no setting of its
/// own needs OpenSSH, and a key file it can read without a passphrase is there.
pub fn suits(spec: &ConnectionSpec) -> bool {
    let Ok(options) = SshOptions::parse(&spec.ssh_args) else {
        return false;
    };
    let user_config = !options.no_config && home().join(".ssh").join("config").exists();
    spec.password.is_none()
        && !user_config
        && key_paths(spec, &options)
            .iter()
            .any(|p| load_key(p).is_some())
}

/// Checks the server's key against known_hosts, as OpenSSH in batch mode does: an unknown
/// key fails unless StrictHostKeyChecking says otherwise, a changed one always.
struct HostKeys {
    host: String,
    port: u16,
    /// `None`: every key is accepted (host key checking off).
    files: Option<Vec<PathBuf>>,
    accept_unknown: bool,
    /// Why the key was refused, for the error.
    refused: Arc<Mutex<Option<String>>>,
}

impl client::Handler for HostKeys {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        key: &PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        let Some(files) = &self.files else {
            return Ok(true);
        };
        let PublicKeyOrCertificate::PublicKey { key, .. } = key else {
            *self.refused.lock().unwrap_or_else(PoisonError::into_inner) =
                Some("Host key verification failed (a host certificate).".into());
            return Ok(false);
        };
        for file in files.iter().filter(|f| f.exists()) {
            match keys::check_known_hosts_path(&self.host, self.port, key, file) {
                Ok(true) => return Ok(true),
                Ok(false) => {}
                Err(e) => {
                    *self.refused.lock().unwrap_or_else(PoisonError::into_inner) = Some(format!(
                        "Host key verification failed: {e} ({})",
                        file.display()
                    ));
                    return Ok(false);
                }
            }
        }
        if self.accept_unknown {
            return Ok(true);
        }
        *self.refused.lock().unwrap_or_else(PoisonError::into_inner) =
            Some("Host key verification failed.".into());
        Ok(false)
    }
}

/// One host's connection: shells and uploads are channels of it.
pub struct NativeLauncher {
    handle: Arc<client::Handle<HostKeys>>,
    host: String,
}

impl NativeLauncher {
    /// Connects and logs in, within the connection timeout.
    pub fn connect(spec: &ConnectionSpec) -> Result<NativeLauncher, TargetError> {
        let options = SshOptions::parse(&spec.ssh_args).map_err(|arg| {
            TargetError::Unreachable(format!(
                "the native SSH transport does not take the ssh argument '{arg}' (use the openssh transport)"
            ))
        })?;
        let port = options.port.or(spec.port).unwrap_or(22);
        let user = options
            .user
            .clone()
            .or_else(|| spec.user.clone())
            .unwrap_or_else(current_user);
        let refused = Arc::new(Mutex::new(None));
        let check = spec.host_key_checking && options.strict.as_deref() != Some("no");
        let files = options.known_hosts.as_ref().map_or_else(
            || {
                vec![
                    home().join(".ssh").join("known_hosts"),
                    PathBuf::from("/etc/ssh/ssh_known_hosts"),
                ]
            },
            |f| vec![super::ssh_config_files::expand_home(f)],
        );
        let handler = HostKeys {
            host: spec.host.clone(),
            port,
            files: check.then_some(files),
            accept_unknown: options.strict.as_deref() == Some("accept-new"),
            refused: refused.clone(),
        };
        let alive = Duration::from_secs(spec.timeout_secs.div_ceil(3).max(1));
        let config = Arc::new(client::Config {
            keepalive_interval: Some(alive),
            keepalive_max: 3,
            inactivity_timeout: None,
            nodelay: true,
            preferred: preferred_algorithms(),
            ..client::Config::default()
        });
        let where_to = format!("connect to host {} port {port}", spec.host);
        let limit =
            Duration::from_secs(options.connect_timeout.unwrap_or(spec.timeout_secs).max(1));
        let keys = key_paths(spec, &options);
        let host = spec.host.clone();
        let login = async move {
            let mut handle = client::connect(config, (host.as_str(), port), handler)
                .await
                .map_err(|e| {
                    match refused
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .take()
                    {
                        Some(why) => why,
                        None if e.to_string().contains("lookup") => {
                            format!("ssh: Could not resolve hostname {host}: {e}")
                        }
                        None => format!("ssh: {where_to}: {}", words(&e)),
                    }
                })?;
            let hash = handle
                .best_supported_rsa_hash()
                .await
                .map_err(|e| format!("ssh: {where_to}: {e}"))?
                .flatten();
            for path in &keys {
                let Some(key) = load_key(path) else {
                    continue;
                };
                let key = PrivateKeyWithHashAlg::new(key, hash);
                let result = handle
                    .authenticate_publickey(user.clone(), key)
                    .await
                    .map_err(|e| format!("ssh: {where_to}: {e}"))?;
                if result.success() {
                    return Ok(handle);
                }
            }
            Err(format!("{user}@{host}: Permission denied (publickey)."))
        };
        let handle = runtime()
            .block_on(async { tokio::time::timeout(limit, login).await })
            .unwrap_or_else(|_| {
                Err(format!(
                    "ssh: connect to host {} port {port}: Connection timed out",
                    spec.host
                ))
            })
            .map_err(TargetError::Unreachable)?;
        Ok(NativeLauncher {
            handle: Arc::new(handle),
            host: spec.host.clone(),
        })
    }
}

/// An error as OpenSSH words it, where it has words for it.
fn words(e: &russh::Error) -> String {
    match e {
        russh::Error::IO(io) => match io.kind() {
            io::ErrorKind::ConnectionRefused => "Connection refused".into(),
            io::ErrorKind::TimedOut => "Connection timed out".into(),
            _ => io.to_string(),
        },
        other => other.to_string(),
    }
}

/// The user troupe runs as: the login user when the settings name none.
fn current_user() -> String {
    // SAFETY: getpwuid returns a pointer into static storage or NULL; the name is copied at once.
    unsafe {
        let pw = libc::getpwuid(libc::getuid());
        if pw.is_null() {
            return std::env::var("USER").unwrap_or_else(|_| "root".into());
        }
        std::ffi::CStr::from_ptr((*pw).pw_name)
            .to_string_lossy()
            .into_owned()
    }
}

impl Launcher for NativeLauncher {
    fn launch(&self, script: Option<&str>) -> Launch {
        // The login shell reads this command line; make it exec a POSIX sh at once.
        let command = match script {
            None => "exec /bin/sh".to_string(),
            Some(script) => format!("exec /bin/sh -c {}", q(script)),
        };
        Launch {
            start: Start::Channel(Box::new(Exec {
                handle: self.handle.clone(),
                host: self.host.clone(),
                command,
            })),
            password: None,
        }
    }

    fn abort(&self) {
        let handle = self.handle.clone();
        runtime().spawn(async move {
            let _ = handle.disconnect(Disconnect::ByApplication, "", "en").await;
        });
    }
}

/// A command to run in a new channel.
struct Exec {
    handle: Arc<client::Handle<HostKeys>>,
    host: String,
    command: String,
}

/// How many chunks wait between a channel and its reader or writer.
const QUEUED_CHUNKS: usize = 16;

impl OpenChannel for Exec {
    fn open(self: Box<Self>) -> Result<Spawned, TargetError> {
        let Exec {
            handle,
            host,
            command,
        } = *self;
        let rt = runtime();
        let channel = rt
            .block_on(async {
                let channel = handle.channel_open_session().await?;
                channel.exec(true, command).await?;
                Ok::<_, russh::Error>(channel)
            })
            .map_err(|e| TargetError::Unreachable(format!("{host}: {e}")))?;
        let (mut read, write) = channel.split();
        let write = Arc::new(write);
        let (stdin_tx, mut stdin_rx) = tmpsc::channel::<Vec<u8>>(QUEUED_CHUNKS);
        let (stdout_tx, stdout_rx) = tmpsc::channel(QUEUED_CHUNKS);
        let stderr = StderrTail::new();
        let stderr_in = stderr.clone();
        let (ended_tx, ended_rx) = mpsc::channel();
        let killed = Arc::new(Notify::new());
        let writer = write.clone();
        rt.spawn(async move {
            while let Some(chunk) = stdin_rx.recv().await {
                if writer.data_bytes(chunk).await.is_err() {
                    return;
                }
            }
            let _ = writer.eof().await;
        });
        let kill = killed.clone();
        rt.spawn(async move {
            let mut status = None;
            loop {
                tokio::select! {
                    msg = read.wait() => match msg {
                        // A reader that went away stops nothing: the rest is still drained.
                        Some(ChannelMsg::Data { data }) => {
                            let _ = stdout_tx.send(data.to_vec()).await;
                        }
                        Some(ChannelMsg::ExtendedData { data, ext: 1 }) => stderr_in.push(&data),
                        Some(ChannelMsg::ExitStatus { exit_status }) => status = Some(exit_status),
                        Some(_) => {}
                        None => break,
                    },
                    () = kill.notified() => break,
                }
            }
            drop(stdout_tx);
            stderr_in.close();
            let _ = ended_tx.send(status);
        });
        Ok(Spawned {
            child: Box::new(ChannelRun {
                ended: ended_rx,
                status: None,
                killed,
                write,
            }),
            stdin: Box::new(ChannelIn(stdin_tx)),
            stdout: Box::new(ChannelOut::new(stdout_rx)),
            stderr,
        })
    }
}

/// A shell's stdin: chunks queued for the channel (blocking when the queue is full).
struct ChannelIn(tmpsc::Sender<Vec<u8>>);

impl Write for ChannelIn {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0
            .blocking_send(buf.to_vec())
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the channel is closed"))?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A shell's stdout or stderr: what the channel brought, in order; its end at the channel's.
struct ChannelOut {
    chunks: tmpsc::Receiver<Vec<u8>>,
    chunk: Vec<u8>,
    at: usize,
}

impl ChannelOut {
    fn new(chunks: tmpsc::Receiver<Vec<u8>>) -> Self {
        ChannelOut {
            chunks,
            chunk: Vec::new(),
            at: 0,
        }
    }
}

impl Read for ChannelOut {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.at == self.chunk.len() {
            match self.chunks.blocking_recv() {
                Some(chunk) => (self.chunk, self.at) = (chunk, 0),
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.chunk.len() - self.at);
        buf[..n].copy_from_slice(&self.chunk[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// A channel's command, as [`Running`] sees it.
struct ChannelRun {
    /// The exit status once the channel ended (`None`: killed by a signal, or no status).
    ended: mpsc::Receiver<Option<u32>>,
    status: Option<Option<u32>>,
    killed: Arc<Notify>,
    write: Arc<ChannelWriteHalf<client::Msg>>,
}

impl ChannelRun {
    fn end(&mut self) -> Option<u32> {
        if self.status.is_none() {
            self.status = Some(self.ended.recv().unwrap_or(None));
        }
        self.status.flatten()
    }
}

impl Running for ChannelRun {
    fn kill(&mut self) {
        (self.kill_switch())();
        self.end();
    }
    fn wait(&mut self) -> bool {
        self.end() == Some(0)
    }
    fn ended(&mut self) -> Option<String> {
        if self.status.is_none() {
            self.status = self.ended.try_recv().ok();
        }
        self.status.map(|s| match s {
            Some(code) => format!("exit status: {code}"),
            None => "the channel closed".into(),
        })
    }
    fn kill_switch(&self) -> KillSwitch {
        let (killed, write) = (self.killed.clone(), self.write.clone());
        Arc::new(move || {
            killed.notify_one();
            let write = write.clone();
            runtime().spawn(async move {
                let _ = write.close().await;
            });
        })
    }
    fn pid(&self) -> Option<u32> {
        None
    }
}

/// Connects to `spec.host` natively (admitted by the handshake gate, as OpenSSH's are) and
/// starts the login shell.
pub fn open_native(
    name: &str,
    spec: &ConnectionSpec,
    options: SessionOptions,
) -> Result<HostConnection, TargetError> {
    let launcher = {
        let _turn = handshake_gate::wait_turn();
        NativeLauncher::connect(spec)?
    };
    HostConnection::open(name, Arc::new(launcher), options)
}

/// russh's algorithms with the key exchanges in troupe's order (see `ssh_kex`).
fn preferred_algorithms() -> russh::Preferred {
    let defaults = russh::Preferred::default();
    let ours = super::ssh_kex::PREFERRED
        .iter()
        .filter_map(|name| russh::kex::Name::try_from(*name).ok());
    let kex = ours
        .chain(
            defaults
                .kex
                .iter()
                .filter(|name| !super::ssh_kex::PREFERRED.contains(&name.as_ref()))
                .copied(),
        )
        .collect();
    russh::Preferred {
        kex: std::borrow::Cow::Owned(kex),
        ..defaults
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_options_suit_the_native_transport() {
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let plain = SshOptions::parse(&args(&[
            "-o",
            "StrictHostKeyChecking=no",
            "-oUserKnownHostsFile=/dev/null",
            "-F",
            "/dev/null",
        ]))
        .unwrap();
        assert_eq!(plain.strict.as_deref(), Some("no"));
        assert_eq!(plain.known_hosts.as_deref(), Some("/dev/null"));
        assert!(plain.no_config);
        // Multiplexing is moot here; the first User wins, as with ssh.
        let muxed = SshOptions::parse(&args(&[
            "-o",
            "ControlMaster=auto",
            "-o",
            "ControlPersist=60s",
            "-o",
            "User=first",
            "-o",
            "User=second",
        ]))
        .unwrap();
        assert_eq!(muxed.user.as_deref(), Some("first"));
        for other in [
            &["-o", "ProxyJump=bastion"][..],
            &["-J", "bastion"],
            &["-F", "my_config"],
            &["-o", "Ciphers=aes128-ctr"],
        ] {
            assert!(SshOptions::parse(&args(other)).is_err(), "{other:?}");
        }
    }

    #[test]
    fn key_exchanges_go_in_troupes_order_and_keep_the_extensions() {
        let kex = super::preferred_algorithms().kex;
        let names: Vec<&str> = kex.iter().map(|n| n.as_ref()).collect();
        assert_eq!(
            names[..3],
            [
                "mlkem768x25519-sha256",
                "ecdh-sha2-nistp256",
                "curve25519-sha256"
            ]
        );
        for needed in ["ext-info-c", "kex-strict-c-v00@openssh.com"] {
            assert!(names.contains(&needed), "{needed} missing from {names:?}");
        }
        let mut unique = names.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), names.len(), "{names:?}");
    }
}
