//! For the account modules' tests: account files in a temp dir that a fake `getent` reads,
//! and account tools that only log how they were called.

use crate::testing::{LocalTarget, TempDir};

/// A `getent` over account files in the temp dir, and account tools that log their
/// arguments.
pub fn fake_accounts(dir: &TempDir, passwd: &str, group: &str, shadow: &str) -> LocalTarget {
    for (db, text) in [("passwd", passwd), ("group", group), ("shadow", shadow)] {
        std::fs::write(dir.path().join(db), text).unwrap();
    }
    dir.script(
        "bin/getent",
        &format!(
            "#!/bin/sh\ndb={}/$1; shift; [ \"$1\" = -- ] && shift\n\
             [ $# -eq 0 ] && exec cat \"$db\"\ngrep \"^$1:\" \"$db\" || exit 2\n",
            dir.path().display()
        ),
    );
    for tool in [
        "useradd",
        "usermod",
        "userdel",
        "groupadd",
        "groupmod",
        "groupdel",
        "chage",
        "lgroupadd",
        "lgroupmod",
        "lgroupdel",
        "luseradd",
        "lusermod",
        "luserdel",
        "lchage",
    ] {
        dir.script(
            &format!("bin/{tool}"),
            &format!(
                "#!/bin/sh\necho \"$(basename $0) $*\" >> {}\n",
                dir.join("log")
            ),
        );
    }
    LocalTarget::new().with_path_first(&dir.path().join("bin"))
}

pub fn log(dir: &TempDir) -> String {
    std::fs::read_to_string(dir.path().join("log")).unwrap_or_default()
}
