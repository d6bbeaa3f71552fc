//! `--tags` and `--skip-tags`, with Ansible's special tags `always`, `never`, `tagged`,
//! `untagged` and `all`.

/// Which tasks a run selects by their tags.
#[derive(Debug, Clone, Default)]
pub struct TagFilter {
    only: Vec<String>,
    skip: Vec<String>,
}

impl TagFilter {
    /// Tags may be given as repeated flags or comma-separated lists.
    pub fn new(only: &[String], skip: &[String]) -> Self {
        let split = |v: &[String]| {
            v.iter()
                .flat_map(|s| s.split(','))
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
        };
        TagFilter {
            only: split(only),
            skip: split(skip),
        }
    }

    /// Whether a task with these (own plus inherited) tags runs; Ansible's rules.
    pub fn selects(&self, tags: &[String]) -> bool {
        let has = |t: &str| tags.iter().any(|x| x == t);
        let only = |t: &str| self.only.iter().any(|x| x == t);
        let skip = |t: &str| self.skip.iter().any(|x| x == t);
        let untagged = tags.is_empty();
        let runs = if self.only.is_empty() {
            !has("never")
        } else {
            has("always")
                || (only("all") && !has("never"))
                || self.only.iter().any(|t| has(t))
                || (only("tagged") && !untagged && !has("never"))
                || (only("untagged") && untagged)
        };
        let skipped = if skip("all") {
            !has("always") || skip("always")
        } else {
            self.skip.iter().any(|t| has(t))
                || (skip("tagged") && !untagged)
                || (skip("untagged") && untagged)
        };
        runs && !skipped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn no_filter_runs_all_but_never() {
        let f = TagFilter::default();
        assert!(f.selects(&[]));
        assert!(f.selects(&t(&["a"])));
        assert!(!f.selects(&t(&["never"])));
        assert!(!f.selects(&t(&["never", "debug"])));
    }

    #[test]
    fn only_tags() {
        let f = TagFilter::new(&t(&["slapd,ntp"]), &[]);
        assert!(f.selects(&t(&["slapd"])));
        assert!(f.selects(&t(&["x", "ntp"])));
        assert!(!f.selects(&t(&["x"])));
        assert!(!f.selects(&[]));
        assert!(f.selects(&t(&["always"])));
        assert!(f.selects(&t(&["never", "ntp"])));
    }

    #[test]
    fn special_tags() {
        assert!(TagFilter::new(&t(&["tagged"]), &[]).selects(&t(&["a"])));
        assert!(!TagFilter::new(&t(&["tagged"]), &[]).selects(&[]));
        assert!(TagFilter::new(&t(&["untagged"]), &[]).selects(&[]));
        assert!(TagFilter::new(&t(&["never"]), &[]).selects(&t(&["never"])));
        assert!(!TagFilter::new(&[], &t(&["always"])).selects(&t(&["always"])));
    }

    #[test]
    fn skip_tags() {
        let f = TagFilter::new(&[], &t(&["ntp"]));
        assert!(!f.selects(&t(&["ntp"])));
        assert!(f.selects(&t(&["slapd"])));
        assert!(f.selects(&[]));
        assert!(f.selects(&t(&["always"])));
        assert!(!f.selects(&t(&["always", "ntp"])));
        assert!(!TagFilter::new(&[], &t(&["untagged"])).selects(&[]));
    }
}
