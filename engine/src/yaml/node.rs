//! A YAML tree that remembers where each value and each mapping key was written, so that
//! errors about a playbook can point at the line and column of the offending text.

use std::{collections::HashSet, fmt};

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::{
    granit_parser::{Event, Parser, ScalarStyle},
    Spanned,
};

use crate::{Map, Value};

/// One YAML value with its position (1-based line and column; 0 when unknown).
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: NodeValue,
    pub line: usize,
    pub column: usize,
    /// Where the scalar itself is written (differs from `line`/`column` for aliases and
    /// merged keys); used to tell plain scalars from quoted ones.
    defined: (usize, usize),
}

#[derive(Debug, Clone, PartialEq)]
pub enum NodeValue {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    Str(String),
    Seq(Vec<Node>),
    /// Keys in written order; a repeated key keeps its first position and its last value.
    Map(Vec<Entry>),
}

/// A mapping entry: the key as text, where the key was written, and the value.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: String,
    pub key_line: usize,
    pub key_column: usize,
    pub value: Node,
}

impl Node {
    /// A node made in code rather than read (positions are those of `at`).
    pub fn synthetic(value: NodeValue, line: usize, column: usize) -> Self {
        Node {
            value,
            line,
            column,
            defined: (line, column),
        }
    }

    /// The plain value, dropping positions.
    pub fn to_value(&self) -> Value {
        match &self.value {
            NodeValue::Null => Value::Null,
            NodeValue::Bool(b) => Value::Bool(*b),
            NodeValue::Number(n) => Value::Number(n.clone()),
            NodeValue::Str(s) => Value::String(s.clone()),
            NodeValue::Seq(items) => Value::Array(items.iter().map(Node::to_value).collect()),
            NodeValue::Map(entries) => Value::Object(
                entries
                    .iter()
                    .map(|e| (e.key.clone(), e.value.to_value()))
                    .collect::<Map>(),
            ),
        }
    }

    /// The plain value of a mapping node.
    pub fn to_map(&self) -> Option<Map> {
        match self.to_value() {
            Value::Object(map) => Some(map),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            NodeValue::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            NodeValue::Seq(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[Entry]> {
        match &self.value {
            NodeValue::Map(entries) => Some(entries),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.value, NodeValue::Null)
    }

    /// The value of `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_map()?
            .iter()
            .find(|e| e.key == key)
            .map(|e| &e.value)
    }

    /// What kind of YAML value this is, for messages ("a list", "a mapping"...).
    pub fn kind(&self) -> &'static str {
        match &self.value {
            NodeValue::Null => "null",
            NodeValue::Bool(_) => "a boolean",
            NodeValue::Number(_) => "a number",
            NodeValue::Str(_) => "a string",
            NodeValue::Seq(_) => "a list",
            NodeValue::Map(_) => "a mapping",
        }
    }

    /// Where the scalar itself is written (as `defined` says).
    pub(crate) fn defined_at(&self) -> (usize, usize) {
        self.defined
    }

    /// Reads YAML 1.1 booleans the way Ansible's loader does: the plain (unquoted, untagged)
    /// scalars yes/no/on/off/true/false in lower, Title or UPPER case. `source` is the text
    /// the tree was read from.
    pub(crate) fn resolve_yaml11_booleans(&mut self, source: &str) {
        if self.has_bool_words() {
            self.resolve_with(&plain_bool_words(source));
        }
    }

    fn has_bool_words(&self) -> bool {
        match &self.value {
            NodeValue::Str(s) => troupe_modules::truth::yaml11_bool(s).is_some(),
            NodeValue::Seq(items) => items.iter().any(Node::has_bool_words),
            NodeValue::Map(entries) => entries.iter().any(|e| e.value.has_bool_words()),
            _ => false,
        }
    }

    fn resolve_with(&mut self, plain: &HashSet<(usize, usize)>) {
        match &mut self.value {
            NodeValue::Str(s) => {
                if let Some(b) =
                    troupe_modules::truth::yaml11_bool(s).filter(|_| plain.contains(&self.defined))
                {
                    self.value = NodeValue::Bool(b);
                }
            }
            NodeValue::Seq(items) => items.iter_mut().for_each(|n| n.resolve_with(plain)),
            NodeValue::Map(entries) => entries.iter_mut().for_each(|e| e.value.resolve_with(plain)),
            _ => {}
        }
    }
}

/// Positions (as saphyr reports them) of the plain, untagged scalars spelling a YAML 1.1
/// boolean. The tree alone cannot tell `yes` from `'yes'`; the parser's events can.
fn plain_bool_words(source: &str) -> HashSet<(usize, usize)> {
    let mut found = HashSet::new();
    for (event, span) in Parser::new_from_str(source).flatten() {
        if let Event::Scalar(text, ScalarStyle::Plain, _, None) = event {
            if troupe_modules::truth::yaml11_bool(&text).is_some() {
                found.insert((span.start.line(), span.start.col() + 1));
            }
        }
    }
    found
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let spanned = Spanned::<NodeValue>::deserialize(deserializer)?;
        let at = |l: serde_saphyr::Location| (l.line() as usize, l.column() as usize);
        let (line, column) = at(spanned.referenced);
        Ok(Node {
            value: spanned.value,
            line,
            column,
            defined: at(spanned.defined),
        })
    }
}

impl<'de> Deserialize<'de> for NodeValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = NodeValue;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_unit<E>(self) -> Result<NodeValue, E> {
        Ok(NodeValue::Null)
    }

    fn visit_none<E>(self) -> Result<NodeValue, E> {
        Ok(NodeValue::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<NodeValue, D::Error> {
        NodeValue::deserialize(d)
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<NodeValue, D::Error> {
        NodeValue::deserialize(d)
    }

    fn visit_bool<E>(self, b: bool) -> Result<NodeValue, E> {
        Ok(NodeValue::Bool(b))
    }

    fn visit_i64<E>(self, n: i64) -> Result<NodeValue, E> {
        Ok(NodeValue::Number(n.into()))
    }

    fn visit_u64<E>(self, n: u64) -> Result<NodeValue, E> {
        Ok(NodeValue::Number(n.into()))
    }

    fn visit_f64<E>(self, n: f64) -> Result<NodeValue, E> {
        // JSON has no infinities or NaN: keep them as the text YAML would print.
        Ok(match serde_json::Number::from_f64(n) {
            Some(n) => NodeValue::Number(n),
            None if n.is_nan() => NodeValue::Str(".nan".into()),
            None if n > 0.0 => NodeValue::Str(".inf".into()),
            None => NodeValue::Str("-.inf".into()),
        })
    }

    fn visit_str<E>(self, s: &str) -> Result<NodeValue, E> {
        Ok(NodeValue::Str(s.to_owned()))
    }

    fn visit_string<E>(self, s: String) -> Result<NodeValue, E> {
        Ok(NodeValue::Str(s))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<NodeValue, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Node>()? {
            items.push(item);
        }
        Ok(NodeValue::Seq(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<NodeValue, A::Error> {
        let mut entries: Vec<Entry> = Vec::new();
        while let Some(key) = map.next_key::<Node>()? {
            let value = map.next_value::<Node>()?;
            let name = key_text(&key).map_err(de::Error::custom)?;
            match entries.iter_mut().find(|e| e.key == name) {
                Some(existing) => existing.value = value,
                None => entries.push(Entry {
                    key: name,
                    key_line: key.line,
                    key_column: key.column,
                    value,
                }),
            }
        }
        Ok(NodeValue::Map(entries))
    }
}

/// Mapping keys become text, as JSON objects need (`1:` is `"1"`, `true:` is `"true"`).
fn key_text(key: &Node) -> Result<String, String> {
    match &key.value {
        NodeValue::Str(s) => Ok(s.clone()),
        NodeValue::Null => Ok(String::new()),
        NodeValue::Bool(b) => Ok(b.to_string()),
        NodeValue::Number(n) => Ok(n.to_string()),
        _ => Err(format!(
            "a mapping key must be a scalar, not {}",
            key.kind()
        )),
    }
}
