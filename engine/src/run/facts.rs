//! Fact gathering: one shell script, one round trip per host, no Python on the target.

use serde_json::json;
use troupe_modules::{Target, TargetError};

use crate::{Map, Value};

const SCRIPT: &str = r#"
h=$(hostname 2>/dev/null || cat /proc/sys/kernel/hostname)
echo "hostname=$h"
# Python's socket.getfqdn(): the host's address looked up back, first dotted name or else the
# canonical one.
a=$(getent ahosts "$h" 2>/dev/null | awk 'NR==1{print $1}')
fq=$([ -n "$a" ] && getent hosts "$a" 2>/dev/null | awk '{for(i=2;i<=NF;i++) if(index($i,".")){print $i; exit}; print $2; exit}')
echo "fqdn=${fq:-$(hostname -f 2>/dev/null || echo "$h")}"
echo "debian_version=$(cat /etc/debian_version 2>/dev/null)"
echo "system=$(uname -s)"
echo "kernel=$(uname -r)"
echo "arch=$(uname -m)"
echo "pid1=$(cat /proc/1/comm 2>/dev/null)"
echo "fips=$(cat /proc/sys/crypto/fips_enabled 2>/dev/null)"
echo "user_id=$(id -un 2>/dev/null)"
echo "user_uid=$(id -u)"
echo "user_gid=$(id -g)"
echo "passwd=$(getent passwd "$(id -u)" 2>/dev/null || grep "^$(id -un):" /etc/passwd)"
echo "nproc=$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN)"
echo "memtotal_kb=$(awk '/^MemTotal:/{print $2}' /proc/meminfo 2>/dev/null)"
echo "route=$(ip -4 route get 1.1.1.1 2>/dev/null | head -n1)"
echo "addrs=$(hostname -I 2>/dev/null || ip -4 -o addr show scope global 2>/dev/null | awk '{sub(/\/.*/,"",$4); printf "%s ", $4}')"
for m in apt-get dnf yum zypper apk pacman; do command -v $m >/dev/null 2>&1 && { echo "pkg_mgr=$m"; break; }; done
[ -d /run/systemd/system ] && echo "systemd_running=1"
[ -d /etc/init.d ] && echo "initd=1"
sed -n 's/^\([A-Z_]*\)=/os_\1=/p' /etc/os-release 2>/dev/null
env | sed -n 's/^\([A-Za-z_][A-Za-z0-9_]*\)=/env_\1=/p'
"#;

/// The Python facts, when an interpreter is there (troupe itself needs none): the first of
/// `$py_candidates` that runs prints its path, version and implementation.
const PYTHON_SCRIPT: &str = r#"
for p in $py_candidates; do
  command -v "$p" >/dev/null 2>&1 || continue
  "$p" -c 'import sys, platform
v = sys.version_info
print("python_executable=" + sys.executable)
print("python_version_info=%d %d %d %s %d" % tuple(v)[:5])
print("python_type=" + getattr(getattr(sys, "implementation", None), "name", ""))
print("python_full_version=" + platform.python_version())' 2>/dev/null && break
done
"#;

/// Gathers the basic facts Ansible users rely on, in a single remote command. `python` is the
/// host's `ansible_python_interpreter`, tried before `python3` and `python` for the Python facts.
pub fn gather(target: &dyn Target, python: Option<&str>) -> Result<Map, TargetError> {
    // Only a plain path is tried: the candidates are split on spaces by the shell.
    let plain = |p: &&str| {
        !p.is_empty()
            && p.chars()
                .all(|c| c.is_ascii_alphanumeric() || "/._+-".contains(c))
    };
    let mut candidates: Vec<&str> = python.filter(plain).into_iter().collect();
    candidates.extend(["python3", "python"]);
    let script = format!(
        "{SCRIPT}py_candidates='{}'\n{PYTHON_SCRIPT}",
        candidates.join(" ")
    );
    let out = target.run(&script, None)?;
    Ok(from_output(&out.stdout_str()))
}

/// Turns the script's `key=value` lines into facts, named as Ansible names them.
pub fn from_output(text: &str) -> Map {
    let raw: std::collections::HashMap<&str, String> = text
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k, v.trim_matches('"').to_string()))
        .collect();
    let get = |k: &str| raw.get(k).cloned().unwrap_or_default();
    // The target's environment, values as they are (no quote trimming).
    let env: Map = text
        .lines()
        .filter_map(|l| l.strip_prefix("env_")?.split_once('='))
        .map(|(k, v)| (k.to_string(), Value::from(v)))
        .collect();
    // name:x:uid:gid:gecos:home:shell
    let passwd = get("passwd");
    let passwd: Vec<&str> = passwd.split(':').collect();
    let passwd_field = |i: usize| passwd.get(i).copied().unwrap_or_default().to_string();
    let hostname = get("hostname");
    let fqdn = get("fqdn");
    let short = hostname.split('.').next().unwrap_or_default().to_string();
    let domain = fqdn
        .split_once('.')
        .map(|(_, d)| d.to_string())
        .unwrap_or_default();
    let os_id = get("os_ID");
    let (distribution, family) = distribution(&os_id, &get("os_ID_LIKE"));
    // Debian's point release is in /etc/debian_version (12.11), not in os-release (12).
    let debian_version = get("debian_version");
    let version = match debian_version.split_once('.') {
        Some((major, minor))
            if distribution == "Debian"
                && !major.is_empty()
                && major.chars().all(|c| c.is_ascii_digit())
                && minor.starts_with(|c: char| c.is_ascii_digit()) =>
        {
            debian_version.clone()
        }
        _ => get("os_VERSION_ID"),
    };
    let major = version.split('.').next().unwrap_or_default().to_string();
    let service_mgr = if get("pid1") == "systemd" || raw.contains_key("systemd_running") {
        "systemd"
    } else if raw.contains_key("initd") {
        "sysvinit"
    } else {
        "service"
    };
    let addresses: Vec<Value> = get("addrs")
        .split_whitespace()
        .filter(|a| a.contains('.'))
        .map(|a| json!(a))
        .collect();
    let route: Vec<String> = get("route")
        .split_whitespace()
        .map(str::to_string)
        .collect();
    let after = |word: &str| {
        route
            .iter()
            .position(|w| w == word)
            .and_then(|i| route.get(i + 1))
            .cloned()
    };
    let address = after("src")
        .or_else(|| {
            addresses
                .first()
                .and_then(|a| a.as_str())
                .map(str::to_string)
        })
        .unwrap_or_default();
    let default_ipv4 = json!({
        "address": address,
        "interface": after("dev").unwrap_or_default(),
        "gateway": after("via").unwrap_or_default(),
    });
    let facts = json!({
        "hostname": short,
        "nodename": hostname,
        "fqdn": fqdn,
        "domain": domain,
        "system": get("system"),
        "kernel": get("kernel"),
        "architecture": get("arch"),
        "machine": get("arch"),
        "os_family": family,
        "distribution": distribution,
        "distribution_version": version,
        "distribution_major_version": major,
        "distribution_release": get("os_VERSION_CODENAME"),
        "service_mgr": service_mgr,
        "pkg_mgr": get("pkg_mgr").replace("apt-get", "apt"),
        "fips": get("fips") == "1",
        "user_id": get("user_id"),
        "user_uid": get("user_uid").parse::<i64>().unwrap_or(-1),
        "user_gid": get("user_gid").parse::<i64>().unwrap_or(-1),
        "user_gecos": passwd_field(4),
        "user_dir": passwd_field(5),
        "user_shell": passwd_field(6),
        "env": env,
        "processor_vcpus": get("nproc").parse::<i64>().unwrap_or(1),
        "memtotal_mb": get("memtotal_kb").parse::<i64>().unwrap_or(0) / 1024,
        "default_ipv4": default_ipv4,
        "all_ipv4_addresses": addresses,
    });
    let Value::Object(mut facts) = facts else {
        unreachable!()
    };
    if let Some((python, version)) = python_facts(&get) {
        facts.insert("python".into(), python);
        facts.insert("python_version".into(), Value::from(version));
    }
    let mut out = Map::new();
    for (k, v) in &facts {
        out.insert(format!("ansible_{k}"), v.clone());
    }
    out.insert("ansible_facts".into(), Value::Object(facts));
    out
}

/// `ansible_python` and `ansible_python_version` from the script's `python_*` lines; `None`
/// when the target has no Python.
fn python_facts(get: &impl Fn(&str) -> String) -> Option<(Value, String)> {
    let executable = get("python_executable");
    let info = get("python_version_info");
    let parts: Vec<&str> = info.split_whitespace().collect();
    let [major, minor, micro, level, serial] = parts[..] else {
        return None;
    };
    let num = |s: &str| s.parse::<i64>().ok();
    let (major, minor, micro, serial) = (num(major)?, num(minor)?, num(micro)?, num(serial)?);
    let kind = get("python_type");
    let python = json!({
        "executable": executable,
        "version": {
            "major": major, "minor": minor, "micro": micro,
            "releaselevel": level, "serial": serial,
        },
        "version_info": [major, minor, micro, level, serial],
        "type": if kind.is_empty() { Value::Null } else { Value::from(kind) },
        "has_sslcontext": true,
    });
    let full = get("python_full_version");
    let version = if full.is_empty() {
        format!("{major}.{minor}.{micro}")
    } else {
        full
    };
    Some((python, version))
}

/// Ansible's distribution name and OS family from os-release's ID and ID_LIKE.
fn distribution(id: &str, like: &str) -> (String, String) {
    let name = match id {
        "debian" => "Debian",
        "ubuntu" => "Ubuntu",
        "centos" => "CentOS",
        "rhel" => "RedHat",
        "fedora" => "Fedora",
        "rocky" => "Rocky",
        "almalinux" => "AlmaLinux",
        "alpine" => "Alpine",
        "arch" => "Archlinux",
        "opensuse-leap" | "opensuse-tumbleweed" | "sles" => "openSUSE Leap",
        other => other,
    };
    let family = match id {
        "debian" | "ubuntu" => "Debian",
        "centos" | "rhel" | "fedora" | "rocky" | "almalinux" => "RedHat",
        "alpine" => "Alpine",
        "arch" => "Archlinux",
        _ if like.contains("debian") => "Debian",
        _ if like.contains("rhel") || like.contains("fedora") => "RedHat",
        _ if like.contains("suse") => "Suse",
        _ => "Unknown",
    };
    let mut name = name.to_string();
    if let Some(first) = name.get(..1) {
        name = first.to_uppercase() + &name[1..];
    }
    (name, family.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debian_container_facts() {
        let text = "passwd=app:x:1000:1000:App User:/home/app:/bin/bash\nenv_HOME=/home/app\nenv_QUOTED=\"x\"\nhostname=h01\nfqdn=h01.lab\nsystem=Linux\npid1=sh\nroute=1.1.1.1 via 10.9.0.1 dev eth0 src 10.9.0.5 uid 0\naddrs=10.9.0.5 \ninitd=1\npkg_mgr=apt-get\nos_ID=debian\ndebian_version=12.11\nos_VERSION_ID=\"12\"\nos_VERSION_CODENAME=bookworm\n";
        let f = from_output(text);
        assert_eq!(f["ansible_hostname"], "h01");
        assert_eq!(f["ansible_fqdn"], "h01.lab");
        assert_eq!(f["ansible_domain"], "lab");
        assert_eq!(f["ansible_default_ipv4"]["address"], "10.9.0.5");
        assert_eq!(f["ansible_default_ipv4"]["interface"], "eth0");
        assert_eq!(f["ansible_os_family"], "Debian");
        assert_eq!(f["ansible_distribution"], "Debian");
        assert_eq!(f["ansible_distribution_major_version"], "12");
        assert_eq!(f["ansible_distribution_version"], "12.11");
        assert_eq!(f["ansible_service_mgr"], "sysvinit");
        assert_eq!(f["ansible_pkg_mgr"], "apt");
        assert_eq!(f["ansible_facts"]["hostname"], "h01");
        assert_eq!(f["ansible_facts"]["fips"], false);
        assert_eq!(f["ansible_user_dir"], "/home/app");
        assert_eq!(f["ansible_user_shell"], "/bin/bash");
        assert_eq!(f["ansible_user_gecos"], "App User");
        assert_eq!(f["ansible_env"]["HOME"], "/home/app");
        assert_eq!(f["ansible_env"]["QUOTED"], "\"x\"");
    }

    #[test]
    fn python_facts_when_an_interpreter_answered() {
        let text = "python_executable=/usr/bin/python3\npython_version_info=3 11 2 final 0\npython_type=cpython\npython_full_version=3.11.2\n";
        let f = from_output(text);
        assert_eq!(f["ansible_python"]["executable"], "/usr/bin/python3");
        assert_eq!(f["ansible_python"]["version"]["major"], 3);
        assert_eq!(f["ansible_python"]["version"]["minor"], 11);
        assert_eq!(f["ansible_python"]["version"]["releaselevel"], "final");
        assert_eq!(
            f["ansible_python"]["version_info"],
            serde_json::json!([3, 11, 2, "final", 0])
        );
        assert_eq!(f["ansible_python"]["type"], "cpython");
        assert_eq!(f["ansible_python_version"], "3.11.2");
        assert_eq!(f["ansible_facts"]["python_version"], "3.11.2");
    }

    #[test]
    fn no_python_facts_without_an_interpreter() {
        let f = from_output("hostname=h01\n");
        assert!(!f.contains_key("ansible_python"));
        assert!(!f.contains_key("ansible_python_version"));
    }

    /// The script really runs: on this machine (which has a python3) it reports the one a
    /// shell finds first.
    #[test]
    fn the_script_finds_python3_on_a_real_shell() {
        let Ok(out) = std::process::Command::new("sh")
            .arg("-c")
            .arg("command -v python3")
            .output()
        else {
            return;
        };
        let expected = String::from_utf8_lossy(&out.stdout).trim().to_string();
        if expected.is_empty() {
            return;
        }
        let script = format!("py_candidates='python3 python'\n{PYTHON_SCRIPT}");
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(script)
            .output()
            .unwrap();
        let f = from_output(&String::from_utf8_lossy(&out.stdout));
        assert_eq!(f["ansible_python"]["version"]["major"], 3);
        assert!(f["ansible_python"]["executable"]
            .as_str()
            .unwrap()
            .contains("python"));
    }
}
