//! A module's report as a task result (with its diff, when diff is on), and the diff as
//! `--diff` prints it.

use crate::{
    output::{Outcome, Status},
    Value,
};
use troupe_modules::Report;

/// A module's report as a task result.
pub fn from_report(report: Report) -> Outcome {
    let mut result = report.fields;
    result.insert("changed".into(), Value::Bool(report.changed));
    // With diff on, the result carries it as Ansible's modules return it.
    if let Some(d) = &report.diff {
        result.entry("diff").or_insert_with(|| {
            serde_json::json!({
                "before": d.before,
                "after": d.after,
                "before_header": d.before_header,
                "after_header": d.after_header,
            })
        });
    }
    let status = if let Some(msg) = report.failed {
        result.insert("failed".into(), Value::Bool(true));
        result.entry("msg").or_insert(Value::from(msg));
        Status::Failed
    } else if report.skipped {
        result.insert("skipped".into(), Value::Bool(true));
        Status::Skipped
    } else if report.changed {
        Status::Changed
    } else {
        Status::Ok
    };
    let mut outcome = Outcome::new(status, result);
    outcome.diff = report.diff.as_ref().map(render_diff);
    outcome
}

/// A unified diff, as `--diff` prints it.
pub fn render_diff(d: &troupe_modules::Diff) -> String {
    if d.before == d.after {
        return String::new();
    }
    similar::TextDiff::from_lines(&d.before, &d.after)
        .unified_diff()
        .context_radius(3)
        .header(
            &format!("before: {}", d.before_header),
            &format!("after: {}", d.after_header),
        )
        .to_string()
}
