//! The lab itself: hosts answer over ssh with the lab's key, as root and as a
//! sudoer, and the fault-injection helpers really cut hosts off.

use troupe_e2e::Lab;

#[test]
fn every_host_answers_as_root_and_as_tester_with_sudo() {
    let lab = Lab::up("smoke", 3).expect("lab up");
    assert_eq!(lab.hosts().len(), 3);
    let inventory = std::fs::read_to_string(lab.inventory_path()).expect("inventory");

    for host in lab.hosts() {
        let root = |cmd| lab.ssh_stdout("root", &host.name, cmd).expect(cmd);
        let tester = |cmd| lab.ssh_stdout("tester", &host.name, cmd).expect(cmd);
        assert_eq!(root("uname -n"), host.name);
        assert_eq!(root("id -un"), "root");
        assert_eq!(tester("uname -n"), host.name);
        assert_eq!(tester("id -un"), "tester");
        assert_eq!(tester("sudo -n id -un"), "root");
        assert_eq!(tester("sudo -n -u app id -un"), "app");
        assert!(inventory.contains(&format!("ansible_host: {}\n", host.ip)));
    }
}

#[test]
fn a_disconnected_host_is_unreachable_until_reconnected() {
    let lab = Lab::up("netcut", 1).expect("lab up");
    lab.disconnect("h01").expect("disconnect");

    let cut = lab.ssh("h01", "true").expect("ssh runs");
    assert!(!cut.status.success(), "ssh reached a disconnected host");
    // The host itself keeps running.
    let inside = lab.docker_exec("h01", "uname -n").expect("docker exec");
    assert_eq!(String::from_utf8_lossy(&inside.stdout).trim(), "h01");

    lab.reconnect("h01").expect("reconnect");
    assert_eq!(
        lab.ssh_stdout("root", "h01", "uname -n").expect("ssh"),
        "h01"
    );
}

#[test]
fn a_killed_host_comes_back_on_start() {
    let lab = Lab::up("restart", 1).expect("lab up");
    lab.ssh_stdout("root", "h01", "touch /root/survives")
        .expect("ssh");
    lab.kill("h01").expect("kill");
    assert!(!lab.ssh("h01", "true").expect("ssh runs").status.success());

    lab.start("h01").expect("start");
    assert_eq!(
        lab.ssh_stdout("root", "h01", "ls /root/survives")
            .expect("ssh"),
        "/root/survives"
    );
    lab.down().expect("down");
}
