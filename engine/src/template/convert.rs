//! Moving values between the engine's data model (`serde_json`) and minijinja's.

use crate::Value;

/// Converts an engine value for use in a template context.
pub fn to_jinja(v: &Value) -> minijinja::Value {
    minijinja::Value::from(minijinja::value::Serde(v))
}

/// Converts a template result back to an engine value. Undefined becomes null; values with no
/// data form (macros, functions) become their printed form.
pub fn from_jinja(v: &minijinja::Value) -> Value {
    if v.is_undefined() {
        return Value::Null;
    }
    serde_json::to_value(v).unwrap_or_else(|_| Value::String(v.to_string()))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn round_trip_keeps_types_and_key_order() {
        let v = json!({"z": 1, "a": [true, null, 1.5, "s"], "m": {"k": -3}});
        let back = from_jinja(&to_jinja(&v));
        assert_eq!(back, v);
        let keys: Vec<_> = back.as_object().unwrap().keys().cloned().collect();
        assert_eq!(keys, ["z", "a", "m"]);
    }

    #[test]
    fn undefined_becomes_null() {
        assert_eq!(from_jinja(&minijinja::Value::UNDEFINED), Value::Null);
    }
}
