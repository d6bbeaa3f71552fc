//! Ansible's math filters: `pow`, `root`, `log`. Like Python's `math`, they return floats.

use minijinja::{Environment, Error};

use super::failure;

pub(super) fn register(env: &mut Environment<'static>) {
    env.add_filter("pow", pow);
    env.add_filter("root", root);
    env.add_filter("log", log);
}

fn pow(x: f64, y: f64) -> f64 {
    x.powf(y)
}

/// `x | root` is the square root; `x | root(3)` the cube root.
fn root(x: f64, base: Option<f64>) -> Result<f64, Error> {
    if x < 0.0 {
        return Err(failure("root() requires a non-negative number"));
    }
    Ok(match base.unwrap_or(2.0) {
        2.0 => x.sqrt(),
        b => x.powf(1.0 / b),
    })
}

/// Natural logarithm by default; `log(10)` and other bases as asked.
fn log(x: f64, base: Option<f64>) -> Result<f64, Error> {
    if x <= 0.0 {
        return Err(failure("log() requires a positive number"));
    }
    Ok(match base {
        None => x.ln(),
        Some(10.0) => x.log10(),
        Some(b) => x.ln() / b.ln(),
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::template::templar::tests::{native, render};

    #[test]
    fn math_filters_return_floats() {
        assert_eq!(native("{{ 2 | pow(3) }}", json!({})), json!(8.0));
        assert_eq!(
            render("{{ [1, 2, 3] | map('pow', 2) | list }}", json!({})),
            "[1.0, 4.0, 9.0]"
        );
        assert_eq!(native("{{ 16 | root }}", json!({})), json!(4.0));
        assert_eq!(native("{{ 27 | root(3) | round }}", json!({})), json!(3.0));
        assert_eq!(native("{{ 1000 | log(10) }}", json!({})), json!(3.0));
        assert_eq!(native("{{ 8 | log(2) | round }}", json!({})), json!(3.0));
    }
}
