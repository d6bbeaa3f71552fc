//! How a task reaches its host: the host's connection variables (`ansible_*`, rendered in its
//! scope, with the `connection:`/`remote_user:` keywords), become as asked, and the target
//! from the run's connections.

use std::sync::Arc;

use minijinja::Value as JValue;
use troupe_modules::Target;

use super::{inherited::Inherited, play_context::PlayContext, task_error::TaskError};
use crate::{
    connection::{Become, ConnectionSpec, Keywords, VARIABLES},
    output::Outcome,
    template::from_jinja,
    Map, Value,
};

/// The target a task on `host` acts on: the delegate's connection, become as asked.
/// `ctx` is the task's scope (built here when the caller has none). The connection
/// variables are only rendered when they matter: to open the connection, or for become.
/// What they, the keywords and the command line mean is decided in `connection::settings`.
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
    let failed = |e: TaskError| Box::new(Outcome::failed(e.to_string()));
    let keywords = keywords(play, inh, ctx).map_err(failed)?;
    let vars = std::cell::OnceCell::new();
    let vars = || vars.get_or_init(|| connection_vars(play, delegate, inh));
    let run = play.run();
    let cli = run.connections().overrides();
    let r#become = match keywords.r#become.unwrap_or(cli.r#become) {
        true => Become::resolve(vars(), &keywords, cli),
        false => None,
    };
    run.connections()
        .target(
            delegate,
            |cli| ConnectionSpec::resolve(delegate, vars(), &keywords, cli),
            r#become.as_ref(),
        )
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

/// The keywords that choose the connection and become, rendered in the task's scope.
fn keywords(play: &PlayContext, inh: &Inherited, ctx: &JValue) -> Result<Keywords, TaskError> {
    let templar = play.run().templar();
    let text = |v: &Option<Value>| -> Result<Option<String>, TaskError> {
        match v {
            None => Ok(None),
            Some(v) => templar
                .render_value(v, ctx)
                .map(|v| match v {
                    Value::String(s) => Some(s),
                    Value::Null => None,
                    other => Some(other.to_string()),
                })
                .map_err(TaskError::plain_template),
        }
    };
    let r#become = match &inh.kw.r#become {
        Some(v) => Some(templar.is_true(v, ctx).map_err(TaskError::plain_template)?),
        None => None,
    };
    Ok(Keywords {
        connection: text(&inh.kw.connection)?,
        remote_user: text(&inh.kw.remote_user)?,
        r#become,
        become_user: text(&inh.kw.become_user)?,
        become_method: text(&inh.kw.become_method)?,
    })
}

/// The host's connection variables ([`VARIABLES`]), rendered in its scope.
fn connection_vars(play: &PlayContext, host: &str, inh: &Inherited) -> Map {
    let scope = Arc::new(play.scope(host, inh, Map::new()));
    let ctx = minijinja::Value::from_dyn_object(scope);
    let mut out = Map::new();
    for name in VARIABLES {
        if let Some(v) = ctx.get_attr(name).ok().filter(|v| !v.is_undefined()) {
            out.insert(name.to_string(), from_jinja(&v));
        }
    }
    out
}
