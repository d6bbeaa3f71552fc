//! STUB: replaced by the template branch.
use crate::Value;
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct TemplateError(pub String);
pub struct Templar;
impl Default for Templar { fn default() -> Self { Templar } }
impl Templar {
    pub fn new() -> Templar { Templar }
    pub fn is_template(s: &str) -> bool { s.contains("{{") || s.contains("{%") || s.contains("{#") }
    pub fn render_str(&self, _s: &str, _ctx: &minijinja::Value) -> Result<Value, TemplateError> { todo!() }
    pub fn render_value(&self, _v: &Value, _ctx: &minijinja::Value) -> Result<Value, TemplateError> { todo!() }
    pub fn eval(&self, _e: &str, _ctx: &minijinja::Value) -> Result<Value, TemplateError> { todo!() }
    pub fn is_true(&self, _c: &Value, _ctx: &minijinja::Value) -> Result<bool, TemplateError> { todo!() }
    pub fn render_file(&self, _p: &std::path::Path, _ctx: &minijinja::Value) -> Result<String, TemplateError> { todo!() }
}
pub fn python_repr(_v: &Value) -> String { todo!() }
pub fn to_jinja(v: &Value) -> minijinja::Value { let _ = v; todo!() }
pub fn from_jinja(v: &minijinja::Value) -> Value { let _ = v; todo!() }
