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

/// `chmod`-style symbolic modes, as Ansible reads them: comma-separated clauses of users
/// (`u`, `g`, `o`, `a`; none: all, within the umask 022) and one or more operations
/// (`=`, `+`, `-`) of permissions (`rwxXst`, or another class's bits: `u`, `g`, `o`), such as
/// `u=rw,g+r,o-wx`, `a+X`, `u+rwX-x`.
fn symbolic(spec: &str, mut mode: u32, is_dir: bool) -> Result<u32, ModuleError> {
    const UMASK: u32 = 0o022;
    for clause in spec.split(',') {
        let bad = || ModuleError::Detailed {
            msg: "mode must be in octal or symbolic form".into(),
            details: format!("bad symbolic permission for mode: {clause}"),
        };
        let op_at = clause.find(['=', '+', '-']).ok_or_else(bad)?;
        let (who, mut rest) = clause.split_at(op_at);
        let users = match who {
            "" | "a" => "ugo",
            w if w.chars().all(|c| "ugo".contains(c)) => w,
            _ => return Err(bad()),
        };
        while let Some(op) = rest.chars().next() {
            let perms_end = rest[1..]
                .find(['=', '+', '-'])
                .map_or(rest.len(), |i| i + 1);
            let perms = &rest[1..perms_end];
            rest = &rest[perms_end..];
            if !perms.chars().all(|c| "rwxXstugo".contains(c)) {
                return Err(bad());
            }
            let before = mode;
            for user in users.chars() {
                // Where this class's rwx bits sit, and its special bit.
                let (shift, special) = match user {
                    'u' => (6, 0o4000),
                    'g' => (3, 0o2000),
                    _ => (0, 0o1000),
                };
                let class_of = |m: u32, shift: u32| (m >> shift) & 0o7;
                let mut bits = 0u32;
                for p in perms.chars() {
                    bits |= match p {
                        'r' => 0o4 << shift,
                        'w' => 0o2 << shift,
                        'x' => 0o1 << shift,
                        'X' if is_dir || before & 0o111 != 0 => 0o1 << shift,
                        's' if user != 'o' => special,
                        't' if user == 'o' => 0o1000,
                        'u' => class_of(before, 6) << shift,
                        'g' => class_of(before, 3) << shift,
                        'o' => class_of(before, 0) << shift,
                        _ => 0,
                    };
                }
                if who.is_empty() {
                    bits &= !UMASK;
                }
                mode = match op {
                    '=' => (mode & !((0o7 << shift) | special)) | bits,
                    '+' => mode | bits,
                    _ => mode & !bits,
                };
            }
        }
    }
    Ok(mode & 0o7777)
}

/// Checks a symbolic mode before anything is changed, with Ansible's error.
pub fn check_symbolic(mode: &Mode) -> Result<(), ModuleError> {
    mode.resolve(0, false).map(|_| ())
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
        let resolve = |spec: &str, current: u32, is_dir: bool| {
            Mode::Symbolic(spec.into())
                .resolve(current, is_dir)
                .unwrap()
        };
        // Several operations in one clause, copying a class, and the umask without users.
        assert_eq!(resolve("u+rwX-x,g-rwx,o=x", 0o644, false), 0o601);
        assert_eq!(resolve("u+rwX,g-rwx,o-rwx", 0o755, true), 0o700);
        assert_eq!(resolve("g=u,o=g", 0o700, false), 0o777);
        assert_eq!(resolve("+w", 0o444, false), 0o644);
        for bad in ["u=foo", "foo=r", "ufoo=r", "abc=r", "ao=r", "oa=r", "rw"] {
            let e = check_symbolic(&Mode::Symbolic(bad.into())).unwrap_err();
            assert!(
                matches!(&e, ModuleError::Detailed { details, .. }
                    if *details == format!("bad symbolic permission for mode: {bad}")),
                "{bad}: {e}"
            );
        }
    }

    #[test]
    fn lists_from_commas() {
        let l: List = serde_json::from_value(json!("a, b,c")).unwrap();
        assert_eq!(l.0, ["a", "b", "c"]);
    }
}
