//! `-e`: `key=value` pairs, a YAML/JSON mapping, or `@file`.

use std::path::Path;

use super::CliError;
use crate::{yaml, Map, Value};

/// Merges every `-e` in order; later ones win.
pub fn parse_all(items: &[String]) -> Result<Map, CliError> {
    let mut out = Map::new();
    for item in items {
        out.extend(parse(item)?);
    }
    Ok(out)
}

fn parse(item: &str) -> Result<Map, CliError> {
    let item = item.trim();
    if let Some(file) = item.strip_prefix('@') {
        return mapping(yaml::load_value(Path::new(file))?, item);
    }
    if item.starts_with('{') || item.starts_with('[') {
        return mapping(yaml::from_str(item, Path::new("<extra vars>"))?, item);
    }
    // Ansible reads `-e` pairs as it reads a task's `k=v` arguments, and keeps them strings.
    let parsed = crate::playbook::kv::parse_kv(item, false, &[]);
    if let Some(pair) = parsed.stray.first() {
        return Err(CliError::Usage(format!(
            "extra vars must be key=value, YAML/JSON or @file: {pair:?}"
        )));
    }
    Ok(parsed.options)
}

fn mapping(v: Value, item: &str) -> Result<Map, CliError> {
    match v {
        Value::Object(m) => Ok(m),
        Value::Null => Ok(Map::new()),
        _ => Err(CliError::Usage(format!(
            "extra vars must be a mapping: {item}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_value_and_json() {
        let m = parse_all(&["a=1 b='two words'".into(), r#"{"c": [1, 2]}"#.into()]).unwrap();
        assert_eq!(m["a"], "1");
        assert_eq!(m["b"], "two words");
        assert_eq!(m["c"], serde_json::json!([1, 2]));
        let m = parse_all(&["k='{{ x }}' j={{ y | default(1) }}".into()]).unwrap();
        assert_eq!(m["k"], "{{ x }}");
        assert_eq!(m["j"], "{{ y | default(1) }}");
    }

    #[test]
    fn bad_pair_is_an_error() {
        assert!(parse_all(&["novalue".into()]).is_err());
    }
}
