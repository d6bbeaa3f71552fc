//! `modification_time` / `access_time` of the `file` module: `preserve` leaves a time alone,
//! `now` sets it to the current time, and a timestamp (read with `modification_time_format` /
//! `access_time_format`, default `%Y%m%d%H%M.%S`) sets it to that moment in the target's
//! local time, as Ansible's module reads it there. `touch` defaults both to `now`, other
//! states to `preserve`.

use chrono::NaiveDateTime;

use crate::{
    helpers::shell_text::{quote, quote_path},
    ModuleError, Target,
};

/// Ansible's default `*_time_format`.
pub const DEFAULT_FORMAT: &str = "%Y%m%d%H%M.%S";

/// One timestamp option as written in the task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeChoice {
    Preserve,
    Now,
    /// A moment in the target's local time.
    At(NaiveDateTime),
}

impl TimeChoice {
    /// Reads `preserve`, `now` or a timestamp in `format` (Python's `strptime` directives);
    /// `None` takes the state's default.
    pub fn parse(
        value: Option<&str>,
        format: Option<&str>,
        default: TimeChoice,
    ) -> Result<TimeChoice, ModuleError> {
        let format = format.unwrap_or(DEFAULT_FORMAT);
        match value {
            None => Ok(default),
            Some("preserve") => Ok(TimeChoice::Preserve),
            Some("now") => Ok(TimeChoice::Now),
            // As Python's strptime, fields the format leaves out are zero (a date is midnight).
            Some(stamp) => NaiveDateTime::parse_from_str(stamp, format)
                .or_else(|_| {
                    chrono::NaiveDate::parse_from_str(stamp, format)
                        .map(|d| d.and_time(chrono::NaiveTime::MIN))
                })
                .map(TimeChoice::At)
                .map_err(|_| {
                    ModuleError::failed(format!(
                        "Error while obtaining timestamp for time {stamp} using format {format}: time data '{stamp}' does not match format '{format}'"
                    ))
                }),
        }
    }
}

/// Both times of a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Times {
    pub modification: TimeChoice,
    pub access: TimeChoice,
}

/// A time a run will set: which one, and the seconds since the epoch before and after.
#[derive(Debug, Clone, PartialEq)]
pub struct TimeChange {
    pub key: &'static str,
    pub before: f64,
    pub after: f64,
}

impl Times {
    /// Timestamps the path already has become `preserve`, so an unchanged time is no change.
    /// Asks the target once for the moments in its local time; returns the times to set.
    pub fn settle(
        self,
        target: &dyn Target,
        mtime: f64,
        atime: f64,
    ) -> Result<(Times, Vec<TimeChange>), ModuleError> {
        let wanted = [
            ("mtime", self.modification, mtime),
            ("atime", self.access, atime),
        ];
        let stamps: Vec<String> = wanted
            .iter()
            .filter_map(|(_, choice, _)| match choice {
                TimeChoice::At(at) => Some(at.format("%Y-%m-%d %H:%M:%S").to_string()),
                _ => None,
            })
            .collect();
        if stamps.is_empty() {
            return Ok((self, Vec::new()));
        }
        let script: String = stamps
            .iter()
            .map(|s| format!("date -d {} +%s\n", quote(s)))
            .collect();
        let out = target.run(&script, None)?;
        let stdout = out.stdout_str();
        let mut seconds = stdout.lines().map(|l| l.trim().parse::<f64>());
        let mut settled = self;
        let mut changes = Vec::new();
        for (key, choice, current) in wanted {
            if !matches!(choice, TimeChoice::At(_)) {
                continue;
            }
            let Some(Ok(at)) = seconds.next() else {
                return Err(ModuleError::failed(format!(
                    "the target could not read the time {key}: {}",
                    out.stderr_str().trim()
                )));
            };
            if at == current {
                match key {
                    "mtime" => settled.modification = TimeChoice::Preserve,
                    _ => settled.access = TimeChoice::Preserve,
                }
            } else {
                changes.push(TimeChange {
                    key,
                    before: current,
                    after: at,
                });
            }
        }
        Ok((settled, changes))
    }

    /// True when a time is set to a given moment (not now, not kept).
    pub fn sets_a_moment(self) -> bool {
        matches!(self.modification, TimeChoice::At(_)) || matches!(self.access, TimeChoice::At(_))
    }

    /// The `touch` commands that set the chosen times of an existing path (empty when none).
    pub fn command(self, path: &str) -> String {
        let p = quote_path(path);
        match (self.modification, self.access) {
            (TimeChoice::Now, TimeChoice::Now) => format!("touch -- {p}\n"),
            (TimeChoice::Preserve, TimeChoice::Preserve) => String::new(),
            (m, a) => [("-m", m), ("-a", a)]
                .into_iter()
                .filter_map(|(flag, choice)| match choice {
                    TimeChoice::Preserve => None,
                    TimeChoice::Now => Some(format!("touch {flag} -- {p}\n")),
                    TimeChoice::At(at) => Some(format!(
                        "touch {flag} -t {} -- {p}\n",
                        at.format("%Y%m%d%H%M.%S")
                    )),
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choices_and_commands() {
        let keep = TimeChoice::parse(Some("preserve"), None, TimeChoice::Now).unwrap();
        let now = TimeChoice::parse(None, None, TimeChoice::Now).unwrap();
        assert_eq!((keep, now), (TimeChoice::Preserve, TimeChoice::Now));
        let both_kept = Times {
            modification: keep,
            access: keep,
        };
        assert_eq!(both_kept.command("/x"), "");
        let mtime_only = Times {
            modification: now,
            access: keep,
        };
        assert_eq!(mtime_only.command("/x"), "touch -m -- /x\n");
        let at = TimeChoice::parse(Some("202202081414.05"), None, TimeChoice::Now).unwrap();
        let other = TimeChoice::parse(Some("08/02/2022"), Some("%d/%m/%Y"), keep);
        assert!(other.is_ok(), "{other:?}");
        let set = Times {
            modification: at,
            access: now,
        };
        assert_eq!(
            set.command("/x"),
            "touch -m -t 202202081414.05 -- /x\ntouch -a -- /x\n"
        );
        let e = TimeChoice::parse(Some("tomorrow"), None, keep).unwrap_err();
        assert!(e
            .to_string()
            .contains("does not match format '%Y%m%d%H%M.%S'"));
    }
}
