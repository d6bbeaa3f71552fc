//! Argument types that accept what Ansible users write: `yes`/`no` for booleans, numbers as
//! strings, comma-separated lists, octal modes as numbers or strings.

use serde::{de::DeserializeOwned, Deserialize, Deserializer};
use serde_json::{Map, Value};

use crate::error::ModuleError;
use crate::helpers::python_text;

/// Deserializes a module's arguments, with an error that names the module.
pub fn parse<T: DeserializeOwned>(
    module: &str,
    raw: &Map<String, Value>,
) -> Result<T, ModuleError> {
    // Ansible drops arguments whose value is explicitly omitted; the engine removes those.
    serde_json::from_value(Value::Object(raw.clone()))
        .map_err(|e| ModuleError::args(ansible_wording(module, &e.to_string())))
}

/// serde's words for a missing or unknown argument in Ansible's.
fn ansible_wording(module: &str, serde: &str) -> String {
    let quoted = |rest: &str| rest.split('`').nth(1).map(str::to_string);
    if let Some(name) = serde.strip_prefix("missing field").and_then(quoted) {
        return format!("missing required arguments: {name}");
    }
    if let Some(name) = serde.strip_prefix("unknown field").and_then(quoted) {
        let supported = serde
            .split_once(", expected ")
            .map(|(_, list)| {
                let list = list.trim_start_matches("one of ").replace(" or ", ", ");
                format!(" Supported parameters include: {}.", list.replace('`', ""))
            })
            .unwrap_or_default();
        return format!("Unsupported parameters for ({module}) module: {name}.{supported}");
    }
    format!("{module}: {serde}")
}

pub use super::truth::boolean;

/// A boolean that also accepts `yes`, `no`, `on`, `off`, `1`, `0`, `True`...
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Bool(pub bool);

impl<'de> Deserialize<'de> for Bool {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        boolean(&v)
            .map(Bool)
            .ok_or_else(|| serde::de::Error::custom(format!("{v} is not a valid boolean")))
    }
}

impl From<Bool> for bool {
    fn from(b: Bool) -> bool {
        b.0
    }
}

/// `#[serde(default = "yes")]`: a boolean argument that defaults to true.
pub fn yes() -> Bool {
    Bool(true)
}

/// `state: present` or `state: absent`, for modules that take just those two.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Presence {
    #[default]
    Present,
    Absent,
}

/// An integer that may be written as a string.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Int(pub i64);

impl<'de> Deserialize<'de> for Int {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        let n = match &v {
            Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        };
        n.map(Int)
            .ok_or_else(|| serde::de::Error::custom(format!("{v} is not a valid integer")))
    }
}

/// A list that may also be written as one comma-separated string, as Ansible allows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct List(pub Vec<String>);

impl<'de> Deserialize<'de> for List {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        match v {
            Value::Array(items) => Ok(List(items.iter().map(scalar_string).collect())),
            Value::String(s) if s.is_empty() => Ok(List(Vec::new())),
            Value::String(s) => Ok(List(s.split(',').map(|p| p.trim().to_string()).collect())),
            Value::Null => Ok(List(Vec::new())),
            other => Ok(List(vec![scalar_string(&other)])),
        }
    }
}

/// A string argument that may have been given as a number or boolean (`minute: 5`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Str(pub String);

impl<'de> Deserialize<'de> for Str {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // A list or mapping is Python's text of it, as Ansible converts it.
        let v = Value::deserialize(d)?;
        match v {
            Value::Array(_) | Value::Object(_) => Ok(Str(python_text::python_str(&v))),
            other => Ok(Str(scalar_string(&other))),
        }
    }
}

/// `#[serde(default, deserialize_with = "args::optional_text")]`: an optional path or word
/// that, as Ansible converts it, may be written as a number or a boolean (`creates: yes` is
/// the path `True`).
/// `#[serde(deserialize_with = "args::text")]`: a path or word that may be given as any
/// value, converted to text as Ansible converts it.
pub fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(Str::deserialize(d)?.0)
}

pub fn optional_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<Str>::deserialize(d)?.map(|Str(s)| s))
}

fn scalar_string(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        Value::Bool(b) => if *b { "True" } else { "False" }.to_string(),
        other => other.to_string(),
    }
}

/// A file mode: an integer (`0644` read by YAML 1.1 as octal, i.e. 420) or a string (`"0644"`,
/// `"644"`, `"u=rw,g=r,o=r"`, `"u+x"`). Symbolic modes are resolved against the current mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    Bits(u32),
    Symbolic(String),
}

impl<'de> Deserialize<'de> for Mode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        match &v {
            Value::Number(n) => n
                .as_u64()
                .map(|n| Mode::Bits(n as u32))
                .ok_or_else(|| serde::de::Error::custom(format!("bad mode {v}"))),
            Value::String(s) if !s.is_empty() && s.chars().all(|c| c.is_ascii_digit()) => {
                u32::from_str_radix(s, 8)
                    .map(Mode::Bits)
                    .map_err(|_| serde::de::Error::custom(format!("bad octal mode {s:?}")))
            }
            Value::String(s) => Ok(Mode::Symbolic(s.clone())),
            _ => Err(serde::de::Error::custom(format!("bad mode {v}"))),
        }
    }
}

impl Mode {
    /// The permission bits this mode gives a file whose current bits are `current`.
    pub fn resolve(&self, current: u32, is_dir: bool) -> Result<u32, ModuleError> {
        match self {
            Mode::Bits(b) => Ok(*b),
            Mode::Symbolic(s) => symbolic(s, current, is_dir),
        }
    }
}

/// `chmod`-style symbolic modes: `u=rw,g+r,o-wx,a+X`.
fn symbolic(spec: &str, mut mode: u32, is_dir: bool) -> Result<u32, ModuleError> {
    let bad = || ModuleError::args(format!("bad symbolic mode {spec:?}"));
    for clause in spec.split(',') {
        let op_at = clause.find(['=', '+', '-']).ok_or_else(bad)?;
        let (who, rest) = clause.split_at(op_at);
        let mut mask = 0u32;
        for c in who.chars() {
            mask |= match c {
                'u' => 0o4700,
                'g' => 0o2070,
                'o' => 0o1007,
                'a' => 0o7777,
                _ => return Err(bad()),
            };
        }
        if who.is_empty() {
            mask = 0o7777;
        }
        let op = rest.chars().next().ok_or_else(bad)?;
        let mut bits = 0u32;
        for c in rest[1..].chars() {
            bits |= match c {
                'r' => 0o444,
                'w' => 0o222,
                'x' => 0o111,
                'X' if is_dir || mode & 0o111 != 0 => 0o111,
                'X' => 0,
                's' => 0o6000,
                't' => 0o1000,
                _ => return Err(bad()),
            };
        }
        let bits = bits & mask;
        mode = match op {
            '=' => (mode & !(mask & 0o777 | mask & 0o7000)) | bits,
            '+' => mode | bits,
            _ => mode & !bits,
        };
    }
    Ok(mode & 0o7777)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Two {
        path: String,
        state: Option<String>,
    }

    #[test]
    fn missing_and_unknown_arguments_in_ansibles_words() {
        let err = parse::<Two>("file", json!({}).as_object().unwrap()).unwrap_err();
        assert_eq!(err.to_string(), "missing required arguments: path");
        let err = parse::<Two>(
            "file",
            json!({"path": "/x", "sate": 1}).as_object().unwrap(),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "Unsupported parameters for (file) module: sate. Supported parameters include: path, state."
        );
    }

    #[test]
    fn booleans_the_ansible_way() {
        for yes in [
            json!("yes"),
            json!("On"),
            json!("True"),
            json!(1),
            json!(true),
        ] {
            assert_eq!(boolean(&yes), Some(true), "{yes}");
        }
        for no in [json!("no"), json!("off"), json!("False"), json!(0)] {
            assert_eq!(boolean(&no), Some(false), "{no}");
        }
        assert_eq!(boolean(&json!("maybe")), None);
    }

    #[test]
    fn modes_from_numbers_and_strings() {
        let m: Mode = serde_json::from_value(json!(420)).unwrap();
        assert_eq!(m, Mode::Bits(0o644));
        let m: Mode = serde_json::from_value(json!("0600")).unwrap();
        assert_eq!(m, Mode::Bits(0o600));
        let m: Mode = serde_json::from_value(json!("u=rw,g=r,o=")).unwrap();
        assert_eq!(m.resolve(0o777, false).unwrap(), 0o640);
        let m: Mode = serde_json::from_value(json!("a+X")).unwrap();
        assert_eq!(m.resolve(0o600, true).unwrap(), 0o711);
    }

    #[test]
    fn lists_from_commas() {
        let l: List = serde_json::from_value(json!("a, b,c")).unwrap();
        assert_eq!(l.0, ["a", "b", "c"]);
    }
}
