//! What Ansible adds to every module result that names a `path` or `dest`: the path's
//! `state` (`file`, `directory`, `link`, `hard`, `absent`), `uid`, `gid`, `owner`, `group`,
//! `mode` and `size`, as found on the target once the module is done (its `lstat`).

use serde_json::{Map, Value};

use crate::helpers::remote_file::{PathState, STAT_FORMAT};
use crate::helpers::shell_text::quote;
use crate::target::Target;

/// The path a result names: `path`, else `dest`.
pub fn named_path(fields: &Map<String, Value>) -> Option<&str> {
    ["path", "dest"]
        .iter()
        .find_map(|k| fields.get(*k).and_then(Value::as_str))
        .filter(|p| !p.is_empty())
}

/// Whether a result already carries what [`add`] would look up.
pub fn known(fields: &Map<String, Value>) -> bool {
    fields.contains_key("uid")
}

/// Adds the path's information to `fields`, keeping what the module said itself. One round
/// trip; a path that cannot be inspected adds nothing.
pub fn add(target: &dyn Target, path: &str, fields: &mut Map<String, Value>) {
    let script = format!(
        "stat -c '{STAT_FORMAT} %n' -- {} 2>/dev/null || echo absent",
        quote(path)
    );
    let Ok(out) = target.run(&script, None) else {
        return;
    };
    let text = out.stdout_str();
    let line = text.trim_end_matches('\n');
    let info = if line == "absent" {
        vec![("state", Value::from("absent"))]
    } else {
        match PathState::from_stat_line(line, Some(path)) {
            Some(s) => of_state(&s),
            None => return,
        }
    };
    for (k, v) in info {
        fields.entry(k).or_insert(v);
    }
}

/// `report` with the information of `s` it lacks (a probe that left the path as it was);
/// owner and group only when the probe knew their names.
pub fn with_state(mut report: crate::Report, s: &PathState) -> crate::Report {
    for (k, v) in of_state(s) {
        if v.as_str() != Some("") {
            report.fields.entry(k).or_insert(v);
        }
    }
    report
}

/// The fields for a path as probed.
pub fn of_state(s: &PathState) -> Vec<(&'static str, Value)> {
    if !s.exists() {
        return vec![("state", Value::from("absent"))];
    }
    vec![
        ("state", Value::from(s.state_name())),
        ("uid", Value::from(s.uid)),
        ("gid", Value::from(s.gid)),
        ("owner", Value::from(s.owner.clone())),
        ("group", Value::from(s.group.clone())),
        ("mode", Value::from(s.result_mode())),
        ("size", Value::from(s.size)),
    ]
}
