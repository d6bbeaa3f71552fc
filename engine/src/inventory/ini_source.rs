//! INI inventories: `[group]` sections of host lines (`name k=v ...`), `[group:vars]`
//! sections of `k=v` lines, `[group:children]` sections of group names; host lines before
//! any section are ungrouped; `#` and `;` start comment lines. Values are Python literals.

use std::path::Path;

use indexmap::IndexMap;
use regex::Regex;

use super::error::{IniProblem, InventoryError};
use super::host_address;
use super::model::{Inventory, UNGROUPED};
use super::python_literal::ini_value;
use crate::Map;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    Hosts,
    Vars,
    Children,
}

/// A group named before it was declared, to check once the whole file is read.
enum Pending {
    /// A `[g:vars]` section for a group no `[g]` or `[g:children]` declares (yet).
    Vars { line: usize },
    /// Listed as a child of these parents before its own section.
    Child { line: usize, parents: Vec<String> },
}

/// Adds what the INI inventory `text`, read from `path`, defines.
pub fn apply(inventory: &mut Inventory, path: &Path, text: &str) -> Result<(), InventoryError> {
    let mut reader = Reader {
        inventory,
        pending: IndexMap::new(),
    };
    let mut group = UNGROUPED.to_string();
    let mut section = Section::Hosts;
    let fail = |line: usize, problem: IniProblem| InventoryError::Ini {
        path: path.to_path_buf(),
        line,
        problem,
    };
    for (index, raw) in text.lines().enumerate() {
        let number = index + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with(['#', ';']) {
            continue;
        }
        let step = match parse_header(line) {
            Some(header) => header.and_then(|(name, kind)| {
                (group, section) = (name, kind);
                reader.declare(&group, section, number)
            }),
            None => match section {
                Section::Hosts => reader.host_line(&group, line),
                Section::Vars => reader.vars_line(&group, line),
                Section::Children => reader.child_line(&group, line, number),
            },
        };
        step.map_err(|problem| fail(number, problem))?;
    }
    match reader.pending.into_iter().next() {
        None => Ok(()),
        Some((name, Pending::Vars { line })) => {
            Err(fail(line, IniProblem::VarsForUndefinedGroup(name)))
        }
        Some((child, Pending::Child { line, parents })) => {
            let parent = parents.last().cloned().unwrap_or_default();
            Err(fail(line, IniProblem::UndefinedChild { parent, child }))
        }
    }
}

/// `Some` when the line is a section header: the group and section kind, or why not valid.
fn parse_header(line: &str) -> Option<Result<(String, Section), IniProblem>> {
    static HEADER: std::sync::LazyLock<Regex> = std::sync::LazyLock::new(|| {
        Regex::new(r"^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:#.*)?$").expect("valid regex")
    });
    let Some(captures) = HEADER.captures(line) else {
        let bracketed = line.starts_with('[') && line.ends_with(']');
        return bracketed.then(|| Err(IniProblem::InvalidSection(line.to_string())));
    };
    let group = captures[1].to_string();
    let section = match captures.get(2).map(|m| m.as_str()) {
        None | Some("hosts") => Section::Hosts,
        Some("vars") => Section::Vars,
        Some("children") => Section::Children,
        Some(kind) => {
            let section = format!("{group}:{kind}");
            return Some(Err(IniProblem::UnknownSectionType {
                section,
                kind: kind.to_string(),
            }));
        }
    };
    Some(Ok((group, section)))
}

struct Reader<'a> {
    inventory: &'a mut Inventory,
    pending: IndexMap<String, Pending>,
}

impl Reader<'_> {
    /// A section header: `[g]` and `[g:children]` declare the group, `[g:vars]` only uses it.
    fn declare(&mut self, group: &str, section: Section, line: usize) -> Result<(), IniProblem> {
        if self.inventory.group(group).is_none() {
            if section == Section::Vars && !self.pending.contains_key(group) {
                self.pending
                    .insert(group.to_string(), Pending::Vars { line });
            }
            self.inventory.ensure_group(group);
        }
        if section == Section::Vars {
            return Ok(());
        }
        match self.pending.shift_remove(group) {
            Some(Pending::Child { parents, .. }) => {
                for parent in parents {
                    self.inventory.add_child(&parent, group)?;
                }
            }
            Some(Pending::Vars { .. }) | None => {}
        }
        Ok(())
    }

    fn host_line(&mut self, group: &str, line: &str) -> Result<(), IniProblem> {
        let words = troupe_modules::shell_text::split_with_comments(line).map_err(|source| {
            IniProblem::HostLine {
                line: line.to_string(),
                source,
            }
        })?;
        let Some((entry, assignments)) = words.split_first() else {
            return Ok(());
        };
        let (names, port) = host_address::expand_entry(entry)?;
        if entry.trim_end().ends_with(':') && port.is_none() {
            return Err(IniProblem::TrailingColon(entry.clone()));
        }
        if names.iter().any(|n| n.trim() == "---") {
            return Err(IniProblem::LooksLikeYaml(entry.clone()));
        }
        let mut vars = Map::new();
        for assignment in assignments {
            let (key, value) = assignment
                .split_once('=')
                .ok_or_else(|| IniProblem::ExpectedHostVar(assignment.clone()))?;
            vars.insert(key.to_string(), ini_value(value));
        }
        self.inventory.populate_hosts(&names, port, group, &vars);
        Ok(())
    }

    fn vars_line(&mut self, group: &str, line: &str) -> Result<(), IniProblem> {
        let (key, value) = line
            .split_once('=')
            .ok_or_else(|| IniProblem::ExpectedKeyValue(line.to_string()))?;
        self.inventory
            .set_group_var(group, key.trim(), ini_value(value.trim()));
        Ok(())
    }

    fn child_line(&mut self, group: &str, line: &str, number: usize) -> Result<(), IniProblem> {
        static GROUP_NAME: std::sync::LazyLock<Regex> = std::sync::LazyLock::new(|| {
            Regex::new(r"^([^:\]\s]+)\s*(?:#.*)?$").expect("valid regex")
        });
        let child = GROUP_NAME
            .captures(line)
            .map(|c| c[1].to_string())
            .ok_or_else(|| IniProblem::ExpectedGroupName(line.to_string()))?;
        if self.inventory.group(&child).is_some() {
            self.inventory.add_child(group, &child)?;
            return Ok(());
        }
        match self.pending.get_mut(&child) {
            Some(Pending::Child { parents, .. }) => parents.push(group.to_string()),
            _ => {
                let parents = vec![group.to_string()];
                self.pending.insert(
                    child,
                    Pending::Child {
                        line: number,
                        parents,
                    },
                );
            }
        }
        Ok(())
    }
}
