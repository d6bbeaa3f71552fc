//! Time: the `now()` function and the `strftime` filter, with Python's `strftime` codes
//! (`%f` is microseconds, `%s` seconds since the epoch) in the controller's local time zone
//! unless `utc=True`. chrono formats them: a well-kept crate, and Python's codes are its own
//! but for `%f`.

use chrono::{DateTime, Local, TimeZone, Utc};
use minijinja::value::Kwargs;
use minijinja::{Environment, Error, Value};

use super::failure;

pub(super) fn register(env: &mut Environment<'static>) {
    env.add_function("now", now);
    env.add_filter("strftime", strftime);
}

/// Python's default rendering of a `datetime`: `2026-12-04 04:55:04.123456`.
const PYTHON_STR: &str = "%Y-%m-%d %H:%M:%S%.6f";

/// `now(utc=False, fmt=None)`: the time as Python's `str(datetime)` gives it, or formatted.
fn now(kwargs: Kwargs) -> Result<Value, Error> {
    let utc = kwargs.get::<Option<bool>>("utc")?.unwrap_or(false);
    let fmt = kwargs.get::<Option<String>>("fmt")?;
    kwargs.assert_all_used()?;
    let fmt = fmt.map(|f| python_codes(&f));
    let fmt = fmt.as_deref().unwrap_or(PYTHON_STR);
    Ok(Value::from(if utc {
        format(&Utc::now(), fmt)?
    } else {
        format(&Local::now(), fmt)?
    }))
}

/// `'%Y-%m-%d' | strftime(second=None, utc=False)`: `second` (epoch seconds) or now.
fn strftime(fmt: &str, kwargs: Kwargs) -> Result<String, Error> {
    let utc = kwargs.get::<Option<bool>>("utc")?.unwrap_or(false);
    let second = kwargs.get::<Option<Value>>("second")?;
    kwargs.assert_all_used()?;
    let seconds = match second {
        None => None,
        Some(v) => Some(
            v.as_str()
                .and_then(|s| s.trim().parse::<f64>().ok())
                .or_else(|| f64::try_from(v.clone()).ok())
                .ok_or_else(|| failure(format!("strftime: Invalid value for epoch value ({v})")))?,
        ),
    };
    let when = match seconds {
        None => Utc::now(),
        Some(s) => Utc
            .timestamp_opt(s.trunc() as i64, (s.fract() * 1e9) as u32)
            .single()
            .ok_or_else(|| failure(format!("strftime: Invalid value for epoch value ({s})")))?,
    };
    let fmt = python_codes(fmt);
    if utc {
        format(&when, &fmt)
    } else {
        format(&when.with_timezone(&Local), &fmt)
    }
}

/// Python's codes in chrono's: `%f` (microseconds) is chrono's `%6f`.
fn python_codes(fmt: &str) -> String {
    let mut out = String::with_capacity(fmt.len());
    let mut chars = fmt.chars();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '%' {
            match chars.next() {
                Some('f') => out.push_str("6f"),
                Some(other) => out.push(other),
                None => {}
            }
        }
    }
    out
}

fn format<Tz: TimeZone>(when: &DateTime<Tz>, fmt: &str) -> Result<String, Error>
where
    Tz::Offset: std::fmt::Display,
{
    use std::fmt::Write;
    let mut out = String::new();
    write!(out, "{}", when.format(fmt))
        .map_err(|_| failure(format!("strftime: invalid format {fmt:?}")))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::python_codes;
    use crate::template::templar::tests::render;

    #[test]
    fn python_codes_become_chronos() {
        assert_eq!(python_codes("%s.%f %%f"), "%s.%6f %%f");
    }

    #[test]
    fn strftime_of_an_epoch_and_now() {
        let ctx = json!({});
        assert_eq!(
            render(
                "{{ '%Y-%m-%d %H:%M:%S' | strftime(second=0, utc=True) }}",
                ctx.clone()
            ),
            "1970-01-01 00:00:00"
        );
        assert_eq!(
            render("{{ '%s' | strftime(second='1700000000') }}", ctx.clone()),
            "1700000000"
        );
        let year: i32 = render("{{ now(utc=True, fmt='%Y') }}", ctx.clone())
            .parse()
            .unwrap();
        assert!(year >= 2024);
        let stamp: f64 = render("{{ now(fmt='%s.%f') }}", ctx).parse().unwrap();
        assert!(stamp > 1.7e9);
    }
}
