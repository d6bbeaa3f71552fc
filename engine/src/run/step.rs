//! One run of a task's action on one host (one loop item): its arguments templated, its
//! target, and modules run through it. Engine actions (`actions/`) get the step to work with.

use std::{borrow::Cow, sync::Arc};

use minijinja::Value as JValue;
use troupe_modules::{Context, DynModule, Target};

use super::{
    file_lookup, host_connection, inherited::Inherited, play_context::PlayContext,
    report::from_report, task_error::TaskError, Run,
};
use crate::action_names::{resolve, PluginDirs, Resolved, Unrunnable};
use crate::{
    output::Outcome,
    playbook::{Action, Task},
    vars::OMIT,
    Map, Value,
};
use troupe_modules::registry::short_name;

/// Ansible's result for a task stopped by its `timeout:`.
fn timed_out(limit: std::time::Duration) -> Outcome {
    let seconds = limit.as_secs();
    let mut outcome = Outcome::failed(format!("Timed out after {seconds} second(s)."));
    let mut period = Map::new();
    period.insert("period".into(), Value::from(seconds));
    outcome
        .result
        .insert("timedout".into(), Value::Object(period));
    outcome
}

/// What one run of an action needs to know.
pub struct Step<'a> {
    play: &'a PlayContext,
    task: &'a Task,
    host: &'a str,
    inh: &'a Inherited,
    /// The task's scope on the host, loop variables included.
    ctx: &'a JValue,
    /// The per-item names (loop variables) the scope was built with.
    item: &'a Map,
    check: bool,
    diff: bool,
}

impl<'a> Step<'a> {
    /// The step, with `check_mode:` and `diff:` rendered in the host's scope (they may be
    /// templates); a keyword that does not render fails the step.
    pub fn new(
        play: &'a PlayContext,
        task: &'a Task,
        host: &'a str,
        inh: &'a Inherited,
        ctx: &'a JValue,
        item: &'a Map,
    ) -> Result<Self, TaskError> {
        let opts = play.run().opts();
        let templar = play.run().templar();
        let mode = |kw: &Option<Value>, default: bool| match kw {
            Some(v) => templar.is_true(v, ctx).map_err(TaskError::template),
            None => Ok(default),
        };
        let check = mode(&inh.kw.check_mode, opts.check)?;
        let diff = mode(&inh.kw.diff, opts.diff)?;
        Ok(Step {
            play,
            task,
            host,
            inh,
            ctx,
            item,
            check,
            diff,
        })
    }

    pub fn play(&self) -> &PlayContext {
        self.play
    }

    pub fn run(&self) -> &Arc<Run> {
        self.play.run()
    }

    pub fn task(&self) -> &Task {
        self.task
    }

    pub fn host(&self) -> &str {
        self.host
    }

    pub fn inh(&self) -> &Inherited {
        self.inh
    }

    /// The task's scope as a template context.
    pub fn ctx(&self) -> &JValue {
        self.ctx
    }

    /// The task's scope with `more` names on top of its loop variables (`template` adds
    /// `template_path` and the others).
    pub fn scope_with(&self, more: Map) -> JValue {
        let mut extra = self.item.clone();
        extra.extend(more);
        self.play.scope(self.host, self.inh, extra).into_context()
    }

    /// A failed result naming the task.
    pub fn fail(&self, err: TaskError) -> Outcome {
        Outcome::failed(err.in_task(self.task).to_string())
    }

    /// The action's name (short, rendered if it is templated) and its arguments, rendered,
    /// with omitted ones dropped.
    pub fn action(&self) -> Result<(Cow<'a, str>, Map), TaskError> {
        let Action::Module { name, args } = &self.task.action else {
            return Err(TaskError::NotAnAction);
        };
        let name = if crate::action_names::is_templated(name) {
            let rendered = self
                .run()
                .templar()
                .render_str(name, self.ctx)
                .map_err(TaskError::template)?;
            let text = rendered
                .as_str()
                .map_or_else(|| rendered.to_string(), String::from);
            Cow::Owned(short_name(&text).to_string())
        } else {
            Cow::Borrowed(short_name(name))
        };
        match self
            .run()
            .templar()
            .render_value(&Value::Object(args.clone()), self.ctx)
        {
            Ok(Value::Object(mut m)) => {
                m.retain(|_, v| v.as_str() != Some(OMIT));
                Ok((name, m))
            }
            Ok(_) => Ok((name, Map::new())),
            Err(e) => Err(TaskError::template(e)),
        }
    }

    /// Runs the module `name`, its controller-side `src` resolved first.
    pub fn run_module(&self, name: &str, args: Map) -> Outcome {
        let role = self.inh.role.as_ref().map(|r| r.path.as_path());
        let plugins = PluginDirs::new(role, &self.play.play().dir);
        let module = match resolve(name, &plugins) {
            Ok(Resolved::Module(m)) => m,
            Ok(Resolved::Engine(_)) => {
                return self.fail(Unrunnable::Templated(name.to_string()).into())
            }
            Err(why) => return self.fail(why.into()),
        };
        let mut args = match self.with_module_defaults(module, args) {
            Ok(args) => args,
            Err(e) => return self.fail(e),
        };
        // `copy` writes a list or dict `content` as JSON, as Ansible's action does.
        if let (true, Some(c @ (Value::Array(_) | Value::Object(_)))) =
            (name == "copy", args.get("content"))
        {
            let text = crate::template::to_json_text(c);
            args.insert("content".into(), Value::from(text));
        }
        let decrypted;
        if let Some(kind) = module.controller_src() {
            let remote = args
                .get("remote_src")
                .and_then(troupe_modules::args::boolean)
                .unwrap_or(false);
            // A free-form module with a controller file (`script`) names it first.
            let named_first = match (args.get("src"), module.free_form()) {
                (None, Some(_)) => ["cmd", "_raw_params"]
                    .into_iter()
                    .find(|k| args.get(*k).is_some_and(Value::is_string)),
                _ => None,
            };
            if let Some(key) = named_first {
                let line = args[key].as_str().unwrap_or_default().to_string();
                let first = troupe_modules::shell_text::split(&line)
                    .ok()
                    .and_then(|w| w.into_iter().next());
                if let Some(name) = first {
                    let dir = &self.play.play().dir;
                    match file_lookup::find(kind, &name, self.inh.role.as_deref(), dir) {
                        Ok(path) => {
                            let rest = line.trim_start();
                            let rest = rest
                                .strip_prefix(&troupe_modules::shell_text::quote(&name))
                                .or_else(|| rest.strip_prefix(name.as_str()))
                                .unwrap_or("");
                            let found =
                                troupe_modules::shell_text::quote(&path.display().to_string());
                            args.insert(key.into(), Value::from(format!("{found}{rest}")));
                        }
                        Err(looked) => {
                            return self.fail(TaskError::NotFound {
                                what: "script",
                                name,
                                looked,
                            })
                        }
                    }
                }
            }
            // An empty src names no file: the module says what it needs.
            if let (false, Some(Value::String(src))) = (remote, args.get("src").cloned()) {
                if src.is_empty() {
                    args.remove("src");
                    return self.run_module_with(module, args);
                }
                let dir = &self.play.play().dir;
                match file_lookup::find(kind, &src, self.inh.role.as_deref(), dir) {
                    Ok(path) => {
                        // A vault file is sent decrypted, from a private copy kept for this call.
                        // A directory holding vault files is sent as a decrypted copy.
                        let plain = if path.is_dir() {
                            crate::vault::plain_tree(&path)
                        } else {
                            crate::vault::plain_copy(&path).map_err(|e| (path.clone(), e))
                        };
                        decrypted = match plain {
                            Ok(copy) => copy,
                            // Ansible's words when no password was given.
                            Err((file, crate::vault::VaultError::NoSecret)) => {
                                return Outcome::failed(format!(
                                    "A vault password or secret must be specified to decrypt {}",
                                    file.display()
                                ))
                            }
                            Err((file, e)) => {
                                return Outcome::failed(format!("{}: {e}", file.display()))
                            }
                        };
                        let path = decrypted.as_ref().map_or(path, |c| c.path().to_path_buf());
                        let mut p = path.display().to_string();
                        if src.ends_with('/') && !p.ends_with('/') {
                            p.push('/');
                        }
                        args.insert("src".into(), Value::from(p));
                    }
                    Err(looked) => {
                        return self.fail(TaskError::NotFound {
                            what: "src",
                            name: src,
                            looked,
                        })
                    }
                }
            }
        }
        self.run_module_with(module, args)
    }

    /// `args` over the `module_defaults` that name this module (short or long name; the
    /// innermost level wins), the defaults rendered in the task's scope. `group/...` entries
    /// name action groups of collections, none of which troupe's modules are in.
    fn with_module_defaults(&self, module: &dyn DynModule, args: Map) -> Result<Map, TaskError> {
        let mut merged = Map::new();
        for (key, defaults) in &self.inh.kw.module_defaults {
            let names_it =
                troupe_modules::registry::lookup(key).is_some_and(|m| m.name() == module.name());
            if names_it {
                merged.extend(defaults.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
        }
        if merged.is_empty() {
            return Ok(args);
        }
        let rendered = self
            .run()
            .templar()
            .render_value(&Value::Object(merged), self.ctx)
            .map_err(TaskError::template)?;
        let mut out = match rendered {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        out.retain(|_, v| v.as_str() != Some(OMIT));
        out.extend(args);
        Ok(out)
    }

    /// Runs a module (by its registry entry) on the step's target.
    pub fn run_module_with(&self, module: &dyn DynModule, args: Map) -> Outcome {
        let (delegate, target) = match self.target() {
            Ok(t) => t,
            Err(o) => return *o,
        };
        let (timeout, run_async) = match self.timeout().and_then(|t| Ok((t, self.async_spec()?))) {
            Ok(limits) => limits,
            Err(e) => return self.fail(e),
        };
        // The sooner of `timeout:` and `async:` ends the task.
        let limit = match (timeout, run_async.map(|a| a.limit)) {
            (Some(t), Some(a)) => Some(t.min(a)),
            (t, a) => t.or(a),
        };
        let started = std::time::Instant::now();
        let target = match limit {
            Some(limit) => Arc::new(crate::connection::WithTimeout::new(target, limit)),
            None => target,
        };
        let cx = Context {
            target: target.as_ref(),
            check_mode: self.check,
            diff: self.diff,
        };
        let mut outcome = match module.run(&args, &cx) {
            Ok(report) => from_report(report),
            Err(troupe_modules::ModuleError::Target(troupe_modules::TargetError::Unreachable(
                m,
            ))) => {
                self.run().connections().forget(&delegate);
                Outcome::unreachable(m)
            }
            // A module's own failure is its message, as Ansible shows it; wrong arguments
            // and other errors say which task and where.
            Err(troupe_modules::ModuleError::Failed(m)) => Outcome::failed(m),
            Err(troupe_modules::ModuleError::Detailed { msg, details }) => {
                let mut outcome = Outcome::failed(msg);
                outcome.result.insert("details".into(), details.into());
                outcome
            }
            Err(e) => self.fail(TaskError::Module(e)),
        };
        if let Some(limit) = limit.filter(|l| started.elapsed() >= *l) {
            outcome = match run_async {
                Some(a) if a.limit == limit => Outcome::failed(super::async_jobs::too_long(limit)),
                _ => timed_out(limit),
            };
        }
        if let Some(spec) = run_async {
            if spec.poll == 0 {
                outcome.warn(
                    "troupe ran this async task (poll: 0) to its end before going on; \
                     async_status reports its result",
                );
            }
            self.run().async_jobs().finish(&mut outcome.result);
        }
        if delegate != self.host {
            outcome.delegated_to = Some(delegate);
        }
        outcome
    }

    /// The task's `timeout:` (seconds, maybe templated); `None` without one or at 0.
    fn timeout(&self) -> Result<Option<std::time::Duration>, TaskError> {
        let seconds = self.whole_number("timeout", self.inh.kw.timeout.as_ref())?;
        Ok(seconds
            .filter(|s| *s > 0)
            .map(std::time::Duration::from_secs))
    }

    /// The task's `async:` and `poll:` (default 10, as Ansible's); `None` without `async`
    /// or at 0.
    fn async_spec(&self) -> Result<Option<super::async_jobs::AsyncSpec>, TaskError> {
        let Some(seconds) = self.whole_number("async", self.task.r#async.as_ref())? else {
            return Ok(None);
        };
        let poll = self
            .whole_number("poll", self.task.poll.as_ref())?
            .unwrap_or(10);
        Ok((seconds > 0).then(|| super::async_jobs::AsyncSpec {
            limit: std::time::Duration::from_secs(seconds),
            poll,
        }))
    }

    /// A keyword holding a whole number of seconds, maybe templated.
    fn whole_number(
        &self,
        keyword: &'static str,
        value: Option<&Value>,
    ) -> Result<Option<u64>, TaskError> {
        let Some(v) = value else {
            return Ok(None);
        };
        let rendered = self
            .run()
            .templar()
            .render_value(v, self.ctx)
            .map_err(TaskError::template)?;
        let seconds = match &rendered {
            Value::Number(n) => n.as_u64(),
            Value::String(s) => s.trim().parse::<u64>().ok(),
            _ => None,
        }
        .ok_or_else(|| TaskError::Args {
            action: keyword,
            message: format!("expected a whole number of seconds, got {rendered}"),
        })?;
        Ok(Some(seconds))
    }

    /// The host the step acts on (its delegate, if any) and its target.
    fn target(&self) -> Result<(String, Arc<dyn Target>), Box<Outcome>> {
        let templar = self.run().templar();
        let fail = |e: TaskError| Box::new(self.fail(e));
        let delegate = match &self.inh.kw.delegate_to {
            None => self.host.to_string(),
            Some(v) => match templar.render_value(v, self.ctx) {
                Ok(Value::String(s)) => s,
                Ok(other) => other.to_string(),
                Err(e) => return Err(fail(TaskError::template(e))),
            },
        };
        let target =
            host_connection::target_for(self.play, self.host, &delegate, self.inh, Some(self.ctx))?;
        let target = match &self.inh.kw.environment {
            None => target,
            Some(env) => match templar.render_value(env, self.ctx) {
                Ok(Value::Object(vars)) => crate::connection::with_environment(target, &vars)
                    .map_err(|e| fail(TaskError::Environment(e)))?,
                Ok(_) => target,
                Err(e) => return Err(fail(TaskError::template(e))),
            },
        };
        Ok((delegate, target))
    }
}
