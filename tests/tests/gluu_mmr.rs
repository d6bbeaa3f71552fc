//! playbooks/gluu-mmr.yml on the Gluu lab, for real: two servers clustered by the playbook
//! replicate adds, modifies and deletes both ways over LDAPS; a third server joins with the
//! same playbook; NGINX keeps `/oxauth` on one backend and fails over when it stops; a second
//! run changes and restarts nothing; `--tags ntp` touches only the cron entry; a missing
//! setting stops the run before any host changes; step 8 proves replication with canaries
//! and fails, with slapd's failure lines, when one direction does not replicate.

use std::path::{Path, PathBuf};
use std::time::Duration;

use troupe_e2e::{run_troupe, wait_until, GluuLab, RunResult, GLUU_ROOT, LDAP_PASSWORD};

/// Bounds every wait for replication or failover; a healthy lab is done in seconds.
const PATIENCE: Duration = Duration::from_secs(90);
const PLAYBOOK: &str = "playbooks/gluu-mmr.yml";
const LAB_VARS: &str = "@tests/lab/gluu/lab-vars.yml";
/// The directory manager password, kept in Vault.
const LAB_SECRETS: [&str; 4] = [
    "-e",
    "@tests/lab/gluu/lab-secrets.yml",
    "--vault-password-file",
    "tests/lab/gluu/lab-vault-pass",
];
const SLAPD_CONF: &str = "/opt/symas/etc/openldap/slapd.conf";
const SLAPD_PID: &str = "cat /var/symas/run/slapd.pid";
const NTP_CRON_MARK: &str = "#Ansible: ntpdate every minute";
/// Where step 8 puts its canaries while it runs.
const VERIFY_SUBTREE: &str = "ou=gluu-mmr-verify,o=gluu";

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

fn run_playbook(inventory: &Path, extra: &[&str]) -> RunResult {
    let inventory = inventory.to_str().expect("utf-8 path");
    let mut args = vec!["run", PLAYBOOK, "-i", inventory, "-e", LAB_VARS];
    args.extend_from_slice(&LAB_SECRETS);
    args.extend_from_slice(extra);
    run_troupe(&workspace(), &args)
}

/// The lab's inventory without `server` in any group (`up.sh` writes each host as three lines).
fn inventory_without(inventory: &str, server: &str) -> String {
    let head = format!("        {server}:");
    let mut lines = inventory.lines();
    let mut kept = Vec::new();
    while let Some(line) = lines.next() {
        if line == head {
            lines.nth(1);
        } else {
            kept.push(line);
        }
    }
    kept.join("\n") + "\n"
}

/// Talks LDAPS to one server's slapd by its FQDN, from inside its own chroot, as the playbook
/// left it (ldap.conf trusts the self-signed certificate).
struct Ldap<'a> {
    gluu: &'a GluuLab,
    host: &'a str,
}

impl Ldap<'_> {
    fn bind(&self) -> String {
        format!(
            "-H ldaps://{}:1636 -x -D 'cn=directory manager,o=gluu' -w '{LDAP_PASSWORD}'",
            GluuLab::fqdn(self.host)
        )
    }

    /// Feeds `ldif` lines (single-quote free) to `tool` (ldapadd, ldapmodify).
    fn write(&self, tool: &str, ldif: &[&str]) {
        let lines: Vec<String> = ldif.iter().map(|l| format!("'{l}'")).collect();
        let cmd = format!(
            "printf '%s\\n' {} | {tool} {}",
            lines.join(" "),
            self.bind()
        );
        self.gluu
            .chroot_stdout(self.host, &cmd)
            .unwrap_or_else(|e| panic!("{tool} on {}: {e}", self.host));
    }

    fn add_person(&self, uid: &str) {
        self.write(
            "ldapadd",
            &[
                &format!("dn: {}", dn(uid)),
                "objectClass: top",
                "objectClass: gluuPerson",
                &format!("inum: {uid}"),
                &format!("uid: {uid}"),
                &format!("cn: {uid}"),
                "gluuStatus: active",
            ],
        );
    }

    fn set_cn(&self, uid: &str, cn: &str) {
        self.write(
            "ldapmodify",
            &[
                &format!("dn: {}", dn(uid)),
                "changetype: modify",
                "replace: cn",
                &format!("cn: {cn}"),
            ],
        );
    }

    fn delete(&self, uid: &str) {
        let cmd = format!("ldapdelete {} '{}'", self.bind(), dn(uid));
        self.gluu
            .chroot_stdout(self.host, &cmd)
            .unwrap_or_else(|e| panic!("ldapdelete on {}: {e}", self.host));
    }

    /// The person's cn here, None when absent or slapd does not answer.
    fn cn_of(&self, uid: &str) -> Option<String> {
        let cmd = format!(
            "ldapsearch -LLL -o ldif-wrap=no {} -b o=gluu '(uid={uid})' cn",
            self.bind()
        );
        let out = self.gluu.in_chroot(self.host, &cmd).ok()?;
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        text.lines()
            .find_map(|l| l.strip_prefix("cn: "))
            .map(str::to_owned)
    }

    /// Whether the entry `dn` exists here.
    fn has_dn(&self, dn: &str) -> bool {
        self.gluu
            .in_chroot(
                self.host,
                &format!("ldapsearch -LLL {} -b '{dn}' -s base dn", self.bind()),
            )
            .is_ok_and(|out| out.status.success())
    }

    fn answers(&self) -> bool {
        self.gluu
            .in_chroot(
                self.host,
                &format!("ldapsearch -LLL {} -b o=gluu -s base dn", self.bind()),
            )
            .is_ok_and(|out| out.status.success())
    }
}

fn dn(uid: &str) -> String {
    format!("inum={uid},ou=people,o=gluu")
}

fn ldap<'a>(gluu: &'a GluuLab, host: &'a str) -> Ldap<'a> {
    Ldap { gluu, host }
}

fn wait_for_cn(gluu: &GluuLab, host: &str, uid: &str, cn: Option<&str>) {
    let server = ldap(gluu, host);
    wait_until(&format!("{uid} with cn {cn:?} on {host}"), PATIENCE, || {
        server.answers() && server.cn_of(uid).as_deref() == cn
    });
}

/// slapd's pid on every given server, to prove nothing restarted.
fn slapd_pids(gluu: &GluuLab, hosts: &[&str]) -> Vec<String> {
    hosts
        .iter()
        .map(|h| gluu.chroot_stdout(h, SLAPD_PID).expect("slapd pidfile"))
        .collect()
}

fn assert_converged(run: &RunResult) {
    run.assert_ok();
    assert_eq!(
        run.changed(),
        0,
        "second run changed something:\n{}",
        run.stdout
    );
    assert!(
        !run.stdout.contains("RUNNING HANDLER"),
        "a handler ran on a converged cluster:\n{}",
        run.stdout
    );
}

/// `/oxauth` through the load balancer, from the load balancer itself: the backend's FQDN.
fn oxauth_backend(gluu: &GluuLab, lb: &str) -> Option<String> {
    let body = gluu
        .host_stdout(
            lb,
            &format!("curl -sSfk https://{}/oxauth", GluuLab::fqdn(lb)),
        )
        .ok()?;
    body.strip_prefix("Gluu Server stand-in on ")?
        .strip_suffix(": /oxauth")
        .map(str::to_owned)
}

#[test]
fn the_playbook_clusters_gluu_servers_that_replicate_and_a_third_one_joins() {
    let gluu = GluuLab::up("gluu-e2e", 3, true).expect("gluu lab up");
    let lb = gluu.load_balancer().expect("load balancer").name.clone();
    let full_inventory = gluu.inventory_path();
    let full = std::fs::read_to_string(&full_inventory).expect("inventory");
    let two_inventory = full_inventory.with_file_name("gluu-inventory-h01-h02.yml");
    std::fs::write(&two_inventory, inventory_without(&full, "h03")).expect("write inventory");

    // A setting missing from the inventory stops the run before any step changes a host:
    // h02's chroot is still the bare package's (step 2 would have copied the primary's).
    let refused = run_playbook(&two_inventory, &["-e", "gluu_nginx_fqdn="]);
    assert_ne!(refused.code, 0, "{}", refused.stdout);
    assert!(
        refused.stdout.contains("set gluu_nginx_fqdn"),
        "{}",
        refused.stdout
    );
    assert_eq!(refused.changed(), 0, "{}", refused.stdout);
    assert!(
        gluu.host_stdout("h02", &format!("test ! -e {GLUU_ROOT}{SLAPD_CONF}"))
            .is_ok(),
        "h02 was changed by a refused run"
    );

    // Two servers and the load balancer, as in the guide.
    let first = run_playbook(&two_inventory, &[]);
    first.assert_ok();
    assert_eq!(first.recap_hosts(), ["h01", "h02", lb.as_str()]);
    assert!(first
        .stdout
        .contains("RUNNING HANDLER [gluu_common : Force-reload solserver]"));

    // A second run changes nothing and restarts nothing.
    let pids = slapd_pids(&gluu, &["h01", "h02"]);
    assert_converged(&run_playbook(&two_inventory, &[]));
    assert_eq!(slapd_pids(&gluu, &["h01", "h02"]), pids);

    // The primary's tree reached h02's emptied main_db; writes replicate both ways.
    wait_for_cn(&gluu, "h02", "admin", Some("Default Admin User"));
    ldap(&gluu, "h01").add_person("mmr-1");
    wait_for_cn(&gluu, "h02", "mmr-1", Some("mmr-1"));
    ldap(&gluu, "h02").set_cn("mmr-1", "changed on h02");
    wait_for_cn(&gluu, "h01", "mmr-1", Some("changed on h02"));
    ldap(&gluu, "h01").delete("mmr-1");
    wait_for_cn(&gluu, "h02", "mmr-1", None);
    ldap(&gluu, "h02").add_person("mmr-2");
    wait_for_cn(&gluu, "h01", "mmr-2", Some("mmr-2"));

    // Step 8 alone, any time: canaries prove both directions, and nothing durable changes.
    let verify = run_playbook(&two_inventory, &["--tags", "verify"]);
    assert_converged(&verify);
    assert!(
        !verify.stdout.contains(LDAP_PASSWORD),
        "the password shows:\n{}",
        verify.stdout
    );
    assert!(!ldap(&gluu, "h01").has_dn(VERIFY_SUBTREE));
    assert!(!ldap(&gluu, "h02").has_dn(VERIFY_SUBTREE));

    // h02 consumes from h01 with wrong credentials: slapd runs and logs "syncrepl" lines, but
    // h01's writes never reach h02. Step 8 fails on h02, naming h01, with slapd's failure lines.
    gluu.chroot_stdout(
        "h02",
        &format!("sed -i 's/credentials=[^ ]*/credentials=wrong/' {SLAPD_CONF} && service solserver restart"),
    )
    .expect("break h02's replication credentials");
    let broken = run_playbook(
        &two_inventory,
        &["--tags", "verify", "-e", "gluu_verify_timeout=15"],
    );
    assert_ne!(broken.code, 0, "{}", broken.stdout);
    assert!(
        broken
            .stdout
            .contains("ou=gluu-mmr-verify,o=gluu, added on h01, has not reached h02"),
        "{}",
        broken.stdout
    );
    // Both sides: h02 retrying with rc 49, h01 refusing the bind (err=49).
    assert!(
        broken
            .stdout
            .contains("do_syncrepl: rid=001 rc 49 retrying"),
        "{}",
        broken.stdout
    );
    assert!(
        broken.stdout.contains(" h01 slapd[") && broken.stdout.contains("err=49 "),
        "{}",
        broken.stdout
    );
    assert!(!broken.stdout.contains(LDAP_PASSWORD), "{}", broken.stdout);
    // The playbook puts the credentials back, and step 8 proves replication again.
    let repaired = run_playbook(&two_inventory, &[]);
    repaired.assert_ok();
    assert_converged(&run_playbook(&two_inventory, &[]));

    // NGINX: /oxauth sticks to one backend (ip_hash) and fails over when its web server stops.
    let sticky = oxauth_backend(&gluu, &lb).expect("/oxauth answers through nginx");
    for _ in 0..5 {
        assert_eq!(oxauth_backend(&gluu, &lb).as_deref(), Some(sticky.as_str()));
    }
    let backend = sticky.split('.').next().expect("host name").to_owned();
    gluu.chroot_stdout(&backend, "service nginx stop")
        .expect("stop the backend's web server");
    let other = oxauth_backend(&gluu, &lb).expect("/oxauth answers after failover");
    assert_ne!(other, sticky);
    gluu.chroot_stdout(&backend, "service nginx start")
        .expect("start the backend's web server");

    // --tags ntp: only the missing cron entry comes back; slapd.conf and slapd are untouched.
    gluu.host_stdout(
        "h02",
        &format!("crontab -l | grep -v -e '^{NTP_CRON_MARK}$' -e ntpdate | crontab -"),
    )
    .expect("remove h02's cron entry");
    let mtime = |h: &str| {
        gluu.host_stdout(h, &format!("stat -c %Y.%y {GLUU_ROOT}{SLAPD_CONF}"))
            .expect("stat slapd.conf")
    };
    let mtimes = (mtime("h01"), mtime("h02"));
    let pids = slapd_pids(&gluu, &["h01", "h02"]);
    let ntp = run_playbook(&two_inventory, &["--tags", "ntp"]);
    ntp.assert_ok();
    assert_eq!(ntp.changed(), 1, "{}", ntp.stdout);
    assert_eq!(ntp.recap("h02", "changed"), 1);
    assert!(!ntp.stdout.contains("RUNNING HANDLER"), "{}", ntp.stdout);
    let cron = gluu.host_stdout("h02", "crontab -l").expect("crontab");
    assert!(
        cron.contains(NTP_CRON_MARK) && cron.contains("/usr/sbin/ntpdate -s "),
        "{cron}"
    );
    assert_eq!((mtime("h01"), mtime("h02")), mtimes);
    assert_eq!(slapd_pids(&gluu, &["h01", "h02"]), pids);

    // A third server joins with the same playbook and the full inventory.
    let join = run_playbook(&full_inventory, &[]);
    join.assert_ok();
    assert_eq!(join.recap_hosts(), ["h01", "h02", "h03", lb.as_str()]);
    wait_for_cn(&gluu, "h03", "mmr-2", Some("mmr-2"));
    ldap(&gluu, "h03").add_person("mmr-3");
    wait_for_cn(&gluu, "h01", "mmr-3", Some("mmr-3"));
    wait_for_cn(&gluu, "h02", "mmr-3", Some("mmr-3"));
    ldap(&gluu, "h02").set_cn("mmr-3", "changed on h02");
    wait_for_cn(&gluu, "h03", "mmr-3", Some("changed on h02"));
    ldap(&gluu, "h01").delete("mmr-2");
    wait_for_cn(&gluu, "h03", "mmr-2", None);
    let h03_ip = gluu.servers()[2].ip.to_string();
    let nginx_conf = gluu
        .host_stdout(&lb, "cat /etc/nginx/nginx.conf")
        .expect("nginx.conf");
    assert_eq!(
        nginx_conf.matches(&format!("server {h03_ip}:443;")).count(),
        2
    );

    let pids = slapd_pids(&gluu, &["h01", "h02", "h03"]);
    assert_converged(&run_playbook(&full_inventory, &[]));
    assert_eq!(slapd_pids(&gluu, &["h01", "h02", "h03"]), pids);
    gluu.down().expect("down");
}

#[test]
fn inventory_without_drops_one_host_and_keeps_the_rest() {
    let full = "    gluu_servers:\n      hosts:\n        h01:\n          ansible_host: 10.0.0.11\n          lab_fqdn: h01.gluu.lab\n        h03:\n          ansible_host: 10.0.0.13\n          lab_fqdn: h03.gluu.lab\n    gluu_lb:\n      hosts:\n        h04:\n          ansible_host: 10.0.0.14\n          lab_fqdn: h04.gluu.lab\n";
    let two = inventory_without(full, "h03");
    assert!(!two.contains("h03") && !two.contains("10.0.0.13"));
    assert!(two.contains("        h01:\n          ansible_host: 10.0.0.11\n"));
    assert!(two.ends_with(
        "        h04:\n          ansible_host: 10.0.0.14\n          lab_fqdn: h04.gluu.lab\n"
    ));
}
