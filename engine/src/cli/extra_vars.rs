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
    let mut out = Map::new();
    for pair in split_words(item) {
        let Some((k, v)) = pair.split_once('=') else {
            return Err(CliError::Usage(format!(
                "extra vars must be key=value, YAML/JSON or @file: {pair:?}"
            )));
        };
        // Ansible keeps key=value extra vars as strings.
        out.insert(k.to_string(), Value::from(v));
    }
    Ok(out)
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

/// Splits on spaces outside quotes, removing the quotes.
fn split_words(s: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    for c in s.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (None, '"' | '\'') => quote = Some(c),
            (None, c) if c.is_whitespace() => {
                if !cur.is_empty() {
                    words.push(std::mem::take(&mut cur));
                }
            }
            (_, c) => cur.push(c),
        }
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    words
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
    }

    #[test]
    fn bad_pair_is_an_error() {
        assert!(parse_all(&["novalue".into()]).is_err());
    }
}
