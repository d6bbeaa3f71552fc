//! A Gluu lab (`lab/gluu/up.sh`): hosts standing in for Gluu Server 3.1.0
//! installs, `h01` installed (the primary) and the others with the package
//! only, plus a plain host for the load balancer. See `lab/gluu/README.md`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::command::{checked, output};
use crate::{Host, Lab, LabError};

/// The Gluu Server's chroot on every Gluu host.
pub const GLUU_ROOT: &str = "/opt/gluu-server-3.1.0";
/// The host-side service that mounts the chroot and starts what runs inside.
pub const GLUU_SERVICE: &str = "gluu-server-3.1.0";
/// cn=directory manager's password on the installed host (setup's, in `start-gluu.sh`).
pub const LDAP_PASSWORD: &str = "Gluu-lab-1";
/// Every host `hNN` is `hNN.gluu.lab` on the lab network, inside the chroots too.
pub const DOMAIN: &str = "gluu.lab";

/// A running Gluu lab, torn down on drop like [`Lab`].
#[derive(Debug)]
pub struct GluuLab {
    lab: Lab,
    servers: usize,
}

impl GluuLab {
    /// Brings up `servers` Gluu hosts and, with `load_balancer`, one plain host
    /// after them, building the images first if their recipes changed.
    pub fn up(name: &str, servers: usize, load_balancer: bool) -> Result<GluuLab, LabError> {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("lab/gluu/up.sh");
        let count = servers.to_string();
        let mut args = vec![count.as_str()];
        if !load_balancer {
            args.push("--no-load-balancer");
        }
        let lab = Lab::up_with_script(name, &script, &args)?;
        Ok(GluuLab { lab, servers })
    }

    /// The underlying lab: ssh, docker exec, stop, kill, disconnect...
    pub fn lab(&self) -> &Lab {
        &self.lab
    }

    /// Ansible YAML inventory: groups `gluu_servers` and `gluu_lb`, each
    /// host with `ansible_host` and `lab_fqdn`.
    pub fn inventory_path(&self) -> PathBuf {
        self.lab
            .inventory_path()
            .with_file_name("gluu-inventory.yml")
    }

    /// The Gluu hosts, `h01` (installed) first.
    pub fn servers(&self) -> &[Host] {
        &self.lab.hosts()[..self.servers]
    }

    pub fn load_balancer(&self) -> Option<&Host> {
        self.lab.hosts().get(self.servers)
    }

    /// `host`'s name on the lab network, e.g. `h01.gluu.lab`.
    pub fn fqdn(host: &str) -> String {
        format!("{host}.{DOMAIN}")
    }

    /// Runs `cmd` with `sh` inside `host`'s Gluu chroot, as the guide's
    /// `service gluu-server-3.1.0 login` shell would; any exit status is returned.
    pub fn in_chroot(&self, host: &str, cmd: &str) -> Result<Output, LabError> {
        output(&mut self.chroot_command(host, cmd)?)
    }

    /// Like [`GluuLab::in_chroot`], returning trimmed stdout; non-zero exit is an error.
    pub fn chroot_stdout(&self, host: &str, cmd: &str) -> Result<String, LabError> {
        checked(&mut self.chroot_command(host, cmd)?).map(|out| out.trim().to_owned())
    }

    fn chroot_command(&self, host: &str, cmd: &str) -> Result<Command, LabError> {
        let container = &self.lab.host(host)?.container;
        let mut command = Command::new("docker");
        command.args(["exec", container, "chroot", GLUU_ROOT, "/bin/sh", "-c", cmd]);
        Ok(command)
    }

    /// Runs `cmd` with `sh` on `host` itself (outside the chroot); non-zero exit is an error.
    pub fn host_stdout(&self, host: &str, cmd: &str) -> Result<String, LabError> {
        let container = &self.lab.host(host)?.container;
        checked(Command::new("docker").args(["exec", container, "sh", "-c", cmd]))
            .map(|out| out.trim().to_owned())
    }

    /// The guide's step 2: stops Gluu on both hosts and replaces `to`'s chroot
    /// with an archive of `from`'s. Both are left stopped.
    pub fn copy_install(&self, from: &str, to: &str) -> Result<(), LabError> {
        let stop = format!("service {GLUU_SERVICE} stop");
        self.host_stdout(from, &stop)?;
        self.host_stdout(to, &stop)?;
        let root = GLUU_ROOT.trim_start_matches('/');
        let pipeline = format!(
            "set -o pipefail; docker exec {from_container} tar -C / -cf - {root} | \
             docker exec -i {to_container} sh -c 'rm -rf /{root} && tar -C / -xf -'",
            from_container = self.lab.host(from)?.container,
            to_container = self.lab.host(to)?.container,
        );
        checked(Command::new("bash").args(["-c", &pipeline])).map(drop)
    }

    /// Removes the lab now, reporting failure (drop can't).
    pub fn down(self) -> Result<(), LabError> {
        self.lab.down()
    }
}
