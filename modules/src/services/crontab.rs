//! A crontab's text and the edits `cron` makes to it, as Ansible makes them: each managed
//! job sits under a `#Ansible: <name>` comment; every other line is kept as it is, in place.

/// The comment that names the job on the next line.
const MARKER: &str = "#Ansible: ";

/// When a job runs: five fields, or one of cron's `@` shorthands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Schedule {
    Fields {
        minute: String,
        hour: String,
        day: String,
        month: String,
        weekday: String,
    },
    /// `reboot`, `hourly`, `daily`, ... (without the `@`).
    Special(String),
}

/// Where a new environment variable goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvPlace<'a> {
    Top,
    After(&'a str),
    Before(&'a str),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CrontabError {
    #[error("Variable named '{0}' not found.")]
    NoSuchVariable(String),
}

/// A job's line. `user` is the user column of `/etc/cron.d` files; `disabled` comments it out.
pub fn job_line(schedule: &Schedule, user: Option<&str>, job: &str, disabled: bool) -> String {
    let job = job.trim_matches(['\r', '\n']);
    let prefix = if disabled { "#" } else { "" };
    let user = user.map(|u| format!("{u} ")).unwrap_or_default();
    match schedule {
        Schedule::Special(when) => format!("{prefix}@{when} {user}{job}"),
        Schedule::Fields {
            minute,
            hour,
            day,
            month,
            weekday,
        } => {
            format!("{prefix}{minute} {hour} {day} {month} {weekday} {user}{job}")
        }
    }
}

/// The lines of a crontab.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Crontab {
    lines: Vec<String>,
}

impl Crontab {
    /// Reads a crontab as `crontab -l` or a cron file gives it. Some `crontab -l` print a
    /// three-line "DO NOT EDIT" header first, which is not part of the table.
    pub fn parse(text: &str) -> Self {
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        let header = lines
            .iter()
            .take(3)
            .take_while(|l| is_crontab_header(l))
            .count();
        lines.drain(..header);
        Crontab { lines }
    }

    /// The text to install: lines joined, one final newline, nothing when empty.
    pub fn render(&self) -> String {
        let text = self.lines.join("\n");
        let text = text.trim_end_matches(['\r', '\n']);
        if text.is_empty() {
            String::new()
        } else {
            format!("{text}\n")
        }
    }

    /// The line of the job named `name`, if there is one.
    pub fn job(&self, name: &str) -> Option<&str> {
        let header = format!("{MARKER}{name}");
        let at = self.lines.iter().position(|l| *l == header)?;
        self.lines.get(at + 1).map(String::as_str)
    }

    /// Makes the job named `name` be `line`: replaced in place under its comment, adopted
    /// when the exact line exists without a comment, else appended. True when it changed.
    pub fn set_job(&mut self, name: &str, line: &str) -> bool {
        let header = format!("{MARKER}{name}");
        if let Some(at) = self.lines.iter().position(|l| *l == header) {
            return match self.lines.get_mut(at + 1) {
                Some(existing) if existing == line => false,
                Some(existing) => {
                    *existing = line.to_string();
                    true
                }
                None => {
                    self.lines.push(line.to_string());
                    true
                }
            };
        }
        if let Some(at) = self.lines.iter().position(|l| l == line) {
            // A job added by hand (or by an old unnamed Ansible task): name it where it is.
            let above = at.checked_sub(1).map(|i| self.lines[i].as_str());
            if above == Some(MARKER.trim_end()) || above == Some(MARKER) {
                self.lines[at - 1] = header;
            } else {
                self.lines.insert(at, header);
            }
            return true;
        }
        self.lines.push(header);
        self.lines.push(line.to_string());
        true
    }

    /// Removes the job named `name` and its comment. True when it was there.
    pub fn remove_job(&mut self, name: &str) -> bool {
        let header = format!("{MARKER}{name}");
        let Some(at) = self.lines.iter().position(|l| *l == header) else {
            return false;
        };
        let end = (at + 2).min(self.lines.len());
        self.lines.drain(at..end);
        true
    }

    /// The index and line of the variable `name`.
    fn env_at(&self, name: &str) -> Option<usize> {
        let prefix = format!("{name}=");
        self.lines.iter().position(|l| l.starts_with(&prefix))
    }

    /// The declaration line of the variable `name`, if there is one.
    pub fn env(&self, name: &str) -> Option<&str> {
        self.env_at(name).map(|i| self.lines[i].as_str())
    }

    /// Sets the variable `name` to `value` (written `name="value"`, as Ansible writes it),
    /// in place when it exists. True when it changed.
    pub fn set_env(
        &mut self,
        name: &str,
        value: &str,
        place: EnvPlace,
    ) -> Result<bool, CrontabError> {
        let decl = format!("{name}=\"{value}\"");
        if let Some(at) = self.env_at(name) {
            let changed = self.lines[at] != decl;
            self.lines[at] = decl;
            return Ok(changed);
        }
        let at = match place {
            EnvPlace::Top => 0,
            EnvPlace::After(other) | EnvPlace::Before(other) => {
                let found = self
                    .env_at(other)
                    .ok_or_else(|| CrontabError::NoSuchVariable(other.to_string()))?;
                if matches!(place, EnvPlace::After(_)) {
                    found + 1
                } else {
                    found
                }
            }
        };
        self.lines.insert(at, decl);
        Ok(true)
    }

    /// Removes the variable `name`. True when it was there.
    pub fn remove_env(&mut self, name: &str) -> bool {
        match self.env_at(name) {
            Some(at) => {
                self.lines.remove(at);
                true
            }
            None => false,
        }
    }

    /// The names of the Ansible-managed jobs, as Ansible returns them in `jobs`.
    pub fn job_names(&self) -> Vec<String> {
        self.lines
            .iter()
            .filter_map(|l| l.strip_prefix(MARKER))
            .map(str::to_string)
            .collect()
    }

    /// The names of the variables declared, as Ansible returns them in `envs`.
    pub fn env_names(&self) -> Vec<String> {
        self.lines
            .iter()
            .filter_map(|l| l.split_once('='))
            .filter(|(name, _)| !name.is_empty() && !name.contains(char::is_whitespace))
            .filter(|(name, _)| !name.starts_with('#'))
            .map(|(name, _)| name.to_string())
            .collect()
    }
}

fn is_crontab_header(line: &str) -> bool {
    line.starts_with("# DO NOT EDIT THIS FILE - edit the master and reinstall.")
        || (line.starts_with("# (/tmp/") && line.contains("installed on"))
        || (line.starts_with("# (") && line.contains("version"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every(minute: &str) -> Schedule {
        Schedule::Fields {
            minute: minute.into(),
            hour: "*".into(),
            day: "*".into(),
            month: "*".into(),
            weekday: "*".into(),
        }
    }

    const FOREIGN: &str = "MAILTO=ops@example.org\n# my own comment\n0 1 * * * /usr/bin/backup\n";

    #[test]
    fn job_lines_in_every_form() {
        assert_eq!(job_line(&every("5"), None, "ls\n", false), "5 * * * * ls");
        assert_eq!(
            job_line(&every("5"), Some("root"), "ls", true),
            "#5 * * * * root ls"
        );
        let reboot = Schedule::Special("reboot".into());
        assert_eq!(job_line(&reboot, None, "up", false), "@reboot up");
        assert_eq!(
            job_line(&reboot, Some("gluu"), "up", true),
            "#@reboot gluu up"
        );
    }

    #[test]
    fn adds_a_named_job_after_foreign_lines() {
        let mut tab = Crontab::parse(FOREIGN);
        assert!(tab.set_job("check", "*/5 * * * * /check"));
        assert_eq!(
            tab.render(),
            format!("{FOREIGN}#Ansible: check\n*/5 * * * * /check\n")
        );
        assert!(
            !tab.set_job("check", "*/5 * * * * /check"),
            "second run changes nothing"
        );
    }

    #[test]
    fn updates_a_job_in_place() {
        let text = "#Ansible: a\n1 * * * * a\nMAILTO=x\n#Ansible: b\n2 * * * * b\n# end\n";
        let mut tab = Crontab::parse(text);
        assert!(tab.set_job("a", "9 * * * * a2"));
        assert_eq!(
            tab.render(),
            text.replace("1 * * * * a\n", "9 * * * * a2\n")
        );
        assert_eq!(tab.job("b"), Some("2 * * * * b"));
        assert_eq!(tab.job_names(), ["a", "b"]);
    }

    #[test]
    fn removes_a_job_and_its_comment_only() {
        let text = "#Ansible: a\n1 * * * * a\n0 1 * * * keep\n#Ansible: b\n2 * * * * b\n";
        let mut tab = Crontab::parse(text);
        assert!(tab.remove_job("a"));
        assert_eq!(tab.render(), "0 1 * * * keep\n#Ansible: b\n2 * * * * b\n");
        assert!(!tab.remove_job("a"));
        assert!(tab.remove_job("b"));
        assert_eq!(tab.render(), "0 1 * * * keep\n");
    }

    #[test]
    fn removing_the_last_job_leaves_an_empty_table() {
        let mut tab = Crontab::parse("#Ansible: a\n1 * * * * a\n");
        assert!(tab.remove_job("a"));
        assert_eq!(tab.render(), "");
    }

    #[test]
    fn disabling_comments_the_line_out_under_the_same_name() {
        let mut tab = Crontab::parse("#Ansible: a\n1 * * * * a\n");
        assert!(tab.set_job("a", &job_line(&every("1"), None, "a", true)));
        assert_eq!(tab.render(), "#Ansible: a\n#1 * * * * a\n");
        assert!(tab.set_job("a", &job_line(&every("1"), None, "a", false)));
        assert_eq!(tab.render(), "#Ansible: a\n1 * * * * a\n");
    }

    #[test]
    fn adopts_an_identical_unnamed_line_where_it_is() {
        let mut tab = Crontab::parse("0 1 * * * other\n@daily /x\n# tail\n");
        assert!(tab.set_job("x", "@daily /x"));
        assert_eq!(
            tab.render(),
            "0 1 * * * other\n#Ansible: x\n@daily /x\n# tail\n"
        );
        let mut tab = Crontab::parse("#Ansible: \n@daily /x\n");
        assert!(tab.set_job("x", "@daily /x"));
        assert_eq!(tab.render(), "#Ansible: x\n@daily /x\n");
    }

    #[test]
    fn drops_the_do_not_edit_header_of_crontab_l() {
        let text = "# DO NOT EDIT THIS FILE - edit the master and reinstall.\n\
                    # (/tmp/crontab.XXXX installed on Mon Jan  1 00:00:00 2024)\n\
                    # (Cron version -- $Id: crontab.c,v 2.13 1994/01/17 03:20:37 vixie Exp $)\n\
                    0 1 * * * job\n";
        assert_eq!(Crontab::parse(text).render(), "0 1 * * * job\n");
        assert_eq!(
            Crontab::parse("# (not a header)\nx\n").render(),
            "# (not a header)\nx\n"
        );
    }

    #[test]
    fn environment_variables() {
        let mut tab = Crontab::parse("SHELL=/bin/sh\n0 1 * * * job\n");
        assert!(tab.set_env("PATH", "/usr/bin", EnvPlace::Top).unwrap());
        assert_eq!(
            tab.render(),
            "PATH=\"/usr/bin\"\nSHELL=/bin/sh\n0 1 * * * job\n"
        );
        assert!(!tab.set_env("PATH", "/usr/bin", EnvPlace::Top).unwrap());
        assert!(tab.set_env("A", "1", EnvPlace::After("SHELL")).unwrap());
        assert!(tab.set_env("B", "2", EnvPlace::Before("SHELL")).unwrap());
        assert_eq!(
            tab.render(),
            "PATH=\"/usr/bin\"\nB=\"2\"\nSHELL=/bin/sh\nA=\"1\"\n0 1 * * * job\n"
        );
        assert!(tab.set_env("SHELL", "/bin/bash", EnvPlace::Top).unwrap());
        assert_eq!(tab.env("SHELL"), Some("SHELL=\"/bin/bash\""));
        assert_eq!(tab.env_names(), ["PATH", "B", "SHELL", "A"]);
        assert_eq!(
            tab.set_env("C", "3", EnvPlace::After("NOPE")),
            Err(CrontabError::NoSuchVariable("NOPE".into()))
        );
        assert!(tab.remove_env("B"));
        assert!(!tab.remove_env("B"));
        assert_eq!(tab.env("B"), None);
    }

    #[test]
    fn several_entries_keep_their_order() {
        let mut tab = Crontab::default();
        for (name, minute) in [("a", "1"), ("b", "2"), ("c", "3")] {
            tab.set_job(name, &job_line(&every(minute), Some("root"), name, false));
        }
        tab.set_job(
            "b",
            &job_line(
                &Schedule::Special("hourly".into()),
                Some("root"),
                "b",
                false,
            ),
        );
        assert_eq!(
            tab.render(),
            "#Ansible: a\n1 * * * * root a\n#Ansible: b\n@hourly root b\n#Ansible: c\n3 * * * * root c\n"
        );
    }
}
