//! How a task reaches its host: the host's connection variables (`ansible_*`, rendered in its
//! scope, with the `connection:`/`remote_user:` keywords), become as asked, and the target
//! from the run's connections.

use std::sync::Arc;

use indexmap::IndexSet;
use minijinja::Value as JValue;
use troupe_modules::Target;

use super::{inherited::Inherited, play_context::PlayContext, task_error::TaskError};
use crate::{connection::Become, output::Outcome, template::from_jinja, Map, Value};

/// The target a task on `host` acts on: the delegate's connection, become as asked.
/// `ctx` is the task's scope (built here when the caller has none). The connection
/// variables are only rendered when they matter: to open the connection, or for become.
pub fn target_for(
    play: &PlayContext,
    host: &str,
    delegate: &str,
    inh: &Inherited,
    ctx: Option<&JValue>,
) -> Result<Arc<dyn Target>, Box<Outcome>> {
    let own_ctx;
    let ctx = match ctx {
        Some(ctx) => ctx,
        None => {
            own_ctx = play.scope(host, inh, Map::new()).into_context();
            &own_ctx
        }
    };
    let vars = std::cell::OnceCell::new();
    let vars = || vars.get_or_init(|| connection_vars(play, delegate, inh));
    let r#become =
        become_for(play, inh, ctx, vars).map_err(|e| Box::new(Outcome::failed(e.to_string())))?;
    let run = play.run();
    run.connections()
        .target(delegate, vars, r#become.as_ref())
        .map_err(|e| {
            run.connections().forget(delegate);
            Box::new(match e {
                troupe_modules::TargetError::Unreachable(m) => {
                    Outcome::unreachable(format!("Failed to connect to the host: {m}"))
                }
                other => Outcome::failed(other.to_string()),
            })
        })
}

fn become_for<'v>(
    play: &PlayContext,
    inh: &Inherited,
    ctx: &JValue,
    vars: impl FnOnce() -> &'v Map,
) -> Result<Option<Become>, TaskError> {
    let run = play.run();
    let wanted = match &inh.kw.r#become {
        Some(v) => run
            .templar()
            .is_true(v, ctx)
            .map_err(TaskError::plain_template)?,
        None => run.opts().r#become,
    };
    if !wanted {
        return Ok(None);
    }
    let render = |v: &Option<Value>| -> Result<Option<String>, TaskError> {
        match v {
            None => Ok(None),
            Some(v) => run
                .templar()
                .render_value(v, ctx)
                .map(|v| v.as_str().map(str::to_string))
                .map_err(TaskError::plain_template),
        }
    };
    let user = render(&inh.kw.become_user)?
        .or_else(|| run.opts().become_user.clone())
        .unwrap_or_else(|| "root".into());
    let method = render(&inh.kw.become_method)?.unwrap_or_else(|| "sudo".into());
    let vars = vars();
    let password = ["ansible_become_password", "ansible_become_pass"]
        .iter()
        .find_map(|k| vars.get(*k).and_then(Value::as_str).map(str::to_string))
        .or_else(|| run.opts().become_password.clone());
    Ok(Some(Become {
        user,
        method,
        password,
    }))
}

/// Connection variables of `host` (`ansible_*`), rendered in its scope.
fn connection_vars(play: &PlayContext, host: &str, inh: &Inherited) -> Map {
    let scope = Arc::new(play.scope(host, inh, Map::new()));
    let ctx = minijinja::Value::from_dyn_object(scope.clone());
    let mut out = Map::new();
    let names: IndexSet<String> = [
        "ansible_connection",
        "ansible_host",
        "ansible_port",
        "ansible_user",
        "ansible_ssh_user",
        "ansible_ssh_private_key_file",
        "ansible_private_key_file",
        "ansible_ssh_common_args",
        "ansible_ssh_extra_args",
        "ansible_timeout",
        "ansible_host_key_checking",
        "ansible_control_path_dir",
        "ansible_control_path",
        "ansible_become_password",
        "ansible_become_pass",
        "ansible_password",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for name in names {
        if let Some(v) = ctx.get_attr(&name).ok().filter(|v| !v.is_undefined()) {
            out.insert(name, from_jinja(&v));
        }
    }
    // The `connection:` and `remote_user:` keywords apply where no variable says otherwise
    // (in Ansible, connection variables win over keywords).
    for (keyword, var) in [
        (&inh.kw.connection, "ansible_connection"),
        (&inh.kw.remote_user, "ansible_user"),
    ] {
        if let (Some(v), false) = (keyword, out.contains_key(var)) {
            if let Ok(rendered) = play.run().templar().render_value(v, &ctx) {
                out.insert(var.to_string(), rendered);
            }
        }
    }
    out
}
