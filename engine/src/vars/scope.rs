//! The template context for one task on one host: a stack of variable maps looked up lazily
//! (nothing is copied or converted until a template asks for it), with values that are
//! themselves templates rendered on access, as Ansible does.

use std::{
    cell::{Cell, RefCell},
    collections::{HashMap, HashSet},
    sync::{Arc, Mutex},
};

use minijinja::value::{Enumerator, Object, ObjectRepr, Value as JValue};

use super::Layer;
use crate::{
    template::{to_jinja, Templar},
    Map, Value,
};

/// Variables a task sees, lowest precedence first, plus named objects (`hostvars`).
pub struct Scope {
    templar: Arc<Templar>,
    layers: Vec<(Layer, Arc<Map>)>,
    objects: Vec<(&'static str, JValue)>,
    /// Rendered variables; `None` for one whose template failed (it reads as undefined
    /// again without being rendered again).
    cache: Mutex<HashMap<String, Option<JValue>>>,
    /// Names whose value, when it comes from [`Layer::HostFacts`], is data (a registered
    /// result): used as it is, never templated again.
    unsafe_names: Arc<HashSet<String>>,
}

const MAX_DEPTH: usize = 40;

thread_local! {
    static DEPTH: Cell<usize> = const { Cell::new(0) };
    /// The variables whose templates are being rendered on this thread, outermost first.
    static RENDERING: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
    static NESTED_ERROR: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// The error from rendering a variable's own template during the last lookup on this thread,
/// so that "'a' is undefined" can become "'b' is undefined (in variable 'a')".
pub fn nested_error() -> Option<String> {
    NESTED_ERROR.with(|e| e.borrow_mut().take())
}

impl Scope {
    pub(super) fn new(templar: Arc<Templar>, unsafe_names: Arc<HashSet<String>>) -> Self {
        Scope {
            templar,
            layers: Vec::new(),
            objects: Vec::new(),
            cache: Mutex::default(),
            unsafe_names,
        }
    }

    /// Adds a layer on top. Only [`super::ScopeBuilder`] stacks layers, in precedence order.
    pub(super) fn push(&mut self, layer: Layer, vars: Arc<Map>) {
        if !vars.is_empty() {
            self.layers.push((layer, vars));
        }
    }

    /// Adds a value computed on demand, such as `hostvars`.
    pub(super) fn object(&mut self, name: &'static str, value: JValue) {
        self.objects.push((name, value));
    }

    /// The layers present, bottom first.
    pub fn layers(&self) -> Vec<Layer> {
        self.layers.iter().map(|(l, _)| *l).collect()
    }

    /// The raw (unrendered) value of a variable, highest layer first.
    pub fn raw(&self, name: &str) -> Option<&Value> {
        self.raw_entry(name).map(|(_, v)| v)
    }

    /// The raw value of a variable and the layer it comes from.
    fn raw_entry(&self, name: &str) -> Option<(Layer, &Value)> {
        self.layers
            .iter()
            .rev()
            .find_map(|(l, m)| m.get(name).map(|v| (*l, v)))
    }

    /// The scope as a template context.
    pub fn into_context(self) -> JValue {
        JValue::from_object(self)
    }

    fn lookup(self: &Arc<Self>, name: &str) -> Option<JValue> {
        if name == "vars" {
            return Some(JValue::from_dyn_object(self.clone()));
        }
        if let Some((_, v)) = self.objects.iter().find(|(n, _)| *n == name) {
            return Some(v.clone());
        }
        if let Some(v) = self.cache.lock().unwrap().get(name) {
            return v.clone();
        }
        let (layer, raw) = self.raw_entry(name)?;
        let data = layer == Layer::HostFacts && self.unsafe_names.contains(name);
        let value = if !data && contains_template(raw) {
            if let Some(chain) = cycle_through(name) {
                return Some(recursive_loop(&chain));
            }
            self.render_nested(name, raw)
        } else {
            Some(to_jinja(raw))
        };
        self.cache
            .lock()
            .unwrap()
            .insert(name.to_string(), value.clone());
        value
    }

    fn render_nested(self: &Arc<Self>, name: &str, raw: &Value) -> Option<JValue> {
        let depth = DEPTH.with(|d| d.get());
        if depth >= MAX_DEPTH {
            NESTED_ERROR.with(|e| {
                *e.borrow_mut() = Some(format!("recursive loop detected in variable '{name}'"))
            });
            return None;
        }
        DEPTH.with(|d| d.set(depth + 1));
        RENDERING.with(|r| r.borrow_mut().push(name.to_string()));
        let ctx = JValue::from_dyn_object(self.clone());
        let rendered = self.templar.render_value(raw, &ctx);
        RENDERING.with(|r| r.borrow_mut().pop());
        DEPTH.with(|d| d.set(depth));
        match rendered {
            Ok(v) => Some(to_jinja(&v)),
            Err(err) => {
                NESTED_ERROR.with(|e| {
                    let mut e = e.borrow_mut();
                    if e.is_none() {
                        *e = Some(format!("{err} (in variable '{name}')"));
                    }
                });
                None
            }
        }
    }
}

/// How the error of a variable defined through itself begins (Ansible's words).
pub const RECURSIVE_LOOP: &str = "Recursive loop detected in template";

/// When `name` is being rendered already on this thread: the chain of variables from it
/// back to itself (`a -> b -> a`).
fn cycle_through(name: &str) -> Option<String> {
    RENDERING.with(|r| {
        let stack = r.borrow();
        let start = stack.iter().position(|n| n == name)?;
        let mut chain: Vec<&str> = stack[start..].iter().map(String::as_str).collect();
        chain.push(name);
        Some(chain.join(" -> "))
    })
}

/// A value that fails whatever template uses it: a variable defined through itself, which
/// Ansible reports as a recursive loop instead of looking it up forever.
fn recursive_loop(chain: &str) -> JValue {
    let msg = format!("{RECURSIVE_LOOP}: {chain}");
    NESTED_ERROR.with(|e| {
        let mut e = e.borrow_mut();
        if e.is_none() {
            *e = Some(msg.clone());
        }
    });
    JValue::from(minijinja::Error::new(
        minijinja::ErrorKind::InvalidOperation,
        msg,
    ))
}

impl std::fmt::Debug for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scope")
            .field("layers", &self.layers.len())
            .finish()
    }
}

impl Object for Scope {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &JValue) -> Option<JValue> {
        self.lookup(key.as_str()?)
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        let mut names: Vec<String> = Vec::new();
        for (_, m) in &self.layers {
            for k in m.keys() {
                if !names.contains(k) {
                    names.push(k.clone());
                }
            }
        }
        Enumerator::Values(names.into_iter().map(JValue::from).collect())
    }
}

/// Whether any string inside a value holds a template.
pub fn contains_template(v: &Value) -> bool {
    match v {
        Value::String(s) => Templar::is_template(s),
        Value::Array(a) => a.iter().any(contains_template),
        Value::Object(m) => m
            .iter()
            .any(|(k, v)| Templar::is_template(k) || contains_template(v)),
        _ => false,
    }
}
