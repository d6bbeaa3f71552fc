//! The account databases (`getent passwd`, `group`, `shadow`) as `user` and `group` read them.

/// One `passwd` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswdEntry {
    pub name: String,
    pub uid: u32,
    pub gid: u32,
    pub comment: String,
    pub home: String,
    pub shell: String,
}

/// One `group` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupEntry {
    pub name: String,
    pub gid: u32,
    pub members: Vec<String>,
}

pub fn parse_passwd(line: &str) -> Option<PasswdEntry> {
    let f: Vec<&str> = line.trim_end_matches('\n').split(':').collect();
    let [name, _pw, uid, gid, comment, home, shell] = f.as_slice() else {
        return None;
    };
    Some(PasswdEntry {
        name: name.to_string(),
        uid: uid.parse().ok()?,
        gid: gid.parse().ok()?,
        comment: comment.to_string(),
        home: home.to_string(),
        shell: shell.to_string(),
    })
}

pub fn parse_groups(text: &str) -> Vec<GroupEntry> {
    text.lines()
        .filter_map(|line| {
            let f: Vec<&str> = line.split(':').collect();
            let [name, _pw, gid, members] = f.as_slice() else {
                return None;
            };
            Some(GroupEntry {
                name: name.to_string(),
                gid: gid.parse().ok()?,
                members: members
                    .split(',')
                    .filter(|m| !m.is_empty())
                    .map(str::to_string)
                    .collect(),
            })
        })
        .collect()
}

/// A group given by name or number, looked up in `groups`.
pub fn find_group<'a>(groups: &'a [GroupEntry], name_or_gid: &str) -> Option<&'a GroupEntry> {
    groups.iter().find(|g| g.name == name_or_gid).or_else(|| {
        groups
            .iter()
            .find(|g| Some(g.gid) == name_or_gid.parse().ok())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_entries() {
        let p = parse_passwd("gluu:x:1001:1002:Gluu Server:/home/gluu:/bin/bash\n").unwrap();
        assert_eq!(
            (p.uid, p.gid, p.home.as_str(), p.shell.as_str()),
            (1001, 1002, "/home/gluu", "/bin/bash")
        );
        assert_eq!(parse_passwd("broken:x:1"), None);
        let g = parse_groups("adm:x:4:syslog,gluu\ngluu:x:1002:\n");
        assert_eq!(g[0].members, ["syslog", "gluu"]);
        assert!(g[1].members.is_empty());
        assert_eq!(find_group(&g, "1002").unwrap().name, "gluu");
        assert_eq!(find_group(&g, "adm").unwrap().gid, 4);
        assert_eq!(find_group(&g, "nope"), None);
    }
}
