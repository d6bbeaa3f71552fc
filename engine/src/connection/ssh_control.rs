//! Where SSH master connections live and for how long, as Ansible does it: one master per
//! host in a persistent directory (`ansible_control_path_dir`, `ANSIBLE_SSH_CONTROL_PATH_DIR`,
//! else `~/.troupe/cp`), kept `ControlPersist=60s` after a run so the next one skips the
//! handshake. A user's own ControlMaster/ControlPath/ControlPersist (in the ssh args or in
//! their ssh config) win over troupe's.

use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::ssh_config_files::{self, expand_home, home};
use super::ConnectionSpec;

/// How long an idle master outlives the run that started it (Ansible's default).
const CONTROL_PERSIST: &str = "60s";

/// `sun_path` holds 108 bytes with its NUL; ssh adds `.` and 16 random characters to the
/// path while it binds the socket.
const MAX_SOCKET_PATH: usize = 107 - 17;

/// The multiplexing options troupe adds for one host, and the directory of its socket.
#[derive(Debug, Default)]
pub(crate) struct ControlSettings {
    /// `-o` values, none of which the user set themselves.
    pub options: Vec<String>,
    /// Troupe's control directory, when the socket is troupe's to place.
    pub dir: Option<PathBuf>,
}

/// Which multiplexing settings the user made themselves.
#[derive(Debug, Default, PartialEq, Eq)]
struct UserControl {
    master: bool,
    path: bool,
    persist: bool,
}

impl ControlSettings {
    /// The settings for `spec`, creating the control directory (0700) when troupe uses one.
    pub(crate) fn for_spec(spec: &ConnectionSpec) -> std::io::Result<Self> {
        let user = user_control(spec);
        let mut settings = ControlSettings::default();
        if !user.master {
            settings.options.push("ControlMaster=auto".into());
        }
        if !user.persist {
            settings
                .options
                .push(format!("ControlPersist={CONTROL_PERSIST}"));
        }
        if !user.path {
            let dir = control_dir(spec);
            create_private_dir(&dir)?;
            let path = match control_path_template(spec) {
                Some(template) => template.replace("%(directory)s", &dir.display().to_string()),
                None => socket_path(&dir, spec),
            };
            settings.options.push(format!("ControlPath={path}"));
            settings.dir = Some(dir);
        }
        Ok(settings)
    }
}

/// `ansible_control_path_dir`, `ANSIBLE_SSH_CONTROL_PATH_DIR`, else `~/.troupe/cp`.
fn control_dir(spec: &ConnectionSpec) -> PathBuf {
    let chosen = spec
        .control_path_dir
        .clone()
        .or_else(|| std::env::var("ANSIBLE_SSH_CONTROL_PATH_DIR").ok())
        .filter(|d| !d.is_empty());
    match chosen {
        Some(dir) => expand_home(&dir),
        None => home().join(".troupe").join("cp"),
    }
}

/// `ansible_control_path`, `ANSIBLE_SSH_CONTROL_PATH`: ssh's own spelling, with
/// `%(directory)s` standing for the control directory.
fn control_path_template(spec: &ConnectionSpec) -> Option<String> {
    spec.control_path
        .clone()
        .or_else(|| std::env::var("ANSIBLE_SSH_CONTROL_PATH").ok())
        .filter(|p| !p.is_empty())
}

/// `DIR/%C` (ssh's hash of the local host, host, port, user and jump host); a shorter
/// name of troupe's own when the directory leaves no room for 40 characters.
fn socket_path(dir: &Path, spec: &ConnectionSpec) -> String {
    let dir = dir.display().to_string();
    if dir.len() + 1 + 40 <= MAX_SOCKET_PATH {
        return format!("{dir}/%C");
    }
    let key = format!(
        "{}\0{:?}\0{:?}\0{:?}\0{}",
        spec.host,
        spec.port,
        spec.user,
        spec.private_key,
        spec.ssh_args.join("\0")
    );
    format!("{dir}/{:016x}", fnv1a(key.as_bytes()))
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf29ce484222325, |hash, b| {
        (hash ^ u64::from(*b)).wrapping_mul(0x100000001b3)
    })
}

/// Creates `dir` and its missing parents as 0700 (the sockets in it give a shell on every
/// host). An existing directory is left as it is, as Ansible and ssh do: it may be shared.
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

/// What the user's ssh args and ssh config say about multiplexing for this host.
fn user_control(spec: &ConnectionSpec) -> UserControl {
    let mut found = control_in_args(&spec.ssh_args);
    if (!found.master || !found.path || !found.persist)
        && ssh_config_files::may_set(&spec.ssh_args, "control")
    {
        let from_config = control_in_effective_config(spec);
        found.master |= from_config.master;
        found.path |= from_config.path;
        found.persist |= from_config.persist;
    }
    found
}

fn control_in_args(args: &[String]) -> UserControl {
    let mut found = UserControl::default();
    for arg in args {
        let lower = arg.to_ascii_lowercase();
        found.master |= lower.contains("controlmaster") || arg == "-M";
        found.path |= lower.contains("controlpath") || arg == "-S";
        found.persist |= lower.contains("controlpersist");
    }
    found
}

/// Asks `ssh -G` (no connection) what the host's configuration resolves to.
fn control_in_effective_config(spec: &ConnectionSpec) -> UserControl {
    let mut command = Command::new("ssh");
    command.args(&spec.ssh_args).arg("-G");
    if let Some(port) = spec.port {
        command.args(["-p", &port.to_string()]);
    }
    if let Some(user) = &spec.user {
        command.args(["-l", user]);
    }
    let output = command
        .arg("--")
        .arg(&spec.host)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output();
    let Ok(output) = output else {
        return UserControl::default();
    };
    let mut found = UserControl::default();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        match line.split_once(' ') {
            Some(("controlmaster", value)) => found.master = value != "false",
            Some(("controlpath", value)) => found.path = value != "none",
            Some(("controlpersist", value)) => found.persist = value != "no",
            _ => {}
        }
    }
    found
}

/// Whether the process `pid` started after this one: a master this run opened, as opposed
/// to one an earlier run left (Linux `/proc`; elsewhere every master counts as this run's).
pub(crate) fn started_by_this_run(pid: u32) -> bool {
    match (start_ticks("self"), start_ticks(&pid.to_string())) {
        (Some(ours), Some(theirs)) => theirs >= ours,
        _ => true,
    }
}

/// Field 22 of `/proc/PID/stat`: when the process started, in clock ticks since boot.
fn start_ticks(pid: &str) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces and parentheses: count after its end.
    let after_name = &stat[stat.rfind(')')? + 1..];
    after_name.split_whitespace().nth(19)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn control_options_in_args_are_the_users() {
        assert_eq!(
            control_in_args(&args(&[
                "-o",
                "ControlPath=/x/%C",
                "-o",
                "controlpersist=5m"
            ])),
            UserControl {
                master: false,
                path: true,
                persist: true
            }
        );
        assert_eq!(
            control_in_args(&args(&["-M", "-S", "/x"])),
            UserControl {
                master: true,
                path: true,
                persist: false
            }
        );
        assert_eq!(
            control_in_args(&args(&["-o", "StrictHostKeyChecking=no"])),
            UserControl::default()
        );
    }

    #[test]
    fn a_config_file_that_sets_control_options_is_noticed_through_includes() {
        let dir = tempfile::tempdir().unwrap();
        let main = dir.path().join("config");
        std::fs::create_dir(dir.path().join("conf.d")).unwrap();
        std::fs::write(&main, "Host *\n  User me\nInclude conf.d/*.conf\n").unwrap();
        std::fs::write(dir.path().join("conf.d/a.conf"), "Host a\n  Port 2222\n").unwrap();
        let f = args(&["-F", &main.display().to_string()]);
        assert!(!ssh_config_files::may_set(&f, "control"));
        std::fs::write(
            dir.path().join("conf.d/b.conf"),
            "Host b\n  ControlPersist 10m\n",
        )
        .unwrap();
        assert!(ssh_config_files::may_set(&f, "control"));
    }

    #[test]
    fn a_long_control_dir_gets_a_shorter_socket_name() {
        let spec = ConnectionSpec::resolve(
            "h",
            &crate::Map::new(),
            &super::super::Keywords::default(),
            &super::super::Overrides::default(),
        )
        .unwrap();
        assert_eq!(socket_path(Path::new("/tmp/cp"), &spec), "/tmp/cp/%C");
        let long = PathBuf::from(format!("/tmp/{}", "d".repeat(60)));
        let path = socket_path(&long, &spec);
        assert!(
            path.len() <= MAX_SOCKET_PATH && !path.contains('%'),
            "{path}"
        );
    }

    #[test]
    fn an_existing_control_dir_keeps_its_mode() {
        use std::os::unix::fs::PermissionsExt;
        let shared = tempfile::tempdir().unwrap();
        std::fs::set_permissions(shared.path(), std::fs::Permissions::from_mode(0o1777)).unwrap();
        create_private_dir(shared.path()).unwrap();
        let mode = std::fs::metadata(shared.path())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(
            mode & 0o7777,
            0o1777,
            "a shared directory like /tmp is left alone"
        );
        let fresh = shared.path().join("a/cp");
        create_private_dir(&fresh).unwrap();
        let mode = std::fs::metadata(&fresh).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
    }

    #[test]
    fn this_process_started_no_later_than_itself() {
        assert!(started_by_this_run(std::process::id()));
        assert!(!started_by_this_run(1), "init started before this test");
    }
}
