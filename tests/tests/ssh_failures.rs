//! Hosts that are down, cut off or die mid-run: each is reported unreachable with a reason,
//! the other hosts finish, the recap counts it and the exit code says so.

use std::{thread, time::Duration, time::Instant};

use troupe_e2e::{Lab, Project};

const PLAYBOOK: &str = r#"
- hosts: lab
  gather_facts: false
  tasks:
    - copy: {content: "one\n", dest: /tmp/one}
    - shell: sleep {{ nap | default(0) }}
    - copy: {content: "two\n", dest: /tmp/two}
"#;

#[test]
fn stopped_and_disconnected_hosts_are_unreachable_and_the_others_finish() {
    let lab = Lab::up("down", 4).expect("lab");
    lab.stop("h02").unwrap();
    lab.disconnect("h03").unwrap();
    let p = Project::new("down");
    p.write("playbook.yml", PLAYBOOK);
    let started = Instant::now();
    let r = p.run(&lab, "playbook.yml", &["-T", "5"]);
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(r.code, 4, "unreachable hosts give Ansible's exit code 4");
    for h in ["h02", "h03"] {
        assert_eq!(r.recap(h, "unreachable"), 1, "{}", r.stdout);
    }
    assert!(r.stdout.contains("UNREACHABLE"), "{}", r.stdout);
    for h in ["h01", "h04"] {
        assert_eq!(r.recap(h, "unreachable"), 0);
        assert_eq!(r.recap(h, "changed"), 3);
        assert_eq!(lab.ssh_stdout("root", h, "cat /tmp/two").unwrap(), "two");
    }
}

#[test]
fn a_host_killed_mid_task_ends_within_the_timeout() {
    let lab = Lab::up("killed", 3).expect("lab");
    let p = Project::new("killed");
    p.write("playbook.yml", PLAYBOOK);
    let victim = lab.hosts()[2].container.clone();
    let killer = thread::spawn(move || {
        thread::sleep(Duration::from_secs(4));
        std::process::Command::new("docker")
            .args(["kill", &victim])
            .output()
            .expect("docker kill");
    });
    let started = Instant::now();
    let r = p.run(&lab, "playbook.yml", &["-T", "6", "-e", "nap=12"]);
    killer.join().unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(45),
        "a dead host held the run for {:?}",
        started.elapsed()
    );
    assert_ne!(r.code, 0);
    assert_eq!(r.recap("h03", "unreachable"), 1, "{}", r.stdout);
    for h in ["h01", "h02"] {
        assert_eq!(r.recap(h, "changed"), 3, "{}", r.stdout);
    }
}

#[test]
fn a_large_file_streams_with_flat_controller_memory() {
    let lab = Lab::up("large", 1).expect("lab");
    let p = Project::new("large");
    let size: u64 = 300 << 20;
    let big = p.path().join("files/big.bin");
    std::fs::create_dir_all(big.parent().unwrap()).unwrap();
    // Not all zeros, so nothing can shortcut the content.
    let mut data = vec![0u8; 1 << 20];
    for (i, b) in data.iter_mut().enumerate() {
        *b = (i * 7 % 251) as u8;
    }
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&big).unwrap();
        for _ in 0..(size >> 20) {
            f.write_all(&data).unwrap();
        }
    }
    p.write("playbook.yml", "- hosts: lab\n  gather_facts: false\n  tasks:\n    - copy: {src: big.bin, dest: /tmp/big.bin}\n");
    let inventory = lab.inventory_path().display().to_string();
    let r = troupe_e2e::run_troupe_with(
        std::process::Command::new("/usr/bin/time")
            .args(["-f", "maxrss_kb=%M"])
            .arg(troupe_e2e::troupe_bin())
            .args(["run", "playbook.yml", "-i", &inventory])
            .current_dir(p.path()),
    );
    r.assert_ok();
    let rss_kb: u64 = r
        .stderr
        .lines()
        .find_map(|l| l.strip_prefix("maxrss_kb=")?.trim().parse().ok())
        .expect("time output");
    assert!(
        rss_kb < 100 * 1024,
        "controller used {rss_kb} KiB to send a {size}-byte file"
    );
    let remote = lab
        .ssh_stdout(
            "root",
            "h01",
            "stat -c %s /tmp/big.bin; ls -a /tmp | grep -c troupe || true",
        )
        .unwrap();
    assert_eq!(remote, format!("{size}\n0"));
    let local_sum = std::process::Command::new("sha1sum")
        .arg(&big)
        .output()
        .unwrap();
    let local_sum = String::from_utf8_lossy(&local_sum.stdout)
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    let remote_sum = lab
        .ssh_stdout("root", "h01", "sha1sum /tmp/big.bin | cut -d' ' -f1")
        .unwrap();
    assert_eq!(local_sum, remote_sum);
}

/// The processes whose command line names `dir`: troupe's shells (ssh mux clients, whose
/// `ControlPath` is in it) and the masters (ssh titles them with their socket's path).
fn ssh_processes_under(dir: &std::path::Path) -> Vec<String> {
    let out = std::process::Command::new("pgrep")
        .args(["-a", "-f", &dir.display().to_string()])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

fn sockets_in(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |entries| entries.count())
}

/// The openssh transport: the masters are its own.
const OPENSSH: [&str; 2] = ["-e", "troupe_ssh_transport=openssh"];

#[test]
fn a_finished_run_leaves_one_master_per_host_for_the_next() {
    let lab = Lab::up("persist", 2).expect("lab");
    let p = Project::new("persist");
    p.write("playbook.yml", PLAYBOOK);
    p.run(&lab, "playbook.yml", &OPENSSH).assert_ok();
    let dir = lab.control_dir();
    let left = ssh_processes_under(&dir);
    assert_eq!(left.len(), 2, "only the masters stay: {left:?}");
    assert!(left.iter().all(|l| l.contains("[mux]")), "{left:?}");
    assert_eq!(sockets_in(&dir), 2);
    let again = p.run(&lab, "playbook.yml", &OPENSSH);
    again.assert_ok();
    assert_eq!(
        ssh_processes_under(&dir),
        left,
        "the next run went through the same masters"
    );
}

/// Starts a run whose tasks sleep a minute, over `transport`.
fn sleeping_run(lab: &Lab, p: &Project, transport: &str) -> std::process::Child {
    let inventory = lab.inventory_path().display().to_string();
    std::process::Command::new(troupe_e2e::troupe_bin())
        .args(["run", "playbook.yml", "-i", &inventory, "-e", "nap=60"])
        .args(["-e", &format!("troupe_ssh_transport={transport}")])
        .current_dir(p.path())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("troupe starts")
}

/// Sends Ctrl-C to `child`; its exit status, once it ended (within 15 s).
fn interrupt(child: &mut std::process::Child) -> std::process::ExitStatus {
    std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "troupe ignored Ctrl-C"
        );
        thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn ctrl_c_stops_a_native_run_and_its_connections() {
    let lab = Lab::up("ctrlcn", 2).expect("lab");
    let p = Project::new("ctrlcn");
    p.write("playbook.yml", PLAYBOOK);
    // sshd's process for each connection's sessions; the count includes the asking one's.
    let sessions = || {
        let n = lab
            .ssh_stdout("root", "h01", "pgrep -c -f '^sshd: root@notty' || true")
            .unwrap();
        n.trim().parse::<u32>().unwrap() - 1
    };
    let mut child = sleeping_run(&lab, &p, "native");
    thread::sleep(Duration::from_secs(4));
    assert_eq!(sessions(), 1, "troupe's connection to h01 is open");
    assert_eq!(interrupt(&mut child).code(), Some(130));
    let mut left = 1;
    for _ in 0..50 {
        left = sessions();
        if left == 0 {
            break;
        }
        thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(left, 0, "troupe's connection outlived the run");
}

#[test]
fn ctrl_c_stops_the_run_and_closes_the_master_connections() {
    let lab = Lab::up("ctrlc", 2).expect("lab");
    let p = Project::new("ctrlc");
    p.write("playbook.yml", PLAYBOOK);
    // The lab's own control dir: every master and shell of this run names it.
    let dir = lab.control_dir();
    let mut child = sleeping_run(&lab, &p, "openssh");
    thread::sleep(Duration::from_secs(4));
    let running = ssh_processes_under(&dir);
    assert!(
        running.iter().any(|l| l.contains("[mux]")) && running.len() >= 4,
        "two masters and two shells run under {}: {running:?}",
        dir.display()
    );
    assert_eq!(interrupt(&mut child).code(), Some(130));
    thread::sleep(Duration::from_millis(500));
    let left = ssh_processes_under(&dir);
    assert!(left.is_empty(), "ssh processes outlived troupe: {left:?}");
    assert_eq!(sockets_in(&dir), 0, "control sockets left behind");
}
