//! `modification_time` / `access_time` of the `file` module: `preserve` leaves a time alone,
//! `now` sets it to the current time. `touch` defaults both to `now`, other states to `preserve`.

use crate::{helpers::shell_text::quote_path, ModuleError};

/// One timestamp option as written in the task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeChoice {
    Preserve,
    Now,
}

impl TimeChoice {
    /// Reads `preserve`/`now`; `None` takes the state's default. Explicit timestamps are not
    /// supported and say so.
    pub fn parse(value: Option<&str>, default: TimeChoice) -> Result<TimeChoice, ModuleError> {
        match value {
            None => Ok(default),
            Some("preserve") => Ok(TimeChoice::Preserve),
            Some("now") => Ok(TimeChoice::Now),
            Some(other) => Err(ModuleError::args(format!(
                "timestamp {other:?}: only 'preserve' and 'now' are supported"
            ))),
        }
    }
}

/// Both times of a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Times {
    pub modification: TimeChoice,
    pub access: TimeChoice,
}

impl Times {
    /// True when neither time is to be kept, or one of them is to be set: a change every run.
    pub fn touches(self) -> bool {
        self.modification == TimeChoice::Now || self.access == TimeChoice::Now
    }

    /// The `touch` command that sets the chosen times of an existing path (empty when none).
    pub fn command(self, path: &str) -> String {
        let flags = match (self.modification, self.access) {
            (TimeChoice::Now, TimeChoice::Now) => "",
            (TimeChoice::Now, TimeChoice::Preserve) => "-m ",
            (TimeChoice::Preserve, TimeChoice::Now) => "-a ",
            (TimeChoice::Preserve, TimeChoice::Preserve) => return String::new(),
        };
        format!("touch {flags}-- {}\n", quote_path(path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choices_and_commands() {
        let keep = TimeChoice::parse(Some("preserve"), TimeChoice::Now).unwrap();
        let now = TimeChoice::parse(None, TimeChoice::Now).unwrap();
        assert_eq!((keep, now), (TimeChoice::Preserve, TimeChoice::Now));
        assert!(TimeChoice::parse(Some("202401011200"), TimeChoice::Now).is_err());
        let both_kept = Times {
            modification: keep,
            access: keep,
        };
        assert!(!both_kept.touches());
        assert_eq!(both_kept.command("/x"), "");
        let mtime_only = Times {
            modification: now,
            access: keep,
        };
        assert!(mtime_only.touches());
        assert_eq!(mtime_only.command("/x"), "touch -m -- /x\n");
    }
}
