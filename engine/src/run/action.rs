//! Running a task's action on one host: arguments templated, then an engine action or a
//! module through the host's target; module reports become results.

use std::sync::Arc;

use minijinja::Value as JValue;
use troupe_modules::{Context, Report};

use super::{engine_actions, file_lookup, inherited::Inherited, play::PlayRun, run_state::OMIT};
use crate::{
    output::{Outcome, Status},
    playbook::{Action, Task},
    Map, Value,
};

impl PlayRun {
    pub fn execute(
        self: &Arc<Self>,
        task: &Task,
        host: &str,
        inh: &Inherited,
        ctx: &JValue,
    ) -> Outcome {
        let Action::Module { name, args } = &task.action else {
            return Outcome::failed("not an action");
        };
        let rendered;
        let name = if crate::action_names::is_templated(name) {
            rendered = match self.run.templar.render_str(name, ctx) {
                Ok(v) => v.as_str().map_or_else(|| v.to_string(), String::from),
                Err(e) => return Outcome::failed(self.describe_error(task, &e.to_string())),
            };
            troupe_modules::registry::short_name(&rendered)
        } else {
            name.as_str()
        };
        let args = match self
            .run
            .templar
            .render_value(&Value::Object(args.clone()), ctx)
        {
            Ok(Value::Object(m)) => strip_omitted(m),
            Ok(_) => Map::new(),
            Err(e) => return Outcome::failed(self.describe_error(task, &e.to_string())),
        };
        let check = match &inh.kw.check_mode {
            Some(v) => troupe_modules::args::boolean(v).unwrap_or(self.run.opts.check),
            None => self.run.opts.check,
        };
        let diff = match &inh.kw.diff {
            Some(v) => troupe_modules::args::boolean(v).unwrap_or(self.run.opts.diff),
            None => self.run.opts.diff,
        };
        let step = Step {
            task,
            host,
            inh,
            ctx,
            check,
            diff,
        };
        match engine_actions::run(self, name, args.clone(), &step) {
            Some(outcome) => outcome,
            None => self.run_module(name, args, &step),
        }
    }

    fn run_module(self: &Arc<Self>, name: &str, mut args: Map, step: &Step) -> Outcome {
        let role = step.inh.role.as_ref().map(|r| r.path.as_path());
        let plugins = crate::action_names::PluginDirs::new(role, &self.play.dir);
        let module = match crate::action_names::resolve(name, &plugins) {
            Ok(crate::action_names::Resolved::Module(m)) => m,
            Ok(crate::action_names::Resolved::Engine(_)) => {
                let why = format!("'{name}' cannot be named by a template");
                return Outcome::failed(self.describe_error(step.task, &why));
            }
            Err(why) => return Outcome::failed(self.describe_error(step.task, &why.to_string())),
        };
        // `copy` writes a list or dict `content` as JSON, as Ansible's action does.
        if let (true, Some(c @ (Value::Array(_) | Value::Object(_)))) =
            (name == "copy", args.get("content"))
        {
            let text = crate::template::to_json_text(c);
            args.insert("content".into(), Value::from(text));
        }
        if let Some(kind) = module.controller_src() {
            let remote = args
                .get("remote_src")
                .and_then(troupe_modules::args::boolean)
                .unwrap_or(false);
            if let (false, Some(Value::String(src))) = (remote, args.get("src").cloned()) {
                match file_lookup::find(kind, &src, step.inh.role.as_deref(), &self.play.dir) {
                    Ok(path) => {
                        let mut p = path.display().to_string();
                        if src.ends_with('/') && !p.ends_with('/') {
                            p.push('/');
                        }
                        args.insert("src".into(), Value::from(p));
                    }
                    Err(looked) => {
                        let list: Vec<String> =
                            looked.iter().map(|p| p.display().to_string()).collect();
                        return Outcome::failed(self.describe_error(
                            step.task,
                            &format!("could not find src '{src}'; looked in: {}", list.join(", ")),
                        ));
                    }
                }
            }
        }
        self.run_module_with(module, args, step)
    }

    /// Runs a module (by its registry entry) on the step's target.
    pub fn run_module_with(
        &self,
        module: &dyn troupe_modules::DynModule,
        args: Map,
        step: &Step,
    ) -> Outcome {
        let (delegate, target) = match self.step_target(step) {
            Ok(t) => t,
            Err(o) => return *o,
        };
        let cx = Context {
            target: target.as_ref(),
            check_mode: step.check,
            diff: step.diff,
        };
        let mut outcome = match module.run(&args, &cx) {
            Ok(report) => from_report(report),
            Err(troupe_modules::ModuleError::Target(troupe_modules::TargetError::Unreachable(
                m,
            ))) => {
                self.run.forget_connection(&delegate);
                Outcome::unreachable(m)
            }
            Err(e) => Outcome::failed(self.describe_error(step.task, &e.to_string())),
        };
        if delegate != step.host {
            outcome.delegated_to = Some(delegate);
        }
        outcome
    }

    /// The host the step acts on (its delegate, if any) and its target.
    pub fn step_target(
        &self,
        step: &Step,
    ) -> Result<(String, Arc<dyn troupe_modules::Target>), Box<Outcome>> {
        let delegate = match &step.inh.kw.delegate_to {
            None => step.host.to_string(),
            Some(v) => match self.run.templar.render_value(v, step.ctx) {
                Ok(Value::String(s)) => s,
                Ok(other) => other.to_string(),
                Err(e) => {
                    return Err(Box::new(Outcome::failed(
                        self.describe_error(step.task, &e.to_string()),
                    )))
                }
            },
        };
        let target = self.target_for(step.host, &delegate, step.inh, Some(step.ctx))?;
        let target = match &step.inh.kw.environment {
            None => target,
            Some(env) => match self.run.templar.render_value(env, step.ctx) {
                Ok(Value::Object(vars)) => crate::connection::with_environment(target, &vars)
                    .map_err(|e| {
                        Box::new(Outcome::failed(
                            self.describe_error(step.task, &e.to_string()),
                        ))
                    })?,
                Ok(_) => target,
                Err(e) => {
                    return Err(Box::new(Outcome::failed(
                        self.describe_error(step.task, &e.to_string()),
                    )))
                }
            },
        };
        Ok((delegate, target))
    }
}

/// What one run of an action needs to know.
pub struct Step<'a> {
    pub task: &'a Task,
    pub host: &'a str,
    pub inh: &'a Inherited,
    pub ctx: &'a JValue,
    pub check: bool,
    pub diff: bool,
}

/// Ansible drops arguments whose value is `omit`.
fn strip_omitted(mut m: Map) -> Map {
    m.retain(|_, v| v.as_str() != Some(OMIT));
    m
}

/// A module's report as a task result.
pub fn from_report(report: Report) -> Outcome {
    let mut result = report.fields;
    result.insert("changed".into(), Value::Bool(report.changed));
    let status = if let Some(msg) = report.failed {
        result.insert("failed".into(), Value::Bool(true));
        result.entry("msg").or_insert(Value::from(msg));
        Status::Failed
    } else if report.skipped {
        result.insert("skipped".into(), Value::Bool(true));
        Status::Skipped
    } else if report.changed {
        Status::Changed
    } else {
        Status::Ok
    };
    let mut outcome = Outcome::new(status, result);
    outcome.diff = report.diff.as_ref().map(render_diff);
    outcome
}

/// A unified diff, as `--diff` prints it.
pub fn render_diff(d: &troupe_modules::Diff) -> String {
    if d.before == d.after {
        return String::new();
    }
    similar::TextDiff::from_lines(&d.before, &d.after)
        .unified_diff()
        .context_radius(3)
        .header(
            &format!("before: {}", d.before_header),
            &format!("after: {}", d.after_header),
        )
        .to_string()
}
