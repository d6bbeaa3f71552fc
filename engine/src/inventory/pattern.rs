//! Host patterns, as `hosts:` and `--limit` take them: names of hosts or groups, `all`/`*`,
//! wildcards, `~regex`, `group[0]`/`group[1:3]`/`group[-1]` subscripts, joined by `,` or `:`
//! into unions (`a:b`), intersections (`a:&b`) and exclusions (`a:!b`). Unions apply first,
//! then intersections, then exclusions, whatever their order in the pattern.

use indexmap::IndexSet;
use regex::Regex;

use super::error::InventoryError;
use super::glob;
use super::model::{Inventory, ALL, LOCALHOST_NAMES};

/// The hosts a pattern selects, and the parts of it that matched no host or group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    pub hosts: Vec<String>,
    /// Ansible warns "Could not match supplied host pattern, ignoring: …" for each.
    pub unmatched: Vec<String>,
}

/// An item subscript: one host (negative counts from the end) or an inclusive range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Subscript {
    Index(i64),
    Range { start: usize, end: Option<usize> },
}

impl Inventory {
    /// Hosts matching an Ansible host pattern, in inventory order, without duplicates.
    pub fn select(&self, pattern: &str) -> Result<Vec<String>, InventoryError> {
        Ok(self.select_reporting(pattern)?.hosts)
    }

    /// Like `select`, also naming the parts of the pattern that matched nothing.
    pub fn select_reporting(&self, pattern: &str) -> Result<Selection, InventoryError> {
        let mut hosts: IndexSet<String> = IndexSet::new();
        let mut unmatched = Vec::new();
        for term in order_terms(split_pattern(pattern)) {
            if self.hosts.contains_key(&term) {
                hosts.insert(term);
                continue;
            }
            let (operator, expression) = match term.chars().next() {
                Some(op @ ('&' | '!')) => (Some(op), &term[1..]),
                _ => (None, term.as_str()),
            };
            let (matched, found_anything) = self.match_expression(expression)?;
            if !found_anything {
                unmatched.push(expression.to_string());
            }
            match operator {
                Some(op) => {
                    let matched: std::collections::HashSet<String> = matched.into_iter().collect();
                    hosts.retain(|h| matched.contains(h) == (op == '&'));
                }
                None => hosts.extend(matched),
            }
        }
        Ok(Selection {
            hosts: hosts.into_iter().collect(),
            unmatched,
        })
    }

    /// Hosts one term (without its `&`/`!`) names, subscript applied; and whether the term
    /// named any group or host at all.
    fn match_expression(&self, expression: &str) -> Result<(Vec<String>, bool), InventoryError> {
        let (name, subscript) = split_subscript(expression);
        let (hosts, found) = self.enumerate(name)?;
        let Some(subscript) = subscript else {
            return Ok((hosts, found));
        };
        let out_of_range = || InventoryError::SubscriptOutOfRange(expression.to_string());
        let picked = match subscript {
            Subscript::Index(i) => {
                let index = if i < 0 { hosts.len() as i64 + i } else { i };
                let host = usize::try_from(index).ok().and_then(|i| hosts.get(i));
                vec![host.ok_or_else(out_of_range)?.clone()]
            }
            Subscript::Range { start, end } => {
                let end = end.map_or(hosts.len(), |e| (e + 1).min(hosts.len()));
                hosts
                    .get(start..end)
                    .map(<[String]>::to_vec)
                    .unwrap_or_default()
            }
        };
        Ok((picked, found))
    }

    /// Hosts in groups whose names match, then (for wildcards, regexes, or when no group
    /// matched) hosts whose names match; the implicit localhost as a last resort.
    fn enumerate(&self, name: &str) -> Result<(Vec<String>, bool), InventoryError> {
        let matcher = matcher(name)?;
        let mut hosts = Vec::new();
        let groups: Vec<&String> = self.groups.keys().filter(|g| matcher.is_match(g)).collect();
        for group in &groups {
            hosts.extend(self.group_hosts(group));
        }
        let wildcard = name.starts_with('~') || name.contains(['.', '?', '*', '[']);
        if groups.is_empty() || wildcard {
            hosts.extend(self.hosts.keys().filter(|h| matcher.is_match(h)).cloned());
        }
        if hosts.is_empty() && LOCALHOST_NAMES.contains(&name) {
            hosts.push(name.to_string());
        }
        let found = !hosts.is_empty() || !groups.is_empty() || name == ALL;
        Ok((hosts, found))
    }
}

fn matcher(name: &str) -> Result<Regex, InventoryError> {
    let source = match name.strip_prefix('~') {
        // Python's re.match: anchored at the start only.
        Some(regex) => format!("^(?:{regex})"),
        None => glob::to_regex(name),
    };
    Regex::new(&source).map_err(|e| InventoryError::BadPattern {
        pattern: name.to_string(),
        source: Box::new(e),
    })
}

/// Splits a pattern into terms: on commas if it has any, else on colons outside `[...]`
/// (so `web[1:3]` and an IPv6 address stay whole).
fn split_pattern(pattern: &str) -> Vec<String> {
    let terms: Vec<String> = if pattern.contains(',') {
        pattern.split(',').map(str::to_string).collect()
    } else if is_ipv6_address(pattern.trim()) {
        vec![pattern.to_string()]
    } else {
        colon_terms(pattern)
    };
    terms
        .into_iter()
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect()
}

/// Runs of characters other than whitespace, `:`, `[`, `]`, or whole bracketed expressions.
fn colon_terms(pattern: &str) -> Vec<String> {
    let mut terms = Vec::new();
    let mut current = String::new();
    let mut rest = pattern;
    while let Some(c) = rest.chars().next() {
        if c == '[' {
            if let Some(close) = rest.find(']') {
                current.push_str(&rest[..=close]);
                rest = &rest[close + 1..];
                continue;
            }
        }
        if matches!(c, ':' | '[' | ']') || c.is_whitespace() {
            if !current.is_empty() {
                terms.push(std::mem::take(&mut current));
            }
        } else {
            current.push(c);
        }
        rest = &rest[c.len_utf8()..];
    }
    if !current.is_empty() {
        terms.push(current);
    }
    terms
}

fn is_ipv6_address(text: &str) -> bool {
    text.matches(':').count() >= 2
        && text
            .chars()
            .all(|c| c.is_ascii_hexdigit() || matches!(c, ':' | '.' | '[' | ']'))
}

/// Plain terms first, then `&` terms, then `!` terms; `all` when there are no plain terms.
fn order_terms(terms: Vec<String>) -> Vec<String> {
    let (mut plain, mut intersections, mut exclusions) = (Vec::new(), Vec::new(), Vec::new());
    for term in terms {
        match term.chars().next() {
            Some('!') => exclusions.push(term),
            Some('&') => intersections.push(term),
            _ => plain.push(term),
        }
    }
    if plain.is_empty() {
        plain.push(ALL.to_string());
    }
    plain
        .into_iter()
        .chain(intersections)
        .chain(exclusions)
        .collect()
}

/// `web[0]`, `web[-1]`, `web[1:3]`, `web[2:]` (and the old `web[1-3]`); regexes have none.
fn split_subscript(expression: &str) -> (&str, Option<Subscript>) {
    static SUBSCRIPT: std::sync::LazyLock<Regex> = std::sync::LazyLock::new(|| {
        Regex::new(r"^(.+)\[(?:(-?[0-9]+)|([0-9]+)[:-]([0-9]*))\]$").expect("valid regex")
    });
    if expression.starts_with('~') {
        return (expression, None);
    }
    let Some(c) = SUBSCRIPT.captures(expression) else {
        return (expression, None);
    };
    let name = c.get(1).map_or(expression, |m| m.as_str());
    let number = |i: usize| c.get(i).and_then(|m| m.as_str().parse::<i64>().ok());
    if let Some(index) = number(2) {
        return (name, Some(Subscript::Index(index)));
    }
    let start = number(3).unwrap_or(0) as usize;
    let subscript = match number(4) {
        None => Subscript::Range { start, end: None },
        // Ansible reads an end of 0 as "no range": just the start item.
        Some(0) => Subscript::Index(start as i64),
        Some(end) => Subscript::Range {
            start,
            end: Some(end as usize),
        },
    };
    (name, Some(subscript))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_split_on_commas_or_colons_outside_brackets() {
        assert_eq!(split_pattern("a:b:&c:!d"), vec!["a", "b", "&c", "!d"]);
        assert_eq!(split_pattern("a, b ,"), vec!["a", "b"]);
        assert_eq!(split_pattern("web[1:3]:db"), vec!["web[1:3]", "db"]);
        assert_eq!(split_pattern("::1"), vec!["::1"]);
        assert_eq!(split_pattern("~web\\d+"), vec!["~web\\d+"]);
    }

    #[test]
    fn terms_apply_unions_then_intersections_then_exclusions() {
        let ordered = order_terms(vec!["!x".into(), "a".into(), "&b".into(), "c".into()]);
        assert_eq!(ordered, vec!["a", "c", "&b", "!x"]);
        assert_eq!(order_terms(vec!["!x".into()]), vec!["all", "!x"]);
    }

    #[test]
    fn subscripts() {
        assert_eq!(
            split_subscript("web[0]"),
            ("web", Some(Subscript::Index(0)))
        );
        assert_eq!(
            split_subscript("web[-1]"),
            ("web", Some(Subscript::Index(-1)))
        );
        assert_eq!(
            split_subscript("web[1:3]"),
            (
                "web",
                Some(Subscript::Range {
                    start: 1,
                    end: Some(3)
                })
            )
        );
        assert_eq!(
            split_subscript("web[2:]"),
            (
                "web",
                Some(Subscript::Range {
                    start: 2,
                    end: None
                })
            )
        );
        assert_eq!(split_subscript("web[ab]"), ("web[ab]", None));
        assert_eq!(split_subscript("~web[0]"), ("~web[0]", None));
    }
}
