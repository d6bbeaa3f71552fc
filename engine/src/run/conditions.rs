//! Boolean keywords and conditions (`when`, `until`, `changed_when`, `failed_when`,
//! `ignore_errors`...), evaluated as Ansible does.

use minijinja::Value as JValue;

use super::task_error::TaskError;
use crate::{template::Templar, Value};

/// A boolean keyword written as a literal (`run_once: true`); anything else is false.
pub fn truthy(v: &Option<Value>) -> bool {
    v.as_ref()
        .and_then(troupe_modules::args::boolean)
        .unwrap_or(false)
}

/// A boolean keyword whose templates render in the host's scope.
pub fn keyword_true(templar: &Templar, v: &Option<Value>, ctx: &JValue) -> Result<bool, TaskError> {
    match v {
        None => Ok(false),
        Some(v) => templar.is_true(v, ctx).map_err(TaskError::template),
    }
}

/// Every condition must hold (`when` lists are and-ed).
pub fn all_hold(templar: &Templar, conds: &[Value], ctx: &JValue) -> Result<bool, TaskError> {
    Ok(first_false(templar, conds, ctx)?.is_none())
}

/// The first condition that does not hold, as written (a skipped result's `false_condition`).
pub fn first_false<'c>(
    templar: &Templar,
    conds: &'c [Value],
    ctx: &JValue,
) -> Result<Option<&'c Value>, TaskError> {
    for c in conds {
        if !condition_holds(templar, c, ctx).map_err(TaskError::template)? {
            return Ok(Some(c));
        }
    }
    Ok(None)
}

/// One condition of `when`, `that`...: an empty one (null or "") holds, as with Ansible.
pub fn condition_holds(
    templar: &Templar,
    cond: &Value,
    ctx: &JValue,
) -> Result<bool, crate::template::TemplateError> {
    match cond {
        Value::Null => Ok(true),
        Value::String(s) if s.is_empty() => Ok(true),
        other => templar.is_true(other, ctx),
    }
}
