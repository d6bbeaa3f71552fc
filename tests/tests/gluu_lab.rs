//! The Gluu lab stands in for Gluu Server 3.1.0 installs faithfully enough for
//! the clustering playbook: slapd answers ldaps as the guide expects, solserver
//! really restarts, the web stand-in names its server, and the reference
//! delta-syncrepl MMR config replicates between two servers.

use std::time::Duration;

use troupe_e2e::{
    render_reference_slapd_conf, wait_until, GluuLab, MmrServer, GLUU_ROOT, GLUU_SERVICE,
    LDAP_PASSWORD,
};

const SOLSERVER_PID: &str = "cat /var/symas/run/slapd.pid";
const SETUP_MARK: &str = "/install/community-edition-setup/setup.properties.last";
/// Bounds waits for replication; a healthy lab is done in seconds.
const PATIENCE: Duration = Duration::from_secs(120);

fn ldapsearch(uri: &str, password: &str, base: &str, filter: &str) -> String {
    format!(
        "LDAPTLS_REQCERT=never ldapsearch -LLL -o ldif-wrap=no -H {uri} -x \
         -D 'cn=directory manager,o=gluu' -w '{password}' -b '{base}' '{filter}' dn"
    )
}

fn wait_for(what: &str, probe: impl FnMut() -> bool) {
    wait_until(what, PATIENCE, probe);
}

fn set_host_list(gluu: &GluuLab, host: &str) {
    gluu.chroot_stdout(
        host,
        r#"sed -i 's|^HOST_LIST=.*|HOST_LIST="ldaps://0.0.0.0:1636/ ldaps:///"|' /opt/symas/etc/openldap/symas-openldap.conf"#,
    )
    .expect("edit HOST_LIST");
}

#[test]
fn an_installed_server_serves_ldaps_and_https_and_force_reload_restarts_slapd() {
    let gluu = GluuLab::up("gluu-one", 2, false).expect("gluu lab up");
    let (h01, h02) = ("h01", "h02");
    let h01_uri = format!("ldaps://{}:1636", GluuLab::fqdn(h01));

    // h01 ran setup; h02 has the package only.
    gluu.chroot_stdout(h01, &format!("test -s {SETUP_MARK}"))
        .expect("setup ran on h01");
    assert!(!gluu
        .in_chroot(h02, &format!("test -e {SETUP_MARK}"))
        .unwrap()
        .status
        .success());
    assert!(!gluu
        .in_chroot(h02, "test -e /opt/symas/etc/openldap/slapd.conf")
        .unwrap()
        .status
        .success());
    let h02_status = gluu
        .lab()
        .docker_exec(h02, &format!("service {GLUU_SERVICE} status"))
        .unwrap();
    assert_eq!(
        h02_status.status.code(),
        Some(3),
        "solserver runs on a host without setup"
    );
    gluu.host_stdout(h01, &format!("service {GLUU_SERVICE} status"))
        .expect("solserver runs on h01");

    // As installed, slapd listens on 127.0.0.1 only.
    let search_admin = ldapsearch(&h01_uri, LDAP_PASSWORD, "o=gluu", "(uid=admin)");
    assert!(
        !gluu.in_chroot(h02, &search_admin).unwrap().status.success(),
        "h01's slapd answered h02 before HOST_LIST changed"
    );
    let local = ldapsearch(
        "ldaps://127.0.0.1:1636",
        LDAP_PASSWORD,
        "o=gluu",
        "(uid=admin)",
    );
    assert!(gluu
        .chroot_stdout(h01, &local)
        .expect("local search")
        .contains("ou=people,o=gluu"));

    // The guide's step 5 and 7: every address, then force-reload.
    set_host_list(&gluu, h01);
    let pid_before = gluu.chroot_stdout(h01, SOLSERVER_PID).expect("pidfile");
    gluu.chroot_stdout(h01, "service solserver force-reload")
        .expect("force-reload");
    let pid_after = gluu.chroot_stdout(h01, SOLSERVER_PID).expect("pidfile");
    assert_ne!(pid_before, pid_after, "force-reload did not restart slapd");
    gluu.chroot_stdout(h01, &format!("kill -0 {pid_after}"))
        .expect("new slapd runs");
    gluu.host_stdout(
        h01,
        &format!("! kill -0 {pid_before} 2>/dev/null || grep -q zombie /proc/{pid_before}/status"),
    )
    .expect("old slapd is gone");

    // Now h02 reaches it by FQDN from inside its chroot (the chroot resolves like the host).
    let found = gluu
        .chroot_stdout(h02, &search_admin)
        .expect("remote ldaps search");
    assert!(
        found.contains("dn: inum=@!1111.2222!0000!admin,ou=people,o=gluu"),
        "{found}"
    );
    let wrong_password = ldapsearch(&h01_uri, "wrong", "o=gluu", "(uid=admin)");
    assert!(!gluu
        .in_chroot(h02, &wrong_password)
        .unwrap()
        .status
        .success());

    // slapd logs through the chroot's rsyslog to Gluu's ldap.log.
    let log = gluu
        .host_stdout(h01, &format!("cat {GLUU_ROOT}/var/log/openldap/ldap.log"))
        .unwrap();
    assert!(log.contains("slapd starting"), "ldap.log: {log}");

    // The web stand-in answers the paths the load balancer proxies, naming its server.
    for path in [
        "/oxauth",
        "/identity",
        "/.well-known/openid-configuration",
        "/",
    ] {
        let body = gluu
            .host_stdout(
                h02,
                &format!("curl -sSfk https://{}{path}", GluuLab::fqdn(h01)),
            )
            .expect("https");
        assert_eq!(
            body,
            format!("Gluu Server stand-in on {}: {path}", GluuLab::fqdn(h01))
        );
    }

    // login opens a shell inside the chroot.
    let root = gluu
        .host_stdout(h01, &format!("echo 'cat /etc/debian_version; test -x /etc/init.d/solserver && echo chroot' | service {GLUU_SERVICE} login"))
        .expect("login");
    assert!(root.ends_with("chroot"), "{root}");
    gluu.down().expect("down");
}

#[test]
fn the_reference_mmr_config_replicates_adds_both_ways() {
    let gluu = GluuLab::up("gluu-mmr", 2, true).expect("gluu lab up");
    let names = ["h01", "h02"];
    let servers: Vec<MmrServer> = names
        .iter()
        .enumerate()
        .map(|(index, name)| MmrServer {
            serverid: index as u32 + 1,
            fqdn: GluuLab::fqdn(name),
            // Distinct passwords prove each syncrepl binds with its provider's.
            ldap_password: format!("{LDAP_PASSWORD}-{}", index + 1),
        })
        .collect();
    let inventory = std::fs::read_to_string(gluu.inventory_path()).expect("inventory");
    assert!(inventory.contains("gluu_servers:") && inventory.contains("gluu_lb:"));
    assert!(inventory.contains("lab_fqdn: h03.gluu.lab"));
    let lb = gluu.load_balancer().expect("load balancer").name.clone();
    assert!(gluu
        .host_stdout(&lb, &format!("test ! -e {GLUU_ROOT}"))
        .is_ok());
    // The load balancer reaches the servers' web stand-ins by FQDN.
    let body = gluu
        .host_stdout(&lb, "curl -sSfk https://h01.gluu.lab/oxauth")
        .expect("https");
    assert!(body.contains("h01.gluu.lab"), "{body}");

    // Step 2: h02 gets h01's install.
    gluu.copy_install("h01", "h02").expect("copy install");
    for name in names {
        gluu.host_stdout(name, &format!("service {GLUU_SERVICE} start"))
            .expect("start");
    }
    // Step 4: h02's main_db is refilled by replication; accesslog_db everywhere.
    gluu.chroot_stdout(
        "h02",
        "service solserver stop && rm /opt/gluu/data/main_db/*.mdb",
    )
    .expect("empty h02's main_db");
    for (index, name) in names.iter().enumerate() {
        let hash = gluu
            .chroot_stdout(
                name,
                &format!("slappasswd -s '{}'", servers[index].ldap_password),
            )
            .expect("slappasswd");
        let conf = render_reference_slapd_conf(&servers, index, &hash).expect("render");
        assert_eq!(conf.matches("\nsyncrepl\n").count(), 1, "{conf}");
        // Step 5: slapd.conf (slapd reads it as user ldap: root:ldap 0640 keeps the
        // passwords from others), ldap.conf, HOST_LIST.
        let script = format!(
            "mkdir -p /opt/gluu/data/accesslog_db && chown -R ldap:ldap /opt/gluu/data && \
             echo {conf} | base64 -d >/opt/symas/etc/openldap/slapd.conf && \
             chown root:ldap /opt/symas/etc/openldap/slapd.conf && \
             chmod 640 /opt/symas/etc/openldap/slapd.conf && \
             printf 'TLS_CACERT /etc/certs/openldap.pem\\nTLS_REQCERT never\\n' >>/opt/symas/etc/openldap/ldap.conf && \
             slaptest -u -f /opt/symas/etc/openldap/slapd.conf",
            conf = base64(&conf)
        );
        gluu.chroot_stdout(name, &script).expect("write slapd.conf");
        set_host_list(&gluu, name);
    }
    // Step 7.
    for name in names {
        gluu.chroot_stdout(name, "service solserver force-reload")
            .expect("force-reload");
    }

    let search = |name: &str, index: usize, filter: &str| {
        // ldap.conf's TLS_REQCERT never now applies: no LDAPTLS_REQCERT needed.
        gluu.in_chroot(
            name,
            &format!(
                "ldapsearch -LLL -H ldaps://127.0.0.1:1636 -x -D 'cn=directory manager,o=gluu' \
                 -w '{}' -b o=gluu '{filter}' dn",
                servers[index].ldap_password
            ),
        )
        .map(|out| String::from_utf8_lossy(&out.stdout).contains("dn: "))
        .unwrap_or(false)
    };
    // The primary's tree fills h02's empty main_db.
    wait_for("h01's tree on h02", || search("h02", 1, "(uid=admin)"));

    let add = |name: &str, index: usize, uid: &str| {
        let ldif = format!(
            "dn: inum={uid},ou=people,o=gluu\nobjectClass: top\nobjectClass: gluuPerson\n\
             inum: {uid}\nuid: {uid}\ncn: {uid}\ngluuStatus: active\n"
        );
        gluu.chroot_stdout(
            name,
            &format!(
                "echo {} | base64 -d | ldapadd -H ldaps://127.0.0.1:1636 -x \
                 -D 'cn=directory manager,o=gluu' -w '{}'",
                base64(&ldif),
                servers[index].ldap_password
            ),
        )
        .expect("ldapadd");
    };
    add("h01", 0, "added-on-h01");
    wait_for("h01's add on h02", || {
        search("h02", 1, "(uid=added-on-h01)")
    });
    add("h02", 1, "added-on-h02");
    wait_for("h02's add on h01", || {
        search("h01", 0, "(uid=added-on-h02)")
    });

    // Step 8's check: the syncrepl traffic is in ldap.log.
    let log = gluu
        .host_stdout(
            "h02",
            &format!("grep -c 'do_syncrep2' {GLUU_ROOT}/var/log/openldap/ldap.log"),
        )
        .expect("do_syncrep2 in h02's ldap.log");
    assert_ne!(log, "0");
    gluu.down().expect("down");
}

/// Standard base64 without line breaks, to pass files through a command line.
fn base64(data: &str) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = data.as_bytes();
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}
