//! `Templar`: renders playbook strings, values, conditions and template files.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, PoisonError, RwLock};

use minijinja::{Environment, ErrorKind, Expression, Template};
use self_cell::self_cell;

use super::cache::CompileCache;
use super::convert::from_jinja;
use super::environment::FileSyntax;
use super::error::TemplateError;
use super::native::{is_template, single_expression};
use crate::Value;
use troupe_modules::truth::bool_word;

type SharedEnv = Arc<Environment<'static>>;
type ExpressionRef<'env> = Expression<'env, 'static>;
type TemplateRef<'env> = Template<'env, 'env>;

self_cell!(
    /// An expression compiled against the shared environment, kept alive with it.
    struct CompiledExpression {
        owner: SharedEnv,
        #[covariant]
        dependent: ExpressionRef,
    }
);

self_cell!(
    /// A string template compiled against the shared environment, kept alive with its source.
    struct CompiledTemplate {
        owner: (SharedEnv, Box<str>),
        #[covariant]
        dependent: TemplateRef,
    }
);

/// Renders templates the way Ansible does. One per run, shared by every host and thread.
pub struct Templar {
    env: SharedEnv,
    /// Conditions (`when`, `that`...) read undefined values as Ansible's chainable undefined:
    /// `a.b.c is defined` and `a.b.c | default(x)` work when `a.b` is missing. A condition
    /// that is itself undefined still fails, naming the variable (see [`Templar::is_true`]).
    cond_env: SharedEnv,
    conditions: CompileCache<CompiledExpression>,
    /// Environments for template files rendered with non-default syntax options.
    file_envs: RwLock<HashMap<FileSyntax, SharedEnv>>,
    templates: CompileCache<CompiledTemplate>,
    expressions: CompileCache<CompiledExpression>,
}

impl Default for Templar {
    fn default() -> Self {
        Self::new()
    }
}

impl Templar {
    pub fn new() -> Templar {
        let mut cond_env =
            super::environment::build(&FileSyntax::default()).expect("Jinja's own syntax");
        cond_env.set_undefined_behavior(minijinja::UndefinedBehavior::Chainable);
        Templar {
            env: Arc::new(
                super::environment::build(&FileSyntax::default()).expect("Jinja's own syntax"),
            ),
            cond_env: Arc::new(cond_env),
            conditions: CompileCache::default(),
            file_envs: RwLock::default(),
            templates: CompileCache::default(),
            expressions: CompileCache::default(),
        }
    }

    /// True when `s` contains `{{`, `{%` or `{#`; other strings need no rendering.
    pub fn is_template(s: &str) -> bool {
        is_template(s)
    }

    /// Renders a string. A string that is exactly one `{{ expr }}` keeps the expression's type
    /// (list, dict, int, bool); anything else renders to text. Plain strings pass through.
    pub fn render_str(&self, s: &str, ctx: &minijinja::Value) -> Result<Value, TemplateError> {
        if !is_template(s) {
            return Ok(Value::String(s.to_owned()));
        }
        let escaped = super::backslashes::escape_in_expressions(s);
        let s = escaped.as_str();
        if let Some(v) = self.native(s, ctx)? {
            return Ok(v);
        }
        self.render_text(s, ctx).map(Value::String)
    }

    /// The value of a template that is one `{{ expression }}` once Jinja has dropped its final
    /// newline (`"{{ 5 }}\n"` is the int 5); a string value gets the source's trailing
    /// newlines back. `None` for any other template.
    fn native(&self, s: &str, ctx: &minijinja::Value) -> Result<Option<Value>, TemplateError> {
        let Some(expr) = single_expression(without_final_newline(s)) else {
            return Ok(None);
        };
        // An expression that does not compile alone (`{{ a }} }}`) is left to the text path,
        // which reports the error against the whole string.
        let Ok(compiled) = self.expression(expr) else {
            return Ok(None);
        };
        let v = compiled
            .borrow_dependent()
            .eval(ctx.clone())
            .map_err(|e| TemplateError::from_jinja(&e, s, None))?;
        if v.is_undefined() {
            return Ok(None);
        }
        Ok(Some(match from_jinja(&v) {
            Value::String(text) => Value::String(keep_trailing_newlines(s, text)),
            other => other,
        }))
    }

    /// Renders every string inside a value: map keys and values, list items, recursively.
    pub fn render_value(&self, v: &Value, ctx: &minijinja::Value) -> Result<Value, TemplateError> {
        Ok(match v {
            Value::String(s) => self.render_str(s, ctx)?,
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|i| self.render_value(i, ctx))
                    .collect::<Result<_, _>>()?,
            ),
            Value::Object(map) => {
                let mut out = crate::Map::with_capacity(map.len());
                for (k, v) in map {
                    let key = if is_template(k) {
                        self.render_text(k, ctx)?
                    } else {
                        k.clone()
                    };
                    out.insert(key, self.render_value(v, ctx)?);
                }
                Value::Object(out)
            }
            other => other.clone(),
        })
    }

    /// Evaluates a bare expression (`when:`, `failed_when:`, `assert: that:`, `debug: var:`).
    /// An expression written as a template (`"{{ x }}"`) is rendered instead, as Ansible allows.
    pub fn eval(&self, expr: &str, ctx: &minijinja::Value) -> Result<Value, TemplateError> {
        if is_template(expr) {
            return self.render_str(expr, ctx);
        }
        let compiled = self
            .expression(expr)
            .map_err(|e| TemplateError::from_jinja(&e, expr, None))?;
        let v = compiled
            .borrow_dependent()
            .eval(ctx.clone())
            .map_err(|e| TemplateError::from_jinja(&e, expr, None))?;
        if v.is_undefined() {
            // Rendering the same expression as text raises the strict-undefined error that names
            // the missing variable.
            let as_text = format!("{{{{ {expr} }}}}");
            self.render_text(&as_text, ctx)?;
        }
        Ok(from_jinja(&v))
    }

    /// Evaluates a condition with Ansible's truthiness. Booleans, numbers and the literals
    /// true/false/yes/no/on/off are taken as they are; a list is true when every item is.
    pub fn is_true(&self, cond: &Value, ctx: &minijinja::Value) -> Result<bool, TemplateError> {
        match cond {
            Value::Null => Ok(false),
            Value::Bool(b) => Ok(*b),
            Value::Number(n) => Ok(n.as_f64() != Some(0.0)),
            Value::Array(items) => {
                for item in items {
                    if !self.is_true(item, ctx)? {
                        return Ok(false);
                    }
                }
                Ok(true)
            }
            Value::Object(map) => Ok(!map.is_empty()),
            Value::String(s) => {
                if let Some(b) = bool_word(s.trim()) {
                    return Ok(b);
                }
                if is_template(s) {
                    // "{{ flag }}" where flag is the string "false": Ansible reads the text.
                    return Ok(match self.render_str(s, ctx)? {
                        Value::String(text) => {
                            bool_word(text.trim()).unwrap_or(!text.trim().is_empty())
                        }
                        other => truthy(&other),
                    });
                }
                let compiled = self
                    .condition(s)
                    .map_err(|e| TemplateError::from_jinja(&e, s, None))?;
                let v = compiled
                    .borrow_dependent()
                    .eval(ctx.clone())
                    .map_err(|e| TemplateError::from_jinja(&e, s, None))?;
                if v.is_undefined() {
                    // Strictly evaluated, the same expression names what is undefined.
                    self.eval(s, ctx)?;
                }
                Ok(v.is_true())
            }
        }
    }

    /// Renders a template file with the template module's defaults. The absolute path is the
    /// cache key, so two roles' `config.j2` never collide.
    pub fn render_file(
        &self,
        path: &Path,
        ctx: &minijinja::Value,
    ) -> Result<String, TemplateError> {
        self.render_file_with(path, ctx, &FileSyntax::default())
    }

    /// Renders a template file with the given syntax options.
    pub fn render_file_with(
        &self,
        path: &Path,
        ctx: &minijinja::Value,
        options: &FileSyntax,
    ) -> Result<String, TemplateError> {
        let path = std::path::absolute(path).map_err(|source| TemplateError::Read {
            path: path.to_owned(),
            source,
        })?;
        let name = path.to_string_lossy();
        let env = self.file_env(options).map_err(|e| file_error(&e, &path))?;
        let template = env.get_template(&name).map_err(|e| file_error(&e, &path))?;
        let rendered = template
            .render(ctx.clone())
            .map_err(|e| file_error(&e, &path))?;
        // A file that is one expression of another type prints it without the newline.
        if !options.custom_delimiters() {
            if let Ok(Some(v)) = self.native(template.source(), ctx) {
                if !v.is_string() {
                    return Ok(super::python_str(&v));
                }
            }
        }
        Ok(keep_trailing_newlines(template.source(), rendered))
    }

    fn file_env(&self, options: &FileSyntax) -> Result<SharedEnv, minijinja::Error> {
        if *options == FileSyntax::default() {
            return Ok(self.env.clone());
        }
        if let Some(env) = self
            .file_envs
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(options)
        {
            return Ok(env.clone());
        }
        let env = Arc::new(super::environment::build(options)?);
        Ok(self
            .file_envs
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(options.clone())
            .or_insert(env)
            .clone())
    }

    fn render_text(&self, s: &str, ctx: &minijinja::Value) -> Result<String, TemplateError> {
        let compiled = self
            .templates
            .get_or_compile(s, || {
                CompiledTemplate::try_new(
                    (self.env.clone(), without_collection_prefix(s).into()),
                    |(env, source)| {
                        let env: &Environment<'_> = env;
                        env.template_from_str(source)
                    },
                )
            })
            .map_err(|e| TemplateError::from_jinja(&e, s, None))?;
        compiled
            .borrow_dependent()
            .render(ctx.clone())
            .map(|text| keep_trailing_newlines(s, text))
            .map_err(|e| TemplateError::from_jinja(&e, s, None))
    }

    fn condition(&self, expr: &str) -> Result<Arc<CompiledExpression>, minijinja::Error> {
        self.conditions.get_or_compile(expr, || {
            CompiledExpression::try_new(self.cond_env.clone(), |env| {
                env.compile_expression_owned(without_collection_prefix(expr).into_owned())
            })
        })
    }

    fn expression(&self, expr: &str) -> Result<Arc<CompiledExpression>, minijinja::Error> {
        self.expressions.get_or_compile(expr, || {
            CompiledExpression::try_new(self.env.clone(), |env| {
                env.compile_expression_owned(without_collection_prefix(expr).into_owned())
            })
        })
    }
}

/// Jinja's reading of a source: one final newline dropped.
fn without_final_newline(s: &str) -> &str {
    s.strip_suffix("\r\n")
        .or_else(|| s.strip_suffix('\n'))
        .unwrap_or(s)
}

/// Ansible pads the rendered text with newlines until it ends with at least as many as the
/// source does (block tags and `trim_blocks` may have eaten them).
fn keep_trailing_newlines(source: &str, mut rendered: String) -> String {
    let trailing = |t: &str| t.len() - t.trim_end_matches('\n').len();
    let missing = trailing(source).saturating_sub(trailing(&rendered));
    rendered.extend(std::iter::repeat_n('\n', missing));
    rendered
}

/// Jinja truthiness of an engine value.
fn truthy(v: &Value) -> bool {
    super::convert::to_jinja(v).is_true()
}

/// `x | ansible.builtin.to_json` and `x is ansible.builtin.match`: the builtin collection's
/// names are ours, so the prefix goes.
fn without_collection_prefix(source: &str) -> Cow<'_, str> {
    if source.contains("ansible.builtin.") {
        Cow::Owned(source.replace("ansible.builtin.", ""))
    } else {
        Cow::Borrowed(source)
    }
}

/// An error in a template file, pointing at the file (maybe an included one) and line.
fn file_error(err: &minijinja::Error, path: &Path) -> TemplateError {
    if err.kind() == ErrorKind::TemplateNotFound && err.name().is_none_or(|n| Path::new(n) == path)
    {
        let source = std::io::Error::new(std::io::ErrorKind::NotFound, "file not found");
        return TemplateError::Read {
            path: path.to_owned(),
            source,
        };
    }
    let file = err
        .name()
        .filter(|n| Path::new(n).is_absolute())
        .map_or_else(|| path.to_owned(), PathBuf::from);
    let source = std::fs::read_to_string(&file).unwrap_or_default();
    TemplateError::from_jinja(err, &source, Some(file))
}

#[cfg(test)]
pub(crate) mod tests {
    use std::sync::OnceLock;

    use serde_json::json;

    use super::*;
    use crate::template::{python_str, to_jinja};

    /// One Templar for all tests, as the executor shares one across threads.
    pub(crate) fn templar() -> &'static Templar {
        static SHARED: OnceLock<Templar> = OnceLock::new();
        SHARED.get_or_init(Templar::new)
    }

    /// Renders `s` and prints the result as a template would.
    pub(crate) fn render(s: &str, ctx: serde_json::Value) -> String {
        match templar().render_str(s, &to_jinja(&ctx)) {
            Ok(v) => python_str(&v),
            Err(e) => panic!("rendering {s:?} failed: {e}"),
        }
    }

    /// Renders `s` keeping native types.
    pub(crate) fn native(s: &str, ctx: serde_json::Value) -> Value {
        templar()
            .render_str(s, &to_jinja(&ctx))
            .unwrap_or_else(|e| panic!("rendering {s:?} failed: {e}"))
    }

    /// Renders `s`, which must fail, and returns the message.
    pub(crate) fn render_err(s: &str, ctx: serde_json::Value) -> String {
        match templar().render_str(s, &to_jinja(&ctx)) {
            Ok(v) => panic!("rendering {s:?} should fail but gave {v}"),
            Err(e) => e.to_string(),
        }
    }

    fn scratch_dir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("troupe-templar-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn templar_is_shareable_across_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Templar>();
        let handles: Vec<_> = (0..4)
            .map(|i| std::thread::spawn(move || render("{{ n * 2 }}-{{ 'x' }}", json!({"n": i}))))
            .collect();
        let results: Vec<String> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        assert_eq!(results, ["0-x", "2-x", "4-x", "6-x"]);
    }

    #[test]
    fn plain_strings_pass_through() {
        assert_eq!(
            native("just text { not: a template }", json!({})),
            json!("just text { not: a template }")
        );
        assert!(!Templar::is_template("a: b"));
        assert!(Templar::is_template("{{ a }}"));
    }

    #[test]
    fn strict_undefined_names_the_variable() {
        let err = render_err("{{ missing_var }}", json!({}));
        assert!(err.contains("'missing_var' is undefined"), "{err}");
        let err = render_err("prefix {{ missing_var }} suffix", json!({}));
        assert!(err.contains("'missing_var' is undefined"), "{err}");
        let err = render_err("{% if missing_flag %}x{% endif %}", json!({}));
        assert!(err.contains("missing_flag"), "{err}");
        let err = render_err("{{ user.shell }}", json!({"user": {"name": "deploy"}}));
        assert!(err.contains("shell"), "{err}");
        let err = render_err("{{ missing | upper }}", json!({}));
        assert!(err.contains("missing"), "{err}");
        let err = render_err("{% for x in nothing %}{% endfor %}", json!({}));
        assert!(err.contains("nothing"), "{err}");
        assert!(matches!(
            templar().render_str("{{ nope }}", &to_jinja(&json!({}))),
            Err(TemplateError::Undefined { .. })
        ));
    }

    #[test]
    fn default_and_defined_work_on_undefined() {
        let ctx = json!({"empty": "", "user": {"name": "deploy"}});
        assert_eq!(render("{{ missing | default('x') }}", ctx.clone()), "x");
        assert_eq!(render("{{ missing | d('y') }}", ctx.clone()), "y");
        assert_eq!(render("{{ empty | default('z') }}", ctx.clone()), "");
        assert_eq!(render("{{ empty | default('z', true) }}", ctx.clone()), "z");
        assert_eq!(
            render("{{ user.shell | default('/bin/sh') }}", ctx.clone()),
            "/bin/sh"
        );
        assert_eq!(
            render(
                "{{ missing is defined }} {{ missing is undefined }} {{ user is defined }}",
                ctx.clone()
            ),
            "False True True"
        );
        assert_eq!(render("{{ user.shell is defined }}", ctx.clone()), "False");
        assert_eq!(
            native(
                "{{ missing | default(omit_token) }}",
                json!({"omit_token": "__omit__"})
            ),
            json!("__omit__")
        );
    }

    #[test]
    fn prints_values_like_python() {
        let ctx = json!({"l": ["a", "b"], "d": {"a": 1}, "t": true, "n": null, "f": 2.0});
        assert_eq!(render("x={{ t }}", ctx.clone()), "x=True");
        assert_eq!(render("x={{ n }}", ctx.clone()), "x=");
        assert_eq!(render("x={{ [n] }}", ctx.clone()), "x=[None]");
        assert_eq!(render("x={{ l }}", ctx.clone()), "x=['a', 'b']");
        assert_eq!(render("x={{ d }}", ctx.clone()), "x={'a': 1}");
        assert_eq!(render("x={{ f }}", ctx.clone()), "x=2.0");
        assert_eq!(
            render("x={{ false }} {{ none }} {{ True }}", ctx),
            "x=False  True"
        );
    }

    #[test]
    fn lone_expressions_keep_native_types() {
        let ctx = json!({"ports": [80, 443], "cfg": {"a": 1}, "n": "5"});
        assert_eq!(native("{{ [1, 2] }}", ctx.clone()), json!([1, 2]));
        assert_eq!(native("{{ 5 }}", ctx.clone()), json!(5));
        assert_eq!(native("{{ 'yes' }}", ctx.clone()), json!("yes"));
        assert_eq!(native("{{ true }}", ctx.clone()), json!(true));
        assert_eq!(native("{{ ports }}", ctx.clone()), json!([80, 443]));
        assert_eq!(native("{{ cfg }}", ctx.clone()), json!({"a": 1}));
        assert_eq!(native("{{ n | int + 1 }}", ctx.clone()), json!(6));
        assert_eq!(native("{{ none }}", ctx.clone()), json!(null));
        assert_eq!(native("x{{ 1 }}", ctx.clone()), json!("x1"));
        assert_eq!(native("{{ 1 }}{{ 2 }}", ctx.clone()), json!("12"));
        assert_eq!(native("{{- ports | length -}}", ctx), json!(2));
    }

    #[test]
    fn trailing_newline_and_whitespace_control() {
        assert_eq!(native("line {{ 1 }}\n", json!({})), json!("line 1\n"));
        assert_eq!(
            render("{% if true %}\nyes\n{% endif %}\n", json!({})),
            "yes\n"
        );
        assert_eq!(render("a  {{- 'b' -}}  c", json!({})), "abc");
    }

    #[test]
    fn jinja_statements_work() {
        assert_eq!(
            render("{% raw %}{{ not_rendered }}{% endraw %}", json!({})),
            "{{ not_rendered }}"
        );
        assert_eq!(render("a{# comment #}b", json!({})), "ab");
        assert_eq!(render("{% set x = 3 %}{{ x * 2 }}", json!({})), "6");
        assert_eq!(
            render(
                "{% macro port(p) %}listen {{ p }};{% endmacro %}{{ port(80) }} {{ port(443) }}",
                json!({})
            ),
            "listen 80; listen 443;"
        );
        assert_eq!(
            render("{% for h in hosts %}{{ loop.index }}:{{ h }}{% if not loop.last %},{% endif %}{% endfor %}", json!({"hosts": ["a", "b"]})),
            "1:a,2:b"
        );
        assert_eq!(
            render(
                "{% for i in range(5) %}{% if i == 3 %}{% break %}{% endif %}{{ i }}{% endfor %}",
                json!({})
            ),
            "012"
        );
        assert_eq!(render("{{ dict(a=1) }}", json!({})), "{'a': 1}");
    }

    #[test]
    fn builtin_filters_behave_like_ansible() {
        let ctx = json!({
            "users": [{"name": "b", "uid": 2, "admin": true}, {"name": "a", "uid": 1, "admin": false}],
            "nums": ["3", "1", "2", "1"], "word": "Hello", "csv": "a,b",
        });
        let t = |s: &str| render(s, ctx.clone());
        assert_eq!(t("{{ '42' | int + 1 }} {{ 'x' | int }} {{ 'x' | int(7) }} {{ '0x1F' | int(base=16) }} {{ '3.9' | float }}"), "43 0 7 31 3.9");
        assert_eq!(t("{{ word | lower }} {{ word | upper }} {{ ' x ' | trim }} {{ word | replace('l', 'L') }}"), "hello HELLO x HeLLo");
        assert_eq!(t("{{ users | map(attribute='name') | join(',') }}"), "b,a");
        assert_eq!(
            t("{{ users | sort(attribute='uid') | map(attribute='name') | list }}"),
            "['a', 'b']"
        );
        assert_eq!(
            t("{{ users | selectattr('admin') | map(attribute='name') | first }}"),
            "b"
        );
        assert_eq!(
            t("{{ users | selectattr('name', 'equalto', 'a') | map(attribute='uid') | first }}"),
            "1"
        );
        assert_eq!(
            t("{{ users | rejectattr('admin') | map(attribute='name') | last }}"),
            "a"
        );
        assert_eq!(
            t("{{ users | selectattr('missing_key', 'defined') | list | length }}"),
            "0"
        );
        assert_eq!(t("{{ nums | map('int') | sum }} {{ nums | unique | list }} {{ nums | min }} {{ nums | max }}"), "7 ['3', '1', '2'] 1 3");
        assert_eq!(t("{{ nums | select('equalto', '1') | list | count }} {{ nums | reject('equalto', '1') | list }}"), "2 ['3', '2']");
        assert_eq!(
            t("{{ users | length }} {{ users | first | attr('name') }}"),
            "2 b"
        );
        assert_eq!(
            t("{{ [1, 2] | zip(['a', 'b']) | list }}"),
            "[[1, 'a'], [2, 'b']]"
        );
        assert_eq!(
            t("{{ csv | split(',') }} {{ 'line1\nline2' | indent(2) }}"),
            "['a', 'b'] line1\n  line2"
        );
        assert_eq!(
            t("{{ range(1, 4) | list }} {{ [[1], [2]] | sum(start=[]) }}"),
            "[1, 2, 3] [1, 2]"
        );
        assert_eq!(
            t("{{ users | items2dict(key_name='name', value_name='uid') }}"),
            "{'b': 2, 'a': 1}"
        );
        assert_eq!(t("{{ [1, 2] + [3] }} {{ 'a' ~ 1 }} {{ 7 // 2 }} {{ users[0]['name'] }} {{ nums[1:3] }}"), "[1, 2, 3] a1 3 b ['1', '2']");
    }

    #[test]
    fn fully_qualified_names_work() {
        let ctx = json!({"d": {"a": 1}, "s": "web01"});
        assert_eq!(
            render("{{ d | ansible.builtin.to_json }}", ctx.clone()),
            r#"{"a": 1}"#
        );
        assert_eq!(
            render("{{ s is ansible.builtin.match('web') }}", ctx),
            "True"
        );
    }

    #[test]
    fn render_value_renders_nested_strings_and_keys() {
        let ctx = to_jinja(&json!({"name": "app", "port": 8080, "extra": ["a", "b"]}));
        let input = json!({
            "dest": "/etc/{{ name }}.conf",
            "{{ name }}_port": "{{ port }}",
            "items": ["{{ extra }}", 3, true, null, "plain"],
        });
        let out = templar().render_value(&input, &ctx).unwrap();
        assert_eq!(
            out,
            json!({"dest": "/etc/app.conf", "app_port": 8080, "items": [["a", "b"], 3, true, null, "plain"]})
        );
    }

    #[test]
    fn eval_returns_values_and_names_missing_variables() {
        let ctx = to_jinja(&json!({"result": {"stdout_lines": ["a", "b"], "rc": 0}, "x": 3}));
        assert_eq!(
            templar().eval("result.stdout_lines", &ctx).unwrap(),
            json!(["a", "b"])
        );
        assert_eq!(
            templar().eval("x > 2 and result.rc == 0", &ctx).unwrap(),
            json!(true)
        );
        assert_eq!(templar().eval("{{ x + 1 }}", &ctx).unwrap(), json!(4));
        let err = templar().eval("missing_thing", &ctx).unwrap_err();
        assert!(matches!(err, TemplateError::Undefined { .. }));
        assert!(
            err.to_string().contains("'missing_thing' is undefined"),
            "{err}"
        );
        let err = templar().eval("result.nokey == 1", &ctx).unwrap_err();
        assert!(err.to_string().contains("nokey"), "{err}");
        let err = templar().eval("x ==", &ctx).unwrap_err();
        assert!(matches!(err, TemplateError::Syntax { .. }), "{err}");
    }

    #[test]
    fn is_true_uses_ansible_truthiness() {
        let ctx = to_jinja(
            &json!({"flag": "false", "count": 0, "items": [1], "result": {"changed": true, "rc": 0}}),
        );
        let t = |cond: Value| templar().is_true(&cond, &ctx).unwrap();
        assert!(t(json!(true)));
        assert!(!t(json!("no")));
        assert!(t(json!("yes")));
        assert!(!t(json!("False")));
        assert!(!t(json!(null)));
        assert!(!t(json!("count > 0")));
        assert!(t(json!("items | length == 1")));
        assert!(t(json!("result is changed")));
        assert!(t(json!("result is succeeded")));
        assert!(!t(json!("flag | bool")));
        assert!(!t(json!("{{ flag }}")));
        assert!(t(json!(["items", "result.rc == 0"])));
        assert!(!t(json!(["items", "count"])));
        assert!(t(json!("missing is not defined")));
        let err = templar().is_true(&json!("missing_var"), &ctx).unwrap_err();
        assert!(
            err.to_string().contains("'missing_var' is undefined"),
            "{err}"
        );
        let err = templar()
            .is_true(&json!("missing_var and true"), &ctx)
            .unwrap_err();
        assert!(err.to_string().contains("missing_var"), "{err}");
    }

    #[test]
    fn render_file_uses_template_module_defaults() {
        let dir = scratch_dir("file");
        let path = dir.join("nginx.html.j2");
        std::fs::write(
            &path,
            "# {{ ansible_managed }}\n{% for s in servers %}\nserver {{ s }} <&>;\n{% endfor %}\n  {% if tls %}\nssl on;\n  {% endif %}\n",
        )
        .unwrap();
        let ctx =
            to_jinja(&json!({"ansible_managed": "Managed", "servers": ["a", "b"], "tls": true}));
        let out = templar().render_file(&path, &ctx).unwrap();
        // trim_blocks on, lstrip_blocks off, trailing newline kept, no HTML escaping.
        assert_eq!(
            out,
            "# Managed\nserver a <&>;\nserver b <&>;\n  ssl on;\n  \n"
        );
        let no_trim = FileSyntax {
            trim_blocks: false,
            lstrip_blocks: true,
            ..FileSyntax::default()
        };
        let out = templar().render_file_with(&path, &ctx, &no_trim).unwrap();
        assert_eq!(
            out,
            "# Managed\n\nserver a <&>;\n\nserver b <&>;\n\n\nssl on;\n"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn one_expression_and_a_newline_is_still_native() {
        let ctx = json!({"n": 5, "l": [1, 2], "s": "a"});
        assert_eq!(native("{{ n }}\n", ctx.clone()), json!(5));
        assert_eq!(native("{{ l }}\n", ctx.clone()), json!([1, 2]));
        assert_eq!(native("{{ s }}\n", ctx.clone()), json!("a\n"));
        assert_eq!(native("{{ n }}\n\n", ctx.clone()), json!("5\n\n"));
        assert_eq!(native("{{ n }} ", ctx), json!("5 "));
        let dir = scratch_dir("native");
        std::fs::write(dir.join("n.j2"), "{{ n }}\n").unwrap();
        std::fs::write(dir.join("s.j2"), "{{ s }}\n").unwrap();
        let file = |name: &str| {
            templar()
                .render_file(&dir.join(name), &to_jinja(&json!({"n": 5, "s": "a"})))
                .unwrap()
        };
        assert_eq!(
            (file("n.j2"), file("s.j2")),
            ("5".to_owned(), "a\n".to_owned())
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn trailing_newlines_of_the_source_are_kept() {
        let ctx = json!({"x": "a\n\n"});
        assert_eq!(
            render("{% if true %}b{% endif %}\n\n", ctx.clone()),
            "b\n\n"
        );
        assert_eq!(
            render("{% if true %}\nb\n{% endif %}\n", ctx.clone()),
            "b\n"
        );
        assert_eq!(render("{{ x }}\n", ctx.clone()), "a\n\n");
        assert_eq!(render("{{ x }} end", ctx), "a\n\n end");
    }

    #[test]
    fn render_file_keys_by_absolute_path_and_includes_relative() {
        let dir = scratch_dir("roles");
        for role in ["one", "two"] {
            let templates = dir.join(role).join("templates");
            std::fs::create_dir_all(&templates).unwrap();
            std::fs::write(
                templates.join("config.j2"),
                format!("{role}: {{% include 'part.j2' %}}\nend\n"),
            )
            .unwrap();
            std::fs::write(
                templates.join("part.j2"),
                format!("{role}-part {{{{ v }}}}"),
            )
            .unwrap();
        }
        let ctx = to_jinja(&json!({"v": 1}));
        assert_eq!(
            templar()
                .render_file(&dir.join("one/templates/config.j2"), &ctx)
                .unwrap(),
            "one: one-part 1end\n"
        );
        assert_eq!(
            templar()
                .render_file(&dir.join("two/templates/config.j2"), &ctx)
                .unwrap(),
            "two: two-part 1end\n"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn render_file_errors_show_file_and_line() {
        let dir = scratch_dir("errors");
        let path = dir.join("app.conf.j2");
        std::fs::write(&path, "port = {{ port }}\nuser = {{ app_user }}\n").unwrap();
        let err = templar()
            .render_file(&path, &to_jinja(&json!({"port": 1})))
            .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("'app_user' is undefined"), "{text}");
        assert!(text.contains(&format!("{}:2", path.display())), "{text}");
        assert!(text.contains("user = {{ app_user }}"), "{text}");

        std::fs::write(dir.join("broken.j2"), "ok\n{% if x %}\nno end\n").unwrap();
        let err = templar()
            .render_file(&dir.join("broken.j2"), &to_jinja(&json!({"x": 1})))
            .unwrap_err();
        assert!(matches!(err, TemplateError::Syntax { .. }), "{err}");
        assert!(err.to_string().contains("broken.j2"), "{err}");

        let err = templar()
            .render_file(&dir.join("absent.j2"), &to_jinja(&json!({})))
            .unwrap_err();
        assert!(matches!(err, TemplateError::Read { .. }), "{err}");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn each_distinct_string_compiles_once() {
        let t = Templar::new();
        let ctx = to_jinja(&json!({"a": 1}));
        for _ in 0..3 {
            t.render_str("a={{ a }}", &ctx).unwrap();
            t.render_str("{{ a }}", &ctx).unwrap();
            t.eval("a == 1", &ctx).unwrap();
        }
        assert_eq!(t.templates.len(), 1);
        assert_eq!(t.expressions.len(), 2);
    }
}
