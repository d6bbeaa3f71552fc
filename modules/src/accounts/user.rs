//! `user`: creates, changes and removes local users with useradd, usermod and userdel.

use crate::helpers::args::yes;
use serde::Deserialize;

use crate::accounts::account_db::{find_group, parse_groups, parse_passwd, GroupEntry, PasswdEntry};
use crate::helpers::args::{Bool, Int, List};
use crate::error::ModuleError;
use crate::accounts::group::run_account_command;
use crate::accounts::ssh_key::{self, KeySpec, KeyState};
use crate::helpers::args::Presence;
use crate::module::{Context, Module, Query};
use crate::helpers::probe::Probe;
use crate::report::Report;
use crate::helpers::shell_text::quote;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UpdatePassword {
    #[default]
    Always,
    OnCreate,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserArgs {
    #[serde(alias = "user")]
    pub name: String,
    #[serde(default)]
    pub state: Presence,
    pub uid: Option<Int>,
    pub group: Option<String>,
    pub groups: Option<List>,
    #[serde(default)]
    pub append: Bool,
    pub shell: Option<String>,
    pub home: Option<String>,
    #[serde(default = "yes", alias = "createhome")]
    pub create_home: Bool,
    /// The skeleton directory a new home is filled from (`useradd -k`).
    pub skeleton: Option<String>,
    #[serde(default)]
    pub system: Bool,
    /// A crypted hash, as `/etc/shadow` holds it. Never reported.
    pub password: Option<String>,
    #[serde(default)]
    pub update_password: UpdatePassword,
    pub comment: Option<String>,
    /// With `state: absent`: remove the home directory too.
    #[serde(default)]
    pub remove: Bool,
    #[serde(default)]
    pub force: Bool,
    /// When the account expires, in seconds since the epoch (negative: never).
    pub expires: Option<f64>,
    /// Lock (`usermod -L`) or unlock (`-U`) the password.
    pub password_lock: Option<Bool>,
    /// `chage -m`, `-M`, `-W`: days between changes, before one is due, of warning.
    pub password_expire_min: Option<Int>,
    pub password_expire_max: Option<Int>,
    pub password_expire_warn: Option<Int>,
    /// A key pair in the user's home (see [`ssh_key`]); `force` makes a new one.
    #[serde(default)]
    pub generate_ssh_key: Bool,
    pub ssh_key_type: Option<String>,
    pub ssh_key_bits: Option<Int>,
    pub ssh_key_file: Option<String>,
    pub ssh_key_comment: Option<String>,
    /// Never reported, never in a process argument.
    pub ssh_key_passphrase: Option<String>,
    /// Manage the account in /etc/passwd with libuser's `luser*` tools, whatever NSS says.
    #[serde(default)]
    pub local: Bool,
    /// The umask a new home is made with (`useradd -K UMASK=`).
    pub umask: Option<String>,
    /// The range a new uid is picked from (`useradd -K UID_MIN=`/`UID_MAX=`).
    pub uid_min: Option<Int>,
    pub uid_max: Option<Int>,
    /// Days after the password expired until the account is disabled (`-f`).
    pub password_expire_account_disable: Option<Int>,
}

/// Stands in for the password in every report, as Ansible does.
const HIDDEN: &str = "NOT_LOGGING_PASSWORD";

/// What the probe found of the user.
struct Current {
    account: Option<PasswdEntry>,
    /// The user's `/etc/shadow` fields (name, hash, last change, min, max, warn, inactive,
    /// expire), when asked for.
    shadow: Vec<String>,
    groups: Vec<GroupEntry>,
}

impl Current {
    fn shadow_field(&self, i: usize) -> &str {
        self.shadow.get(i).map_or("", String::as_str)
    }
    fn hash(&self) -> &str {
        self.shadow_field(1)
    }
}

/// `usermod -e`'s date for `expires` seconds (UTC), or `''` (never) when negative.
fn expire_date(expires: f64) -> String {
    if expires < 0.0 {
        return String::new();
    }
    chrono::DateTime::from_timestamp(expires.floor() as i64, 0)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

impl UserArgs {
    /// Whether the shadow entry matters: a password, its lock, or an expiry is asked for.
    fn reads_shadow(&self) -> bool {
        self.password.is_some()
            || self.password_expire_account_disable.is_some()
            || self.password_lock.is_some()
            || self.expires.is_some()
            || self.password_expire_min.is_some()
            || self.password_expire_max.is_some()
            || self.password_expire_warn.is_some()
    }

    fn validate(&self) -> Result<(), ModuleError> {
        let not_local = [
            ("umask", self.umask.is_some()),
            ("uid_min", self.uid_min.is_some()),
            ("uid_max", self.uid_max.is_some()),
        ];
        for (option, set) in not_local {
            if set && self.local.0 {
                return Err(ModuleError::args(format!(
                    "'{option}' can not be used with 'local'"
                )));
            }
        }
        Ok(())
    }

    /// An account tool, libuser's (`luseradd`, `lgroupmod`, ...) when `local`.
    fn tool(&self, name: &str) -> String {
        match self.local.0 {
            true => format!("l{name}"),
            false => name.to_string(),
        }
    }

    /// libuser's tools set neither supplementary groups nor expiry: `lgroupmod` adds
    /// (`-M`) and removes (`-m`) the user as a member, `lchage -E` sets the expiry day.
    fn local_followups(&self, expires: Option<f64>, add: &[&str], remove: &[&str]) -> Vec<Vec<String>> {
        let mut commands = Vec::new();
        if let Some(expires) = expires {
            let days = match expires < 0.0 {
                true => -1,
                false => (expires / 86400.0).floor() as i64,
            };
            commands.push(with_tool("lchage", vec!["-E".into(), days.to_string()], &self.name));
        }
        for (flag, groups) in [("-M", add), ("-m", remove)] {
            for group in groups {
                commands.push(vec!["lgroupmod".into(), flag.into(), self.name.clone(), group.to_string()]);
            }
        }
        commands
    }

    fn ssh_key_path(&self, home: &str) -> String {
        let key_type = self.ssh_key_type.as_deref().unwrap_or("rsa");
        ssh_key::key_path(home, self.ssh_key_file.as_deref(), key_type)
    }

    fn key_spec(&self) -> KeySpec<'_> {
        KeySpec {
            user: &self.name,
            key_type: self.ssh_key_type.as_deref().unwrap_or("rsa"),
            bits: self.ssh_key_bits.map(|b| b.0),
            comment: self.ssh_key_comment.as_deref(),
            passphrase: self.ssh_key_passphrase.as_deref(),
        }
    }

    /// `chage` for the password ages asked for that the shadow entry does not have yet.
    fn chage(&self, cur: &Current) -> Option<Vec<String>> {
        if self.state == Presence::Absent {
            return None;
        }
        let mut argv = Vec::new();
        let ages = [
            ("-m", 3, self.password_expire_min),
            ("-M", 4, self.password_expire_max),
            ("-W", 5, self.password_expire_warn),
        ];
        for (flag, field, wanted) in ages {
            if let Some(Int(days)) = wanted {
                if cur.account.is_none() || cur.shadow_field(field) != days.to_string() {
                    push(&mut argv, flag, days.to_string());
                }
            }
        }
        (!argv.is_empty()).then(|| with_tool("chage", argv, &self.name))
    }

    fn group_gid(&self, groups: &[GroupEntry]) -> Result<Option<u32>, ModuleError> {
        let Some(group) = &self.group else {
            return Ok(None);
        };
        find_group(groups, group)
            .map(|g| Some(g.gid))
            .ok_or_else(|| ModuleError::failed(format!("Group {group} does not exist")))
    }

    /// The supplementary groups asked for, checked to exist.
    fn wanted_groups(&self, groups: &[GroupEntry]) -> Result<Option<Vec<String>>, ModuleError> {
        let Some(List(wanted)) = &self.groups else {
            return Ok(None);
        };
        let mut names = Vec::new();
        for g in wanted.iter().filter(|g| !g.is_empty()) {
            let found = find_group(groups, g)
                .ok_or_else(|| ModuleError::failed(format!("Group {g} does not exist")))?;
            names.push(found.name.clone());
        }
        Ok(Some(names))
    }

    /// The commands that make the user as asked; none when it already is.
    fn commands(&self, cur: &Current) -> Result<Vec<Vec<String>>, ModuleError> {
        let mut argv = Vec::new();
        let local = self.local.0;
        let gid = self.group_gid(&cur.groups)?;
        let wanted_groups = self.wanted_groups(&cur.groups)?;
        let Some(acct) = &cur.account else {
            if self.state == Presence::Absent {
                return Ok(Vec::new());
            }
            if let Some(uid) = self.uid {
                push(&mut argv, "-u", uid.0.to_string());
            }
            if let Some(group) = &self.group {
                push(&mut argv, "-g", group.clone());
            } else if find_group(&cur.groups, &self.name).is_some_and(|g| g.name == self.name) {
                // A group named as the user exists: the tools would try to make it again.
                argv.push(if local { "-n" } else { "-N" }.to_string());
            }
            let groups = wanted_groups.unwrap_or_default();
            if !groups.is_empty() && !local {
                push(&mut argv, "-G", groups.join(","));
            }
            if let Some(shell) = &self.shell {
                push(&mut argv, "-s", shell.clone());
            }
            if let Some(home) = &self.home {
                push(&mut argv, "-d", home.clone());
            }
            if let Some(comment) = &self.comment {
                push(&mut argv, "-c", comment.clone());
            }
            if let Some(password) = &self.password {
                let locked = self.password_lock.is_some_and(|l| l.0);
                let hash = if locked { format!("!{password}") } else { password.clone() };
                push(&mut argv, "-p", hash);
            }
            if let Some(expires) = self.expires.filter(|_| !local) {
                push(&mut argv, "-e", expire_date(expires));
            }
            if let Some(days) = self.password_expire_account_disable {
                push(&mut argv, "-f", days.0.to_string());
            }
            match self.create_home.0 {
                true if !local => argv.push("-m".into()),
                true => {}
                false => argv.push("-M".into()),
            }
            if let (Some(skel), true) = (&self.skeleton, self.create_home.0) {
                push(&mut argv, "-k", skel.clone());
            }
            let limits = [("UMASK", self.umask.clone()), ("UID_MIN", self.uid_min.map(|u| u.0.to_string())), ("UID_MAX", self.uid_max.map(|u| u.0.to_string()))];
            for (key, value) in limits {
                if let Some(value) = value {
                    push(&mut argv, "-K", format!("{key}={value}"));
                }
            }
            if self.system.0 {
                argv.push("-r".into());
            }
            let mut commands = vec![with_tool(&self.tool("useradd"), argv, &self.name)];
            if local {
                let add: Vec<&str> = groups.iter().map(String::as_str).collect();
                commands.extend(self.local_followups(self.expires, &add, &[]));
            }
            return Ok(commands);
        };
        if self.state == Presence::Absent {
            let mut argv = Vec::new();
            if self.remove.0 {
                argv.push("-r".to_string());
            }
            if self.force.0 && !local {
                argv.push("-f".to_string());
            }
            return Ok(vec![with_tool(&self.tool("userdel"), argv, &self.name)]);
        }
        let (mut add, mut remove) = (Vec::new(), Vec::new());
        if let Some(uid) = self.uid.filter(|u| u.0 != i64::from(acct.uid)) {
            push(&mut argv, "-u", uid.0.to_string());
        }
        // By number: lusermod takes no group name.
        if let Some(gid) = gid.filter(|g| *g != acct.gid) {
            push(&mut argv, "-g", gid.to_string());
        }
        if let Some(wanted) = wanted_groups {
            let primary = gid.unwrap_or(acct.gid);
            let current: Vec<&str> = cur
                .groups
                .iter()
                .filter(|g| g.gid != primary && g.members.contains(&acct.name))
                .map(|g| g.name.as_str())
                .collect();
            let wanted: Vec<&str> = wanted
                .iter()
                .map(String::as_str)
                .filter(|w| find_group(&cur.groups, w).is_some_and(|g| g.gid != primary))
                .collect();
            let missing = wanted.iter().any(|w| !current.contains(w));
            let extra = current.iter().any(|c| !wanted.contains(c));
            if local {
                add = wanted.iter().filter(|w| !current.contains(w)).map(|w| w.to_string()).collect();
                if !self.append.0 {
                    remove = current.iter().filter(|c| !wanted.contains(c)).map(|c| c.to_string()).collect();
                }
            } else if missing || (extra && !self.append.0) {
                if self.append.0 {
                    argv.push("-a".into());
                }
                push(&mut argv, "-G", wanted.join(","));
            }
        }
        if let Some(shell) = self.shell.as_ref().filter(|s| **s != acct.shell) {
            push(&mut argv, "-s", shell.clone());
        }
        if let Some(home) = self.home.as_ref().filter(|h| **h != acct.home) {
            push(&mut argv, "-d", home.clone());
        }
        if let Some(comment) = self.comment.as_ref().filter(|c| **c != acct.comment) {
            push(&mut argv, "-c", comment.clone());
        }
        let mut local_expiry = None;
        if let Some(expires) = self.expires {
            // An empty field is "never" (-1, as getspnam reads it), no shadow entry at all is
            // day 0 (Ansible's reading); compared by the day.
            let current: i64 = match cur.shadow.len() > 1 {
                true => cur.shadow_field(7).parse().unwrap_or(-1),
                false => 0,
            };
            let wanted = (expires / 86400.0).floor() as i64;
            let differs = match expires < 0.0 {
                true => current >= 0,
                false => current < 0 || current != wanted,
            };
            match (differs, local) {
                (true, false) => push(&mut argv, "-e", expire_date(expires)),
                (true, true) => local_expiry = Some(expires),
                (false, _) => {}
            }
        }
        if let Some(days) = self.password_expire_account_disable {
            if cur.shadow_field(6) != days.0.to_string() {
                push(&mut argv, "-f", days.0.to_string());
            }
        }
        let locked = cur.hash().starts_with('!');
        match self.password_lock {
            Some(Bool(true)) if !locked => argv.push("-L".into()),
            Some(Bool(false)) if locked => argv.push("-U".into()),
            _ => {}
        }
        if self.update_password == UpdatePassword::Always {
            let differs = |p: &&String| p.trim_start_matches('!') != cur.hash().trim_start_matches('!');
            if let Some(password) = self.password.as_ref().filter(differs) {
                // -p replaces -L/-U: the hash is written locked or not in one go.
                argv.retain(|a| a != "-L" && a != "-U");
                let hash = match self.password_lock {
                    Some(Bool(true)) => format!("!{password}"),
                    _ => password.clone(),
                };
                push(&mut argv, "-p", hash);
            }
        }
        let mut commands = Vec::new();
        if !argv.is_empty() {
            commands.push(with_tool(&self.tool("usermod"), argv, &self.name));
        }
        if local {
            let (add, remove): (Vec<&str>, Vec<&str>) = (
                add.iter().map(String::as_str).collect(),
                remove.iter().map(String::as_str).collect(),
            );
            commands.extend(self.local_followups(local_expiry, &add, &remove));
        }
        Ok(commands)
    }
}

fn push(argv: &mut Vec<String>, flag: &str, value: String) {
    argv.push(flag.to_string());
    argv.push(value);
}

fn with_tool(tool: &str, args: Vec<String>, name: &str) -> Vec<String> {
    let mut argv = vec![tool.to_string()];
    argv.extend(args);
    argv.push(name.to_string());
    argv
}

pub struct User;

/// What a run does: the account tools' command lines, and a missing home to make.
pub struct UserChange {
    commands: Vec<Vec<String>>,
    /// A key pair to make once the account is there.
    ssh_key: bool,
    /// Password ages, set once the account exists.
    chage: Option<Vec<String>>,
    make_home: Option<String>,
}

/// Makes the missing home `home` of an existing user as Ansible does: the skeleton's content,
/// owned by the user, mode `0777 & ~UMASK` of the target's login.defs. The directory itself
/// must be new (`mkdir` without `-p`), so nothing put there meanwhile is taken over.
fn make_home_script(name: &str, home: &str, skeleton: Option<&str>) -> String {
    let (n, h) = (quote(name), quote(home));
    let skel = quote(skeleton.unwrap_or("/etc/skel"));
    format!(
        "mkdir -p -- \"$(dirname -- {h})\" && mkdir -m 700 -- {h} || exit 1\n\
         if [ -d {skel} ]; then cp -a -- {skel}/. {h}/ || exit 1; fi\n\
         g=$(id -g -- {n}) && chown -hR -- {n}:\"$g\" {h} || exit 1\n\
         m=$(sed -n 's/^UMASK[[:space:]]*\\([0-7]\\{{3,4\\}}\\)[[:space:]]*$/\\1/p' /etc/login.defs 2>/dev/null | tail -n 1)\n\
         chmod \"$(printf '%o' $((0777 & ~0${{m:-022}})))\" -- {h}\n"
    )
}

impl Module for User {
    type Args = UserArgs;
    type Change = UserChange;
    const NAME: &'static str = "user";

    fn query(&self, args: &UserArgs, cx: &Context) -> Result<Query<UserChange>, ModuleError> {
        super::check_name("user", &args.name)?;
        if let Some(g) = &args.group {
            super::check_name("group", g)?;
        }
        args.validate()?;
        let name = quote(&args.name);
        // A local account is one /etc/passwd has, whatever other sources NSS asks.
        let passwd = match args.local.0 {
            true => format!("grep -F -- {} /etc/passwd", quote(&format!("{}:", args.name))),
            false => format!("getent passwd -- {name}"),
        };
        let mut probe = Probe::new().section("passwd", &passwd);
        if args.reads_shadow() {
            probe = probe.section("shadow", &format!("getent shadow -- {name}"));
        }
        if args.state == Presence::Present {
            probe = probe.section("groups", "getent group");
        }
        // Whether the home the user will have is there (an existing user's may be missing).
        let home = match &args.home {
            Some(h) => quote(h),
            None => format!("\"$(getent passwd -- {name} | cut -d: -f6)\""),
        };
        if args.create_home.0 && args.state == Presence::Present {
            probe = probe.section("home", &format!("h={home}; [ -n \"$h\" ] && [ ! -e \"$h\" ] && echo \"$h\""));
        }
        let found = probe.run(cx.target)?;
        let account = found
            .get("passwd")
            .out
            .lines()
            .filter_map(parse_passwd)
            .rfind(|a| a.name == args.name);
        let current = Current {
            shadow: found
                .get("shadow")
                .value()
                .split(':')
                .map(str::to_string)
                .collect(),
            groups: parse_groups(&found.get("groups").out),
            account,
        };
        let mut report = Report::ok().with("name", args.name.as_str()).with(
            "state",
            if args.state == Presence::Present {
                "present"
            } else {
                "absent"
            },
        );
        if let Some(acct) = current
            .account
            .as_ref()
            .filter(|_| args.state == Presence::Present)
        {
            report = report
                .with("uid", args.uid.map_or(i64::from(acct.uid), |u| u.0))
                .with("group", acct.gid)
                .with("home", args.home.clone().unwrap_or(acct.home.clone()))
                .with("shell", args.shell.clone().unwrap_or(acct.shell.clone()))
                .with(
                    "comment",
                    args.comment.clone().unwrap_or(acct.comment.clone()),
                );
        }
        if args.append.0 && args.groups.is_none() {
            report = report.warn("'append' is set, but no 'groups' are specified. Use 'groups' for appending new groups.This will change to an error in Ansible 2.14.");
        }
        if let Some(password) = &args.password {
            report = report.with("password", HIDDEN);
            if !looks_hashed(password) {
                report = report.warn("The input password appears not to have been hashed. The 'password' argument must be encrypted for this module to work properly.");
            }
        }
        let make_home = match (&current.account, found.get("home").value()) {
            (Some(_), missing) if !missing.is_empty() => Some(make_home_script(
                &args.name,
                missing,
                args.skeleton.as_deref(),
            )),
            _ => None,
        };
        let mut ssh_key = false;
        if args.generate_ssh_key.0 && args.state == Presence::Present {
            match &current.account {
                Some(acct) => {
                    let home = args.home.as_deref().unwrap_or(&acct.home);
                    let path = args.ssh_key_path(home);
                    (report, ssh_key) = kept_key(report, args, cx, &path)?;
                }
                None => ssh_key = true,
            }
        }
        match (args.commands(&current)?, args.chage(&current), make_home, ssh_key) {
            (commands, None, None, false) if commands.is_empty() => Ok(Query::unchanged(report)),
            (commands, chage, make_home, ssh_key) => Ok(Query::change(UserChange {
                commands,
                ssh_key,
                chage,
                make_home,
            })
            .with_report(report)),
        }
    }

    fn apply(&self, args: &UserArgs, change: UserChange, cx: &Context) -> Result<Report, ModuleError> {
        for argv in change.commands.iter().chain(&change.chage) {
            run_account_command(cx.target, argv)?;
        }
        if let Some(script) = &change.make_home {
            let out = cx.target.run(script, None)?;
            if !out.success() {
                return Err(ModuleError::failed(format!(
                    "making the home directory failed: {}",
                    out.stderr_str().trim()
                )));
            }
        }
        let mut report = Report::changed();
        // As Ansible's user reports the account it made or changed: read back.
        if args.state == Presence::Present {
            let out = cx.target.run(
                &format!("getent passwd -- {}", quote(&args.name)),
                None,
            )?;
            if let Some(acct) = parse_passwd(&out.stdout_str()).filter(|a| a.name == args.name) {
                let path = args.ssh_key_path(&acct.home);
                let mut generate = change.ssh_key;
                if generate && change.commands.first().is_some_and(|c| c[0].ends_with("useradd")) {
                    // The new account's home may hold a key already.
                    (report, generate) = kept_key(report, args, cx, &path)?;
                }
                if generate {
                    ssh_key::generate(cx.target, &path, &args.key_spec())?;
                    if let KeyState::Present(fields) = ssh_key::describe(cx.target, &path)? {
                        for (k, v) in fields {
                            report = report.with(k, v);
                        }
                    }
                }
                report = report
                    .with("uid", i64::from(acct.uid))
                    .with("group", acct.gid)
                    .with("home", acct.home)
                    .with("shell", acct.shell)
                    .with("comment", acct.comment);
            }
        }
        Ok(report)
    }
}

/// Whether a key pair is to be made at `path`: not when a private key, or a public key
/// alone, is there and `force` is not set (Ansible's warnings say so, and an existing key is
/// reported).
fn kept_key(
    mut report: Report,
    args: &UserArgs,
    cx: &Context,
    path: &str,
) -> Result<(Report, bool), ModuleError> {
    if args.force.0 {
        return Ok((report, true));
    }
    match ssh_key::describe(cx.target, path)? {
        KeyState::Present(fields) => {
            report = report.warn(format!("Found existing ssh key private file \"{path}\", no force, so skipping ssh-keygen generation"));
            for (k, v) in fields {
                report = report.with(k, v);
            }
            Ok((report, false))
        }
        KeyState::PublicOnly => {
            report = report.warn(format!("Found existing ssh key public file \"{path}.pub\", no force, so skipping ssh-keygen generation"));
            Ok((report, false))
        }
        KeyState::Missing => Ok((report, true)),
    }
}

/// Whether `password` looks like a crypt(3) hash, as Ansible's user module judges it before
/// warning: the values that disable a login (`*`, `!`, `*************`) pass; otherwise no
/// `:`, `*` or `!`, a `$id$...$hash` shape whose hash uses only the crypt alphabet, and the
/// hash length of md5 (22), sha256 (43), sha512 (86) and yescrypt (43).
fn looks_hashed(password: &str) -> bool {
    if matches!(password, "*" | "!" | "*************") {
        return true;
    }
    if password.contains([':', '*', '!']) || !password.contains('$') {
        return false;
    }
    let fields: Vec<&str> = password.split('$').collect();
    if fields.len() < 3 {
        return true;
    }
    let hash = fields[fields.len() - 1];
    let alphabet = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '/' | '=');
    let length = match fields[1] {
        "1" => Some(22),
        "5" | "y" => Some(43),
        "6" => Some(86),
        _ => None,
    };
    hash.chars().all(alphabet) && length.is_none_or(|n| hash.len() == n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::fake_accounts::{fake_accounts, log};
    use crate::testing::{run_dyn as run_module, LocalTarget, TempDir};
    use serde_json::{json, Value};

    /// The home is a directory every machine has, so no test here makes one.
    const PASSWD: &str = "gluu:x:1001:1001:Gluu:/:/bin/bash\n";
    const GROUP: &str = "adm:x:4:gluu\ngluu:x:1001:\nldap:x:1005:\n";
    const SHADOW: &str = "gluu:$6$salt$hash:19000:0:99999:7:::\n";

    fn user(target: &LocalTarget, args: Value) -> Report {
        run_module(&User, target, args, false).unwrap()
    }

    #[test]
    fn a_name_that_reads_as_an_option_is_refused_before_any_command() {
        let dir = TempDir::new();
        let target = fake_accounts(&dir, PASSWD, GROUP, SHADOW);
        for args in [
            json!({"name": "-o"}),
            json!({"name": "--badname"}),
            json!({"name": "ok", "group": "-g0"}),
        ] {
            let e = run_module(&User, &target, args, false).unwrap_err();
            assert!(e.to_string().contains("may not be empty or start with '-'"), "{e}");
        }
        assert_eq!(log(&dir), "");
    }

    #[test]
    fn an_existing_user_as_asked_is_unchanged() {
        let dir = TempDir::new();
        let target = fake_accounts(&dir, PASSWD, GROUP, SHADOW);
        let args = json!({"name": "gluu", "uid": 1001, "group": "gluu", "groups": ["adm"],
                          "shell": "/bin/bash", "home": "/", "password": "$6$salt$hash"});
        let r = user(&target, args);
        assert!(!r.changed);
        assert_eq!(r.fields["password"], HIDDEN);
        assert_eq!(r.fields["uid"], 1001);
        assert_eq!(log(&dir), "");
    }

    #[test]
    fn expiry_lock_and_password_ages() {
        let dir = TempDir::new();
        let target = fake_accounts(&dir, PASSWD, GROUP, SHADOW);
        // March 3, 2050 is day 29281.
        let args = json!({"name": "gluu", "expires": 2529881062u64, "password_lock": true,
                          "password_expire_min": 5, "password_expire_max": 99999});
        assert!(user(&target, args.clone()).changed);
        assert_eq!(
            log(&dir),
            "usermod -e 2050-03-03 -L gluu\nchage -m 5 gluu\n"
        );
        let set = "gluu:!$6$salt$hash:19000:5:99999:7::29281:\n";
        let dir = TempDir::new();
        let target = fake_accounts(&dir, PASSWD, GROUP, set);
        assert!(!user(&target, args).changed);
        let never = json!({"name": "gluu", "expires": -1, "password_lock": false});
        assert!(user(&target, never).changed);
        assert_eq!(log(&dir), "usermod -e  -U gluu\n");
        let missing_home = "gluu:x:1001:1001:Gluu:/nonexistent/troupe-test-home:/bin/sh\n";
        let dir = TempDir::new();
        let target = fake_accounts(&dir, missing_home, GROUP, SHADOW);
        let r = run_module(&User, &target, json!({"name": "gluu"}), true).unwrap();
        assert!(r.changed, "a missing home is made");
    }

    /// Runs ssh-keygen for real, as root (the tests' user) through runuser.
    #[test]
    fn an_ssh_key_with_a_passphrase_is_made_once() {
        let dir = TempDir::new();
        let key = dir.join("keys/id");
        let target = LocalTarget::new();
        let args = json!({"name": "root", "generate_ssh_key": true, "ssh_key_file": key,
                          "ssh_key_passphrase": "pass phrase", "ssh_key_comment": "c"});
        let r = user(&target, args.clone());
        assert!(r.changed);
        assert!(r.fields["ssh_public_key"].as_str().unwrap().ends_with(" c"), "{r:?}");
        assert!(!format!("{r:?}").contains("pass phrase"));
        let unlock = |pass: &str| {
            std::process::Command::new("ssh-keygen")
                .args(["-y", "-P", pass, "-f", &key])
                .stdin(std::process::Stdio::null())
                .output()
                .unwrap()
                .status
                .success()
        };
        assert!(unlock("pass phrase") && !unlock("wrong"));
        let again = user(&target, args);
        assert!(!again.changed);
        assert_eq!(again.fields["ssh_fingerprint"], r.fields["ssh_fingerprint"]);
    }

    #[test]
    fn local_accounts_use_libuser_and_etc_passwd() {
        let dir = TempDir::new();
        // getent knows gluu, /etc/passwd does not: a local gluu is made, with a group
        // named as the user already there (-n), its groups and expiry by follow-ups.
        let target = fake_accounts(&dir, PASSWD, GROUP, SHADOW);
        let args = json!({"name": "gluu", "local": true, "groups": ["adm", "ldap"],
                          "expires": 86400 * 3, "create_home": false});
        assert!(user(&target, args).changed);
        assert_eq!(
            log(&dir),
            "luseradd -n -M gluu\nlchage -E 3 gluu\nlgroupmod -M gluu adm\nlgroupmod -M gluu ldap\n"
        );
        // root is in every /etc/passwd; nothing to do, and no warning.
        let r = user(&target, json!({"name": "root", "local": true}));
        assert!(!r.changed && !r.fields.contains_key("warnings"), "{r:?}");
        for option in ["umask", "uid_min"] {
            let args = json!({"name": "x", "local": true, option: "077"});
            let e = run_module(&User, &target, args, false).unwrap_err().to_string();
            assert!(e.contains(&format!("'{option}' can not be used with 'local'")), "{e}");
        }
    }

    #[test]
    fn a_new_user_beside_its_named_group_gets_n_and_the_limits() {
        let dir = TempDir::new();
        let target = fake_accounts(&dir, "", GROUP, "");
        let args = json!({"name": "ldap", "umask": "077", "uid_min": 1500, "uid_max": 1501,
                          "password_expire_account_disable": 15});
        assert!(user(&target, args).changed);
        assert_eq!(
            log(&dir),
            "useradd -N -f 15 -m -K UMASK=077 -K UID_MIN=1500 -K UID_MAX=1501 ldap\n"
        );
        let r = user(&target, json!({"name": "gluu", "append": true}));
        assert!(r.fields["warnings"][0].as_str().unwrap().starts_with("'append' is set"));
    }

    #[test]
    fn changes_only_what_differs() {
        let dir = TempDir::new();
        let target = fake_accounts(&dir, PASSWD, GROUP, SHADOW);
        let args = json!({"name": "gluu", "groups": "ldap", "append": true, "shell": "/bin/sh",
                          "password": "$6$new$hash"});
        let r = user(&target, args);
        assert!(r.changed);
        assert_eq!(
            log(&dir),
            "usermod -a -G ldap -s /bin/sh -p $6$new$hash gluu\n"
        );
        assert!(
            !format!("{r:?}").contains("$6$new$hash"),
            "the hash is never reported"
        );
    }

    #[test]
    fn groups_without_append_are_exact() {
        let dir = TempDir::new();
        let target = fake_accounts(&dir, PASSWD, GROUP, SHADOW);
        assert!(user(&target, json!({"name": "gluu", "groups": ""})).changed);
        assert_eq!(log(&dir), "usermod -G  gluu\n");
        assert!(
            !user(
                &target,
                json!({"name": "gluu", "groups": "adm", "append": true})
            )
            .changed
        );
    }

    #[test]
    fn creates_and_removes() {
        let dir = TempDir::new();
        let target = fake_accounts(&dir, PASSWD, GROUP, SHADOW);
        let args = json!({"name": "jetty", "system": true, "create_home": false, "group": "ldap",
                          "shell": "/usr/sbin/nologin"});
        assert!(user(&target, args).changed);
        assert!(
            user(
                &target,
                json!({"name": "gluu", "state": "absent", "remove": true})
            )
            .changed
        );
        assert!(!user(&target, json!({"name": "nobody-here", "state": "absent"})).changed);
        assert_eq!(
            log(&dir),
            "useradd -g ldap -s /usr/sbin/nologin -M -r jetty\nuserdel -r gluu\n"
        );
    }

    #[test]
    fn a_missing_group_fails() {
        let dir = TempDir::new();
        let target = fake_accounts(&dir, PASSWD, GROUP, SHADOW);
        let err = run_module(
            &User,
            &target,
            json!({"name": "gluu", "groups": "nope"}),
            false,
        );
        assert!(err.is_err_and(|e| e.to_string() == "Group nope does not exist"));
    }

    #[test]
    fn group_module_creates_changes_and_removes() {
        let dir = TempDir::new();
        let target = fake_accounts(&dir, PASSWD, GROUP, SHADOW);
        let group = |args: Value| run_module(&crate::accounts::group::Group, &target, args, false).unwrap();
        assert!(!group(json!({"name": "ldap", "gid": 1005})).changed);
        assert!(group(json!({"name": "ldap", "gid": 1006})).changed);
        assert!(group(json!({"name": "jetty", "system": true})).changed);
        assert!(group(json!({"name": "adm", "state": "absent"})).changed);
        assert!(!group(json!({"name": "none", "state": "absent"})).changed);
        assert_eq!(
            log(&dir),
            "groupmod -g 1006 ldap\ngroupadd -r jetty\ngroupdel adm\n"
        );
    }

    #[test]
    fn hashes_and_plain_text_are_told_apart_as_ansible_does() {
        let sha512 = format!("$6$rounds=656000$salt${}", "a".repeat(86));
        assert!(super::looks_hashed(&sha512));
        assert!(super::looks_hashed(&format!("$y$j9T$salt${}", "b".repeat(43))));
        for disabled in ["*", "!", "*************"] {
            assert!(super::looks_hashed(disabled));
        }
        assert!(!super::looks_hashed("plaintextpassword"));
        let bad_chars = format!("$6$rounds=656000$salt${}+++", "a".repeat(83));
        assert!(!super::looks_hashed(&bad_chars), "+ is outside the crypt alphabet");
        assert!(!super::looks_hashed("$6$salt$short"));
    }
}
