//! The guide's two-server example (server1.com, server2.com, password `secret`) rendered by
//! the shipped gluu_slapd role must equal, byte for byte, the slapd.conf files written by
//! hand from what create_slapd_conf.py produces (tests/gluu/expected/). No host is touched:
//! the test playbook runs with `connection: local` into a temp folder.

use std::{path::Path, process::Command};

use troupe_e2e::run_troupe_with;

#[test]
fn slapd_conf_for_the_guide_example_matches_the_script_output() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let out = tempfile::tempdir().unwrap();
    let render_dir = format!("gluu_render_dir={}", out.path().display());
    let run = || {
        run_troupe_with(
            Command::new(env!("CARGO_BIN_EXE_troupe"))
                .current_dir(root)
                .args([
                    "run",
                    "tests/gluu/render-slapd.yml",
                    "-i",
                    "playbooks/examples/inventory.yml",
                    "-e",
                    &render_dir,
                ]),
        )
    };
    let first = run();
    first.assert_ok();
    for server in ["server1.com", "server2.com"] {
        let rendered = std::fs::read_to_string(
            out.path()
                .join(server)
                .join("opt/symas/etc/openldap/slapd.conf"),
        )
        .unwrap();
        let expected = std::fs::read_to_string(
            root.join("tests/gluu/expected")
                .join(format!("{}.conf", server.replace('.', "_"))),
        )
        .unwrap();
        assert_eq!(rendered, expected, "{server}");
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(
            out.path()
                .join(server)
                .join("opt/symas/etc/openldap/slapd.conf"),
        )
        .unwrap()
        .permissions()
        .mode();
        assert_eq!(mode & 0o777, 0o600, "slapd.conf holds credentials");
    }
    let second = run();
    second.assert_ok();
    assert_eq!(second.changed(), 0, "{}", second.stdout);
    assert!(
        !second.stdout.contains("RUNNING HANDLER"),
        "a second run reloaded slapd:\n{}",
        second.stdout
    );
}
