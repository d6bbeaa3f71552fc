//! `serial`: a play's hosts in batches of a number, a percentage, or a list of them (the
//! last repeats).

use crate::Value;

/// The batches `serial` makes of `hosts`; one batch of all when there is no `serial`.
pub fn batches(hosts: &[String], serial: Option<&Value>) -> Vec<Vec<String>> {
    let total = hosts.len();
    let sizes: Vec<Value> = match serial {
        None => return vec![hosts.to_vec()],
        Some(Value::Array(a)) => a.clone(),
        Some(v) => vec![v.clone()],
    };
    let size_of = |v: &Value| -> usize {
        let n = match v {
            Value::String(s) if s.trim().ends_with('%') => {
                let pct: f64 = s.trim().trim_end_matches('%').parse().unwrap_or(100.0);
                ((total as f64) * pct / 100.0) as usize
            }
            Value::String(s) => s.trim().parse().unwrap_or(total),
            Value::Number(n) => n.as_u64().unwrap_or(total as u64) as usize,
            _ => total,
        };
        if n == 0 {
            total.max(1)
        } else {
            n
        }
    };
    let mut out = Vec::new();
    let mut rest = hosts;
    let mut i = 0;
    while !rest.is_empty() {
        let n = size_of(&sizes[i.min(sizes.len() - 1)])
            .min(rest.len())
            .max(1);
        out.push(rest[..n].to_vec());
        rest = &rest[n..];
        i += 1;
    }
    out
}
