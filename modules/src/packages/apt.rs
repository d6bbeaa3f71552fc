//! `apt`: installs, upgrades and removes Debian packages. The installed state of every named
//! package comes from one `dpkg-query` call; only packages not yet as asked are acted on.

use serde::Deserialize;

use crate::helpers::args::{Bool, Int, List};
use crate::error::ModuleError;
use crate::module::{Context, Module, Query};
use crate::helpers::probe::{Probe, Sections};
use crate::report::Report;
use crate::helpers::shell_text::{command_line, quote};
use crate::target::Target;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PackageState {
    #[default]
    Present,
    Installed,
    Absent,
    Removed,
    Latest,
}

impl PackageState {
    fn wants_installed(self) -> bool {
        !matches!(self, PackageState::Absent | PackageState::Removed)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AptArgs {
    #[serde(default, alias = "pkg", alias = "package")]
    pub name: List,
    #[serde(default)]
    pub state: PackageState,
    #[serde(alias = "update-cache")]
    pub update_cache: Option<Bool>,
    #[serde(default)]
    pub cache_valid_time: Int,
    #[serde(alias = "install-recommends")]
    pub install_recommends: Option<Bool>,
    #[serde(default)]
    pub purge: Bool,
    #[serde(alias = "default-release")]
    pub default_release: Option<String>,
    #[serde(default)]
    pub autoremove: Bool,
}

/// What is asked of apt, whichever module asked it.
#[derive(Debug, Clone, Default)]
pub struct AptRequest {
    /// `name` or `name=version`.
    pub names: Vec<String>,
    pub state: PackageState,
    pub update_cache: bool,
    /// `update_cache: false` was said: never update, not even lists that were never fetched.
    pub keep_lists: bool,
    /// Seconds an apt cache stays fresh; 0: always update when `update_cache`.
    pub cache_valid_time: i64,
    pub install_recommends: Option<bool>,
    pub purge: bool,
    pub default_release: Option<String>,
    pub autoremove: bool,
}

impl From<&AptArgs> for AptRequest {
    fn from(a: &AptArgs) -> Self {
        AptRequest {
            names: a.name.0.iter().filter(|n| !n.is_empty()).cloned().collect(),
            state: a.state,
            update_cache: a.update_cache.is_some_and(|b| b.0),
            keep_lists: a.update_cache.is_some_and(|b| !b.0),
            cache_valid_time: a.cache_valid_time.0,
            install_recommends: a.install_recommends.map(|b| b.0),
            purge: a.purge.0,
            default_release: a.default_release.clone(),
            autoremove: a.autoremove.0,
        }
    }
}

/// One requested package: its name and the version it is pinned to.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Wanted<'a> {
    spec: &'a str,
    name: &'a str,
    version: Option<&'a str>,
}

fn wanted(spec: &str) -> Wanted<'_> {
    let (name, version) = match spec.split_once('=') {
        Some((n, v)) => (n, Some(v)),
        None => (spec, None),
    };
    Wanted {
        spec,
        name,
        version,
    }
}

/// What dpkg says of one package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Installed {
    pub name: String,
    /// Fully installed (`install ok installed`).
    pub installed: bool,
    /// Removed but its configuration files are left (what `purge` removes).
    pub config_files: bool,
    pub version: String,
}

/// Reads `dpkg-query -W -f='${Package} ${Status} ${Version}\n'`.
pub fn parse_dpkg(out: &str) -> Vec<Installed> {
    out.lines()
        .filter_map(|l| {
            let words: Vec<&str> = l.split_whitespace().collect();
            let [name, _want, _flag, status, rest @ ..] = words.as_slice() else {
                return None;
            };
            Some(Installed {
                name: name.to_string(),
                installed: *status == "installed",
                config_files: *status == "config-files",
                version: rest.first().unwrap_or(&"").to_string(),
            })
        })
        .collect()
}

/// Reads `apt-cache policy`: each package's installed and candidate versions.
pub fn parse_policy(out: &str) -> Vec<(String, Option<String>, Option<String>)> {
    let mut found = Vec::new();
    for line in out.lines() {
        let field = |label: &str| {
            let v = line.trim().strip_prefix(label)?.trim();
            Some((v != "(none)").then(|| v.to_string()))
        };
        if !line.starts_with(' ') && line.ends_with(':') {
            found.push((line.trim_end_matches(':').to_string(), None, None));
        } else if let (Some(last), Some(v)) = (found.last_mut(), field("Installed:")) {
            last.1 = v;
        } else if let (Some(last), Some(v)) = (found.last_mut(), field("Candidate:")) {
            last.2 = v;
        }
    }
    found
}

/// Whether apt-get's summary line says it did anything.
pub fn apt_did_something(out: &str) -> bool {
    let Some(summary) = out.lines().find(|l| l.contains(" newly installed")) else {
        // No summary: apt-get had nothing to resolve ("... is already the newest version").
        return false;
    };
    summary
        .replace(" and ", ",")
        .split(',')
        .filter(|part| !part.contains("not upgraded"))
        .any(|part| {
            part.split_whitespace()
                .next()
                .and_then(|n| n.parse::<u64>().ok())
                != Some(0)
        })
}

/// Matches a pinned version as apt does: exact, or a prefix ending in `*`.
fn version_matches(pin: &str, installed: &str) -> bool {
    match pin.strip_suffix('*') {
        Some(prefix) => installed.starts_with(prefix),
        None => pin == installed,
    }
}

fn base_name(name: &str) -> &str {
    name.split(':').next().unwrap_or(name)
}

/// The packages to install and to remove, given what the probe found.
pub fn plan(req: &AptRequest, found: &Sections) -> Result<(Vec<String>, Vec<String>), ModuleError> {
    let installed = parse_dpkg(&found.get("dpkg").out);
    let policy = parse_policy(&found.get("policy").out);
    let lookup = |name: &str| installed.iter().find(|p| p.name == base_name(name));
    let (mut install, mut remove) = (Vec::new(), Vec::new());
    for spec in &req.names {
        let w = wanted(spec);
        let have = lookup(w.name).filter(|p| p.installed);
        if req.state.wants_installed() {
            let needed = match (have, w.version) {
                (None, _) => true,
                (Some(p), Some(pin)) => !version_matches(pin, &p.version),
                (Some(p), None) if req.state == PackageState::Latest => {
                    let candidate = policy
                        .iter()
                        .find(|(n, _, _)| base_name(n) == base_name(w.name))
                        .and_then(|(_, _, c)| c.clone());
                    candidate.is_some_and(|c| c != p.version)
                }
                (Some(_), None) => false,
            };
            if needed {
                install.push(w.spec.to_string());
            }
        } else {
            let leftovers = req.purge && lookup(w.name).is_some_and(|p| p.config_files);
            if have.is_some() || leftovers {
                remove.push(w.name.to_string());
            }
        }
    }
    Ok((install, remove))
}

/// The apt work left to do.
#[derive(Debug, Default)]
pub struct AptChange {
    update_cache: bool,
    install: Vec<String>,
    remove: Vec<String>,
}

/// The shared body of `apt` and `package`.
pub struct AptManager;

impl AptManager {
    fn probe(&self, req: &AptRequest, target: &dyn Target) -> Result<Sections, ModuleError> {
        let names = command_line(req.names.iter().map(|s| base_name(wanted(s).name)));
        let mut probe = Probe::new().section("apt", "command -v apt-get >/dev/null");
        if !names.is_empty() {
            probe = probe.section(
                "dpkg",
                &format!("dpkg-query -W -f='${{Package}} ${{Status}} ${{Version}}\\n' -- {names} 2>/dev/null"),
            );
        }
        if req.state == PackageState::Latest && !names.is_empty() {
            probe = probe.section("policy", &format!("apt-cache policy -- {names}"));
        }
        if req.state.wants_installed() && !names.is_empty() && !req.update_cache {
            // Whether apt's package lists were ever fetched (a fresh image has none).
            probe = probe.section(
                "lists",
                "eval \"$(apt-config shell L Dir::State::lists/d)\"\n\
                 ls -- \"${L:-/var/lib/apt/lists/}\" 2>/dev/null | grep -q _Packages",
            );
        }
        if req.update_cache && req.cache_valid_time > 0 {
            probe = probe.section(
                "cache_age",
                "now=$(date +%s)\n\
                 stamp=$(stat -c %Y /var/lib/apt/periodic/update-success-stamp 2>/dev/null || stat -c %Y /var/lib/apt/lists) || exit 1\n\
                 echo $((now - stamp))",
            );
        }
        let found = probe.run(target)?;
        if !found.get("apt").ok() {
            return Err(ModuleError::failed(
                "no supported package manager found on the target (troupe drives apt only)",
            ));
        }
        Ok(found)
    }

    pub fn query(&self, req: &AptRequest, cx: &Context) -> Result<Query<AptChange>, ModuleError> {
        if req.names.is_empty() && !req.update_cache && !req.autoremove {
            return Err(ModuleError::args(
                "one of the following is required: name, update_cache",
            ));
        }
        let found = self.probe(req, cx.target)?;
        let cache_fresh = found
            .get("cache_age")
            .value()
            .parse::<i64>()
            .ok()
            .is_some_and(|age| {
                req.cache_valid_time > 0
                    && found.get("cache_age").ok()
                    && age < req.cache_valid_time
            });
        let (install, remove) = plan(req, &found)?;
        let mut report = Report::ok().with("cache_updated", false);
        // Package lists never fetched know no package to install: fetch them first, as
        // Ansible's apt does on such hosts (when it installs its Python bindings).
        let no_lists = !install.is_empty() && !req.keep_lists && found.get("lists").rc == 1;
        if no_lists {
            report = report.warn(
                "the target's apt package lists were never fetched; updating them first \
                 (update_cache: false prevents this)",
            );
        }
        // In check mode apt leaves the cache alone and judges against the current one.
        let update_cache = (req.update_cache && !cache_fresh || no_lists) && !cx.check_mode;
        if !update_cache && install.is_empty() && remove.is_empty() && !req.autoremove {
            return Ok(Query::unchanged(report));
        }
        Ok(Query::change(AptChange {
            update_cache,
            install,
            remove,
        })
        .with_report(report))
    }

    pub fn apply(
        &self,
        req: &AptRequest,
        mut change: AptChange,
        cx: &Context,
    ) -> Result<Report, ModuleError> {
        let mut report = Report::ok();
        let mut output = String::new();
        if change.update_cache {
            self.run_apt(cx.target, "apt-get update -q", &mut output)?;
            report = report.with("cache_updated", true);
            if req.state == PackageState::Latest {
                // The new lists may hold newer candidates.
                (change.install, change.remove) = plan(req, &self.probe(req, cx.target)?)?;
            }
            // Updating the cache alone is a change only when nothing else was asked.
            report.changed = req.names.is_empty();
        }
        let mut flags = String::from(
            "-y -q -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold",
        );
        match req.install_recommends {
            Some(true) => flags.push_str(" --install-recommends"),
            Some(false) => flags.push_str(" --no-install-recommends"),
            None => {}
        }
        if let Some(release) = &req.default_release {
            flags.push_str(&format!(" -t {}", quote(release)));
        }
        let quoted = |names: &[String]| command_line(names);
        if !change.install.is_empty() {
            let cmd = format!(
                "apt-get install {flags} --allow-downgrades -- {}",
                quoted(&change.install)
            );
            report.changed |= self.run_apt(cx.target, &cmd, &mut output)?;
        }
        if !change.remove.is_empty() {
            let verb = if req.purge { "purge" } else { "remove" };
            let cmd = format!("apt-get {verb} {flags} -- {}", quoted(&change.remove));
            report.changed |= self.run_apt(cx.target, &cmd, &mut output)?;
        }
        if req.autoremove {
            let purge = if req.purge { " --purge" } else { "" };
            report.changed |= self.run_apt(
                cx.target,
                &format!("apt-get autoremove -y -q{purge}"),
                &mut output,
            )?;
        }
        Ok(report.with("stdout", output))
    }

    /// Runs an apt-get command non-interactively; true when it changed something.
    fn run_apt(
        &self,
        target: &dyn Target,
        cmd: &str,
        output: &mut String,
    ) -> Result<bool, ModuleError> {
        let out = target.run(
            &format!("DEBIAN_FRONTEND=noninteractive; export DEBIAN_FRONTEND\n{cmd}"),
            None,
        )?;
        let stdout = out.stdout_str();
        output.push_str(&stdout);
        if !out.success() {
            return Err(ModuleError::failed(format!(
                "'{cmd}' failed: {}",
                out.stderr_str().trim()
            )));
        }
        Ok(apt_did_something(&stdout))
    }
}

pub struct Apt;

impl Module for Apt {
    type Args = AptArgs;
    type Change = AptChange;
    const NAME: &'static str = "apt";

    fn query(&self, args: &AptArgs, cx: &Context) -> Result<Query<AptChange>, ModuleError> {
        AptManager.query(&args.into(), cx)
    }

    fn apply(
        &self,
        args: &AptArgs,
        change: AptChange,
        cx: &Context,
    ) -> Result<Report, ModuleError> {
        AptManager.apply(&args.into(), change, cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{run_dyn as run_module, LocalTarget, TempDir};
    use serde_json::{json, Value};

    /// Fake dpkg-query, apt-cache and apt-get over a package list in the temp dir
    /// (`installed`: "name version" lines, `candidates` likewise), logging apt-get calls.
    fn fake_apt(dir: &TempDir, installed: &str, candidates: &str) -> LocalTarget {
        let (db, cand, log) = (
            dir.join("installed"),
            dir.join("candidates"),
            dir.join("log"),
        );
        std::fs::write(&db, installed).unwrap();
        std::fs::write(&cand, candidates).unwrap();
        let version_of = |file: &str| format!("awk -v n=\"$n\" '$1==n {{print $2}}' {file}");
        dir.script(
            "bin/dpkg-query",
            &format!(
                "#!/bin/sh\nshift 3\nrc=0\nfor n in \"$@\"; do v=$({})\n\
                 if [ -n \"$v\" ]; then echo \"$n install ok installed $v\"; else echo \"no packages found matching $n\" >&2; rc=1; fi\n\
                 done\nexit $rc\n",
                version_of(&db)
            ),
        );
        dir.script(
            "bin/apt-cache",
            &format!(
                "#!/bin/sh\nshift 2\nfor n in \"$@\"; do i=$({}); c=$({})\n\
                 printf '%s:\\n  Installed: %s\\n  Candidate: %s\\n  Version table:\\n' \"$n\" \"${{i:-(none)}}\" \"${{c:-(none)}}\"\ndone\n",
                version_of(&db),
                version_of(&cand)
            ),
        );
        std::fs::create_dir_all(dir.join("lists")).unwrap();
        std::fs::write(dir.join("lists/deb_dists_main_Packages"), "").unwrap();
        dir.script(
            "bin/apt-config",
            &format!("#!/bin/sh\necho \"L='{}/'\"\n", dir.join("lists")),
        );
        dir.script(
            "bin/apt-get",
            &format!(
                r#"#!/bin/sh
echo "$DEBIAN_FRONTEND $*" >> {log}
verb=""; names=""; seen=""
for a in "$@"; do
  if [ -n "$seen" ]; then names="$names $a"; continue; fi
  case "$a" in update|install|remove|purge|autoremove) [ -z "$verb" ] && verb=$a ;; --) seen=1 ;; esac
done
new=0; up=0; gone=0
for spec in $names; do
  n=${{spec%%=*}}; pin=""; [ "$spec" != "$n" ] && pin=${{spec#*=}}
  have=$({have}); c=$({cand_v}); grep -v "^$n " {db} > {db}.new; mv {db}.new {db}
  case $verb in
    install) echo "$n ${{pin:-$c}}" >> {db}; if [ -z "$have" ]; then new=$((new+1)); else up=$((up+1)); fi ;;
    *) gone=$((gone+1)) ;;
  esac
done
[ "$verb" = update ] && echo "Reading package lists..." && exit 0
echo "$up upgraded, $new newly installed, $gone to remove and 0 not upgraded."
"#,
                have = version_of(&db),
                cand_v = version_of(&cand),
            ),
        );
        LocalTarget::new().with_path_first(&dir.path().join("bin"))
    }

    fn log(dir: &TempDir) -> Vec<String> {
        std::fs::read_to_string(dir.path().join("log"))
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }

    fn installed(dir: &TempDir) -> String {
        let mut lines: Vec<String> = std::fs::read_to_string(dir.path().join("installed"))
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect();
        lines.sort();
        lines.join(",")
    }

    fn apt(target: &LocalTarget, args: Value) -> Report {
        run_module(&Apt, target, args, false).unwrap()
    }

    #[test]
    fn installs_only_what_is_missing() {
        let dir = TempDir::new();
        let target = fake_apt(&dir, "curl 7.0\n", "curl 8.0\nslapd 2.4\njq 1.6\n");
        let r = apt(
            &target,
            json!({"name": ["curl", "slapd", "jq"], "install_recommends": false}),
        );
        assert!(r.changed);
        assert_eq!(installed(&dir), "curl 7.0,jq 1.6,slapd 2.4");
        assert_eq!(log(&dir).len(), 1);
        assert!(
            log(&dir)[0].starts_with("noninteractive install -y"),
            "{:?}",
            log(&dir)
        );
        assert!(log(&dir)[0].contains("--no-install-recommends"));
        assert!(log(&dir)[0].ends_with("-- slapd jq"));
        assert!(!apt(&target, json!({"name": "curl,slapd,jq"})).changed);
        assert_eq!(log(&dir).len(), 1, "second run calls no apt-get");
    }

    #[test]
    fn latest_upgrades_to_the_candidate() {
        let dir = TempDir::new();
        let target = fake_apt(&dir, "curl 7.0\n", "curl 8.0\n");
        assert!(apt(&target, json!({"name": "curl", "state": "latest"})).changed);
        assert_eq!(installed(&dir), "curl 8.0");
        assert!(!apt(&target, json!({"name": "curl", "state": "latest"})).changed);
    }

    #[test]
    fn pinned_versions_are_compared() {
        let dir = TempDir::new();
        let target = fake_apt(&dir, "curl 7.0\n", "curl 8.0\n");
        assert!(!apt(&target, json!({"pkg": "curl=7.*"})).changed);
        assert!(apt(&target, json!({"pkg": "curl=8.0"})).changed);
        assert_eq!(installed(&dir), "curl 8.0");
    }

    #[test]
    fn removes_and_purges() {
        let dir = TempDir::new();
        let target = fake_apt(&dir, "curl 7.0\njq 1.6\n", "");
        assert!(
            apt(
                &target,
                json!({"name": ["curl", "nothere"], "state": "absent", "purge": true})
            )
            .changed
        );
        assert_eq!(installed(&dir), "jq 1.6");
        assert!(log(&dir)[0].contains("purge -y"));
        assert!(!apt(&target, json!({"name": "curl", "state": "removed"})).changed);
    }

    #[test]
    fn check_mode_acts_on_nothing() {
        let dir = TempDir::new();
        let target = fake_apt(&dir, "", "jq 1.6\n");
        let r = run_module(
            &Apt,
            &target,
            json!({"name": "jq", "update_cache": true}),
            true,
        )
        .unwrap();
        assert!(r.changed);
        let r = run_module(&Apt, &target, json!({"update_cache": true}), true).unwrap();
        assert!(!r.changed);
        assert!(log(&dir).is_empty());
    }

    #[test]
    fn update_cache_counts_as_a_change_only_alone() {
        let dir = TempDir::new();
        let target = fake_apt(&dir, "jq 1.6\n", "jq 1.6\n");
        assert!(apt(&target, json!({"update_cache": true})).changed);
        let r = apt(&target, json!({"name": "jq", "update_cache": true}));
        assert!(!r.changed);
        assert_eq!(r.fields["cache_updated"], true);
        // A cache younger than a century is fresh: no update, no change.
        let r = apt(
            &target,
            json!({"update_cache": true, "cache_valid_time": 3_153_600_000u64}),
        );
        assert!(!r.changed);
        assert_eq!(log(&dir).iter().filter(|l| l.contains("update")).count(), 2);
    }

    #[test]
    fn lists_never_fetched_are_fetched_before_installing() {
        let dir = TempDir::new();
        let target = fake_apt(&dir, "curl 7.0\n", "jq 1.6\n");
        std::fs::remove_file(dir.join("lists/deb_dists_main_Packages")).unwrap();
        assert!(!apt(&target, json!({"name": "curl"})).changed);
        assert!(log(&dir).is_empty(), "nothing to install: no update");
        let refused = apt(&target, json!({"name": "jq", "update_cache": false}));
        assert!(refused.changed);
        assert!(!log(&dir)[0].contains("update"), "{:?}", log(&dir));
        let dir = TempDir::new();
        let target = fake_apt(&dir, "", "jq 1.6\n");
        std::fs::remove_file(dir.join("lists/deb_dists_main_Packages")).unwrap();
        let r = apt(&target, json!({"name": "jq"}));
        assert!(r.changed);
        assert_eq!(r.fields["cache_updated"], true);
        assert!(r.fields["warnings"][0].as_str().unwrap().contains("never fetched"));
        assert!(log(&dir)[0].contains("update"), "{:?}", log(&dir));
        assert!(log(&dir)[1].contains("install"), "{:?}", log(&dir));
    }

    #[test]
    fn package_drives_apt() {
        let dir = TempDir::new();
        let target = fake_apt(&dir, "", "jq 1.6\n");
        assert!(
            run_module(
                &crate::packages::package::Package,
                &target,
                json!({"name": "jq"}),
                false
            )
            .unwrap()
            .changed
        );
        assert_eq!(installed(&dir), "jq 1.6");
        let other = json!({"name": "jq", "use": "dnf"});
        assert!(run_module(&crate::packages::package::Package, &target, other, false).is_err());
    }

    #[test]
    fn reads_dpkg_policy_and_summaries() {
        let dpkg =
            parse_dpkg("curl install ok installed 7.88.1-10\nold deinstall ok config-files 1.0\n");
        assert!(dpkg[0].installed && dpkg[0].version == "7.88.1-10");
        assert!(!dpkg[1].installed && dpkg[1].config_files);
        let policy = parse_policy(
            "curl:\n  Installed: 7.88.1-10\n  Candidate: 7.88.1-10+deb12u5\n  Version table:\n *** 7.88.1-10 500\n\
             jq:\n  Installed: (none)\n  Candidate: 1.6-2.1\n",
        );
        assert_eq!(
            policy,
            [
                (
                    "curl".into(),
                    Some("7.88.1-10".into()),
                    Some("7.88.1-10+deb12u5".into())
                ),
                ("jq".into(), None, Some("1.6-2.1".into()))
            ]
        );
        assert!(!apt_did_something(
            "0 upgraded, 0 newly installed, 0 to remove and 5 not upgraded."
        ));
        assert!(apt_did_something(
            "1 upgraded, 0 newly installed, 0 to remove and 5 not upgraded."
        ));
        assert!(apt_did_something(
            "0 upgraded, 0 newly installed, 2 to remove and 0 not upgraded."
        ));
        assert!(!apt_did_something(
            "jq is already the newest version (1.6-2.1)."
        ));
    }
}
