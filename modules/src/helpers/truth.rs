//! Ansible's truth tables, one home for "is this yes?". Each function names the Ansible rule
//! it mirrors; Python's own truthiness (`if x:`) is Jinja's, and stays with the templates.

use serde_json::Value;

/// `module_utils.parsing.convert_bool.boolean`, which reads module arguments and playbook
/// keywords: `yes/on/1/true/t/y/1.0` and `no/off/0/false/f/n/0.0/''` (any case), booleans,
/// numbers and null. `None` for anything else (a strict caller reports it).
pub fn boolean(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => n.as_f64().map(|f| f != 0.0),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "yes" | "on" | "1" | "true" | "t" | "y" | "1.0" => Some(true),
            "no" | "off" | "0" | "false" | "f" | "n" | "0.0" | "" => Some(false),
            _ => None,
        },
        Value::Null => Some(false),
        _ => None,
    }
}

/// The words a rendered condition (`when:` text) and the `truthy(convert_bool=True)` test take
/// as booleans: `true/yes/on/1` and `false/no/off/0`, any case. The `bool` filter is true for
/// the first four and false for any other string.
pub fn bool_word(s: &str) -> Option<bool> {
    match s.to_ascii_lowercase().as_str() {
        "true" | "yes" | "on" | "1" => Some(true),
        "false" | "no" | "off" | "0" => Some(false),
        _ => None,
    }
}

/// The YAML 1.1 booleans PyYAML (Ansible's loader) resolves a plain scalar to: `yes/on/true`
/// and `no/off/false`, each all lower, capitalised or all upper case.
pub fn yaml11_bool(s: &str) -> Option<bool> {
    match s {
        "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "true" | "True" | "TRUE" => Some(true),
        "no" | "No" | "NO" | "off" | "Off" | "OFF" | "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn module_booleans_accept_ansibles_spellings() {
        for yes in [
            json!("Yes"),
            json!("t"),
            json!("Y"),
            json!("1.0"),
            json!(1),
            json!(true),
        ] {
            assert_eq!(boolean(&yes), Some(true), "{yes}");
        }
        for no in [json!("off"), json!(""), json!(0), json!(null), json!("N")] {
            assert_eq!(boolean(&no), Some(false), "{no}");
        }
        assert_eq!(boolean(&json!("maybe")), None);
    }

    #[test]
    fn bool_words_are_the_short_list() {
        assert_eq!(bool_word("ON"), Some(true));
        assert_eq!(bool_word("0"), Some(false));
        assert_eq!(bool_word("y"), None);
        assert_eq!(yaml11_bool("Off"), Some(false));
        assert_eq!(yaml11_bool("oN"), None);
    }
}
