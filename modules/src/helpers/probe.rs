//! Several read-only commands run in one round trip, their outputs told apart.

use crate::target::{Target, TargetError};

/// The line that ends each section's output: the marker, the section's name and exit code.
const MARKER: &str = "@@troupe-probe@@";

/// A script made of named sections, each run in a subshell.
#[derive(Default)]
pub struct Probe {
    script: String,
}

/// What one section printed on stdout and how it exited.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Section {
    pub out: String,
    pub rc: i32,
}

impl Section {
    pub fn ok(&self) -> bool {
        self.rc == 0
    }
    /// The output without its trailing newline, for one-value sections.
    pub fn value(&self) -> &str {
        self.out.trim_end_matches('\n')
    }
}

/// The outputs of a probe's sections, by name, and the stderr of the whole run.
#[derive(Debug, Default)]
pub struct Sections {
    sections: Vec<(String, Section)>,
    pub stderr: String,
}

impl Probe {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a section; `name` is a plain word.
    pub fn section(mut self, name: &str, script: &str) -> Self {
        self.script.push_str(&format!(
            "(\n{script}\n)\nprintf '\\n{MARKER} %s %d\\n' {name} $?\n"
        ));
        self
    }

    pub fn script(&self) -> &str {
        &self.script
    }

    pub fn run(&self, target: &dyn Target) -> Result<Sections, TargetError> {
        let out = target.run(&self.script, None)?;
        Ok(parse(&out.stdout_str(), out.stderr_str()))
    }
}

fn parse(stdout: &str, stderr: String) -> Sections {
    let mut sections = Vec::new();
    let separator = format!("\n{MARKER} ");
    let mut chunks = stdout.split(&separator);
    let mut out = chunks.next().unwrap_or_default().to_string();
    for chunk in chunks {
        let (head, rest) = chunk.split_once('\n').unwrap_or((chunk, ""));
        let (name, rc) = head.split_once(' ').unwrap_or((head, "-1"));
        let rc = rc.trim().parse().unwrap_or(-1);
        sections.push((name.to_string(), Section { out, rc }));
        out = rest.to_string();
    }
    Sections { sections, stderr }
}

impl Sections {
    /// A section's result; a section that never reported (the script died) is an empty
    /// output with exit code -1.
    pub fn get(&self, name: &str) -> Section {
        self.sections
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, s)| s.clone())
            .unwrap_or(Section {
                out: String::new(),
                rc: -1,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::LocalTarget;

    #[test]
    fn sections_keep_their_own_output_and_exit_code() {
        let found = Probe::new()
            .section("first", "printf 'a\\nb'")
            .section("second", "echo x; exit 3")
            .section("empty", "true")
            .run(&LocalTarget::new())
            .unwrap();
        assert_eq!(
            found.get("first"),
            Section {
                out: "a\nb".into(),
                rc: 0
            }
        );
        assert_eq!(
            found.get("second"),
            Section {
                out: "x\n".into(),
                rc: 3
            }
        );
        assert_eq!(
            found.get("empty"),
            Section {
                out: String::new(),
                rc: 0
            }
        );
        assert_eq!(found.get("missing").rc, -1);
    }

    #[test]
    fn a_section_that_exits_does_not_end_the_probe() {
        let found = Probe::new()
            .section("a", "exit 1")
            .section("b", "echo still here")
            .run(&LocalTarget::new())
            .unwrap();
        assert_eq!(found.get("b").value(), "still here");
    }
}
