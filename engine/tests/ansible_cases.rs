//! Holds troupe to what Ansible did with the parity cases in `tests/ansible-cases/`: each
//! case's runs.txt lines run in turn against one fresh target directory, and after each run
//! the exit, the changed count per host and the files left behind must be what
//! ansible-playbook left, as `tests/ansible-cases/record.sh` wrote it to the case's
//! expected.txt (this file normalises the same way). No Ansible is needed to run it.

use std::{
    collections::BTreeSet,
    fs,
    os::unix::fs::PermissionsExt,
    path::{Path, PathBuf},
    process::Command,
};

use sha2::{Digest, Sha256};

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/ansible-cases")
}

#[test]
fn troupe_does_what_ansible_did_with_every_case() {
    let mut cases: Vec<PathBuf> = fs::read_dir(cases_dir())
        .expect("tests/ansible-cases")
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("playbook.yml").is_file())
        .collect();
    cases.sort();
    assert!(!cases.is_empty(), "no cases in {}", cases_dir().display());
    let failures: Vec<String> = cases.iter().filter_map(|c| check(c).err()).collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases differ from Ansible:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

/// Runs one case and compares it with its expected.txt.
fn check(case: &Path) -> Result<(), String> {
    let name = case.file_name().unwrap().to_string_lossy().into_owned();
    let expected = fs::read_to_string(case.join("expected.txt")).map_err(|_| {
        format!("{name}: no expected.txt; run tests/ansible-cases/record.sh {name}")
    })?;
    let expected: Vec<&str> = expected.lines().filter(|l| !l.starts_with('#')).collect();
    let got = run_case(case);
    if got == expected {
        return Ok(());
    }
    let diff = similar::TextDiff::from_lines(expected.join("\n"), got.join("\n"))
        .unified_diff()
        .context_radius(3)
        .header("ansible (expected.txt)", "troupe")
        .to_string();
    Err(format!("{name}:\n{diff}"))
}

/// The record of every run of the case, line by line as record.sh writes it.
fn run_case(case: &Path) -> Vec<String> {
    let runs = lines_of(&case.join("runs.txt")).unwrap_or_else(|| vec![String::new(); 2]);
    let unpinned: BTreeSet<String> = lines_of(&case.join("unpinned.txt"))
        .unwrap_or_default()
        .into_iter()
        .collect();
    let inventory = ["inventory.ini", "inventory.yml", "inventory"]
        .into_iter()
        .find(|n| case.join(n).exists())
        .expect("the case has an inventory");
    let base = tempfile::Builder::new()
        .prefix("ansible-case-")
        .tempdir()
        .unwrap();
    // The playbooks see the directory by its real path, as ansible-playbook does.
    let base_path = base.path().canonicalize().unwrap();
    let base_text = base_path.to_string_lossy().into_owned();
    let mut out = Vec::new();
    for (i, args) in runs.iter().enumerate() {
        let result = Command::new("sh")
            .args(["-c", "umask 022 && exec \"$0\" \"$@\""])
            .arg(env!("CARGO_BIN_EXE_troupe"))
            .args(["run", "playbook.yml", "-i", inventory, "-e"])
            .arg(format!("base={base_text}"))
            .args(args.split_whitespace())
            .current_dir(case)
            .output()
            .expect("troupe runs");
        let stdout = String::from_utf8_lossy(&result.stdout);
        out.push(format!("run {}: {args}", i + 1).trim_end().to_string());
        out.push(format!(
            "exit: {}",
            if result.status.success() {
                "ok"
            } else {
                "failed"
            }
        ));
        out.push(
            format!("changed: {}", changed_per_host(&stdout))
                .trim_end()
                .to_string(),
        );
        out.extend(snapshot(&base_path, &base_text, &unpinned));
    }
    out
}

/// A file's lines without the newline after the last; `None` when it does not exist.
fn lines_of(path: &Path) -> Option<Vec<String>> {
    let text = fs::read_to_string(path).ok()?;
    let mut lines: Vec<String> = text.split('\n').map(str::to_owned).collect();
    lines.pop();
    Some(lines)
}

/// `host=N` for every recap line, sorted by host.
fn changed_per_host(stdout: &str) -> String {
    let recap = regex::Regex::new(r"(?m)^(\S+)\s*:\s*ok=\d+\s+changed=(\d+)").unwrap();
    let mut hosts: Vec<(String, String)> = recap
        .captures_iter(stdout)
        .map(|c| (c[1].to_string(), c[2].to_string()))
        .collect();
    hosts.sort();
    hosts
        .iter()
        .map(|(h, n)| format!("{h}={n}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Every path under `base`, sorted: links with their target, directories and files with
/// their mode, files with their content (`base` replaced by BASE).
fn snapshot(base: &Path, base_text: &str, unpinned: &BTreeSet<String>) -> Vec<String> {
    let mut lines = Vec::new();
    walk(base, base, base_text, unpinned, &mut lines);
    lines.sort();
    lines.into_iter().map(|(_, line)| line).collect()
}

fn walk(
    dir: &Path,
    base: &Path,
    base_text: &str,
    unpinned: &BTreeSet<String>,
    out: &mut Vec<(String, String)>,
) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let rel = path
            .strip_prefix(base)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let meta = fs::symlink_metadata(&path).unwrap();
        let mode = format!("{:04o}", meta.permissions().mode() & 0o7777);
        let line = if meta.file_type().is_symlink() {
            let target = fs::read_link(&path).unwrap();
            let target = target.to_string_lossy().replace(base_text, "BASE");
            format!("link {rel} -> {target}")
        } else if meta.is_dir() {
            walk(&path, base, base_text, unpinned, out);
            format!("dir  {rel} {mode}")
        } else if unpinned.contains(&rel) {
            format!("file {rel} {mode} (not pinned)")
        } else {
            let data = fs::read(&path).unwrap();
            let mut data = replace_bytes(&data, base_text.as_bytes(), b"BASE");
            if rel.ends_with(".json") {
                data = canonical_json(data);
            }
            format!("file {rel} {mode} {}", content(&data))
        };
        out.push((rel, line));
    }
}

fn replace_bytes(data: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    let mut i = 0;
    while i < data.len() {
        if data[i..].starts_with(from) {
            out.extend_from_slice(to);
            i += from.len();
        } else {
            out.push(data[i]);
            i += 1;
        }
    }
    out
}

/// JSON files compare by value: keys sorted, no spaces (as record.sh writes them).
fn canonical_json(data: Vec<u8>) -> Vec<u8> {
    fn sorted(v: serde_json::Value) -> serde_json::Value {
        match v {
            serde_json::Value::Object(map) => {
                let mut entries: Vec<_> = map.into_iter().collect();
                entries.sort_by(|a, b| a.0.cmp(&b.0));
                entries.into_iter().map(|(k, v)| (k, sorted(v))).collect()
            }
            serde_json::Value::Array(items) => items.into_iter().map(sorted).collect(),
            other => other,
        }
    }
    match serde_json::from_slice::<serde_json::Value>(&data) {
        Ok(v) => serde_json::to_vec(&sorted(v)).unwrap(),
        Err(_) => data,
    }
}

/// Text as a JSON string; large or binary content by its digest.
fn content(data: &[u8]) -> String {
    match std::str::from_utf8(data) {
        Ok(text) if data.len() <= 4000 => serde_json::to_string(text).unwrap(),
        _ => format!(
            "sha256:{} len={}",
            hex::encode(Sha256::digest(data)),
            data.len()
        ),
    }
}
