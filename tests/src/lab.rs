//! A running lab, driven through `lab/lab.sh` so tests and humans share one recipe.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::command::{checked, output};
use crate::{Host, LabError};

/// Set to keep labs after their tests end (to look around with `lab/.state/*/ssh_config`).
const KEEP_ENV: &str = "TROUPE_LAB_KEEP";

/// N containers with sshd, torn down on drop.
#[derive(Debug)]
pub struct Lab {
    id: String,
    state_dir: PathBuf,
    hosts: Vec<Host>,
    torn_down: bool,
}

impl Lab {
    /// Brings up `count` hosts (h01, h02, ...) from the default image, building it
    /// first if its recipe changed. `name` must be unique among the tests of a run;
    /// the process id is appended so concurrent runs on one machine don't collide.
    pub fn up(name: &str, count: usize) -> Result<Lab, LabError> {
        Self::start_lab(name, count, None)
    }

    /// Like [`Lab::up`] with an image of one's own (see `lab/build-image.sh --name`).
    pub fn up_with_image(name: &str, count: usize, image: &str) -> Result<Lab, LabError> {
        Self::start_lab(name, count, Some(image))
    }

    /// Brings up a lab with a script of its own that wraps `lab.sh up` (e.g.
    /// `lab/gluu/up.sh`): it gets `args` then `--name <id>` and must print the path
    /// of an inventory inside the lab's state directory.
    pub fn up_with_script(name: &str, script: &Path, args: &[&str]) -> Result<Lab, LabError> {
        Self::launch(name, |id| {
            let mut command = Command::new(script);
            command.args(args).args(["--name", id]);
            command
        })
    }

    fn start_lab(name: &str, count: usize, image: Option<&str>) -> Result<Lab, LabError> {
        Self::launch(name, |id| {
            let mut command = lab_script();
            command
                .arg("up")
                .arg(count.to_string())
                .args(["--name", id]);
            if let Some(image) = image {
                command.args(["--image", image]);
            }
            command
        })
    }

    /// Runs the command `up` makes for the lab's id, which prints an inventory path.
    fn launch(name: &str, up: impl FnOnce(&str) -> Command) -> Result<Lab, LabError> {
        let id = format!("{name}-{}", std::process::id());
        let mut command = up(&id);
        // Whatever happens next, a partly started lab is ours to remove.
        let mut lab = Lab {
            id,
            state_dir: PathBuf::new(),
            hosts: Vec::new(),
            torn_down: false,
        };
        let inventory = PathBuf::from(checked(&mut command)?.trim());
        lab.state_dir = inventory.parent().map(Path::to_owned).unwrap_or_default();
        lab.hosts = Host::read_all(&lab.state_dir.join("hosts"))?;
        Ok(lab)
    }

    /// The lab's name on the Docker engine (containers are `<id>-h01`, ...).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Ansible YAML inventory: group `lab`, hosts h01.. with `ansible_host`,
    /// user root and the lab's key.
    pub fn inventory_path(&self) -> PathBuf {
        self.state_dir.join("inventory.yml")
    }

    /// An `ssh -F` config naming every host, with the lab's key and no host key checks.
    pub fn ssh_config_path(&self) -> PathBuf {
        self.state_dir.join("ssh_config")
    }

    /// Where troupe keeps the ssh masters of this lab's hosts (the inventory's
    /// `ansible_control_path_dir`).
    pub fn control_dir(&self) -> PathBuf {
        let inventory = std::fs::read_to_string(self.inventory_path()).unwrap_or_default();
        inventory
            .lines()
            .find_map(|l| l.trim().strip_prefix("ansible_control_path_dir:"))
            .map(|dir| PathBuf::from(dir.trim()))
            .expect("the lab inventory names a control path dir")
    }

    pub fn private_key_path(&self) -> PathBuf {
        self.state_dir.join("id_ed25519")
    }

    pub fn hosts(&self) -> &[Host] {
        &self.hosts
    }

    pub fn host(&self, name: &str) -> Result<&Host, LabError> {
        self.hosts
            .iter()
            .find(|host| host.name == name)
            .ok_or_else(|| LabError::UnknownHost {
                lab: self.id.clone(),
                host: name.to_owned(),
            })
    }

    /// Runs `cmd` (a shell command line) on `host` as root over ssh; any exit status is returned.
    pub fn ssh(&self, host: &str, cmd: &str) -> Result<Output, LabError> {
        self.ssh_as("root", host, cmd)
    }

    /// Runs `cmd` on `host` over ssh as `user` (root and tester hold the lab's key).
    pub fn ssh_as(&self, user: &str, host: &str, cmd: &str) -> Result<Output, LabError> {
        self.host(host)?;
        output(&mut self.ssh_command(user, host, cmd))
    }

    /// Runs `cmd` on `host` as `user` and returns its trimmed stdout; non-zero exit is an error.
    pub fn ssh_stdout(&self, user: &str, host: &str, cmd: &str) -> Result<String, LabError> {
        self.host(host)?;
        checked(&mut self.ssh_command(user, host, cmd)).map(|out| out.trim().to_owned())
    }

    fn ssh_command(&self, user: &str, host: &str, cmd: &str) -> Command {
        let mut command = Command::new("ssh");
        command
            .arg("-F")
            .arg(self.ssh_config_path())
            .args(["-n", "-l", user, host, "--", cmd]);
        command
    }

    /// Runs `cmd` as root inside `host`'s container, bypassing ssh and the network.
    pub fn docker_exec(&self, host: &str, cmd: &str) -> Result<Output, LabError> {
        let container = &self.host(host)?.container;
        output(Command::new("docker").args(["exec", container, "sh", "-c", cmd]))
    }

    /// Stops `host` gracefully (sshd gets SIGTERM).
    pub fn stop(&self, host: &str) -> Result<(), LabError> {
        self.docker(&["stop", "--time", "5"], host)
    }

    /// Kills `host` at once (SIGKILL), as a crash or power loss would.
    pub fn kill(&self, host: &str) -> Result<(), LabError> {
        self.docker(&["kill"], host)
    }

    /// Starts a stopped or killed `host` again (same address) and waits for its sshd.
    pub fn start(&self, host: &str) -> Result<(), LabError> {
        self.docker(&["start"], host)?;
        self.wait_for_ssh(host)
    }

    /// Takes `host` off the network: it keeps running but nothing reaches it.
    pub fn disconnect(&self, host: &str) -> Result<(), LabError> {
        self.docker(&["network", "disconnect", &self.network()], host)
    }

    /// Puts a disconnected `host` back on the network at its old address.
    pub fn reconnect(&self, host: &str) -> Result<(), LabError> {
        let ip = self.host(host)?.ip.to_string();
        self.docker(&["network", "connect", "--ip", &ip, &self.network()], host)?;
        self.wait_for_ssh(host)
    }

    fn network(&self) -> String {
        format!("{}-net", self.id)
    }

    /// Runs `docker <args> <host's container>`.
    fn docker(&self, args: &[&str], host: &str) -> Result<(), LabError> {
        let container = &self.host(host)?.container;
        checked(Command::new("docker").args(args).arg(container)).map(drop)
    }

    fn wait_for_ssh(&self, host: &str) -> Result<(), LabError> {
        checked(lab_script().args(["wait", "--name", &self.id, host])).map(drop)
    }

    /// Removes the containers, network and state now, reporting failure (drop can't).
    pub fn down(mut self) -> Result<(), LabError> {
        self.torn_down = true;
        checked(lab_script().args(["down", "--name", &self.id])).map(drop)
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        if self.torn_down {
            return;
        }
        if std::env::var_os(KEEP_ENV).is_some() {
            eprintln!("lab {} kept: {}", self.id, self.ssh_config_path().display());
            return;
        }
        if let Err(error) = checked(lab_script().args(["down", "--name", &self.id])) {
            eprintln!("lab {}: teardown failed: {error}", self.id);
        }
    }
}

fn lab_script() -> Command {
    Command::new(Path::new(env!("CARGO_MANIFEST_DIR")).join("lab/lab.sh"))
}
