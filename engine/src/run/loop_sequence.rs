//! `with_sequence`: numbers as formatted strings, from the short form `[start-]end[/stride][:format]`
//! or `start= end= count= stride= format=`, with the checks and messages Ansible's has.

use std::sync::OnceLock;

use super::loop_error::LoopError;
use crate::Value;

/// Each term's sequence, one after the other.
pub fn sequence(value: &Value) -> Result<Vec<Value>, LoopError> {
    let terms = match value {
        Value::Array(items) => items.clone(),
        other => vec![other.clone()],
    };
    let mut out = Vec::new();
    for term in terms {
        let text = match &term {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        out.extend(Spec::parse(&text)?.numbers()?.into_iter().map(Value::from));
    }
    Ok(out)
}

/// One term's fields as written.
#[derive(Default)]
struct Spec {
    start: Option<String>,
    end: Option<String>,
    stride: Option<String>,
    count: Option<String>,
    format: Option<String>,
}

fn short_form() -> &'static regex::Regex {
    static RE: OnceLock<regex::Regex> = OnceLock::new();
    RE.get_or_init(|| {
        let num = "(0?x?[0-9a-f]+)";
        regex::Regex::new(&format!("(?i)^(?:{num}-)?{num}(?:/{num})?(?::(.+))?$"))
            .expect("valid regex")
    })
}

impl Spec {
    fn parse(term: &str) -> Result<Spec, LoopError> {
        let term = term.trim();
        if let Some(c) = short_form().captures(term) {
            let get = |i: usize| c.get(i).map(|m| m.as_str().to_string());
            return Ok(Spec {
                start: get(1),
                end: get(2),
                stride: get(3),
                count: None,
                format: get(4),
            });
        }
        let mut spec = Spec::default();
        let mut unknown = Vec::new();
        for word in term.split_whitespace() {
            let Some((key, value)) = word.split_once('=') else {
                unknown.push("_raw_params".to_string());
                continue;
            };
            let value = Some(value.to_string());
            match key {
                "start" => spec.start = value,
                "end" => spec.end = value,
                "stride" => spec.stride = value,
                "count" => spec.count = value,
                "format" => spec.format = value,
                other => unknown.push(other.to_string()),
            }
        }
        if !unknown.is_empty() {
            let names: Vec<String> = unknown.iter().map(|k| format!("'{k}'")).collect();
            return Err(LoopError::Invalid(format!(
                "unrecognized arguments to with_sequence: [{}]",
                names.join(", ")
            )));
        }
        Ok(spec)
    }

    fn numbers(&self) -> Result<Vec<String>, LoopError> {
        let int = |name: &str, v: &Option<String>, default: Option<i64>| match v {
            None => Ok(default),
            Some(s) => parse_int(s).map(Some).ok_or_else(|| {
                LoopError::Invalid(format!(
                    "Invalid type for configuration option {name}: {s:?} is not an integer"
                ))
            }),
        };
        let mut start = int("start", &self.start, Some(1))?.unwrap_or(1);
        let mut stride = int("stride", &self.stride, Some(1))?.unwrap_or(1);
        let count = int("count", &self.count, None)?;
        let end = int("end", &self.end, None)?;
        let format = self.format.clone().unwrap_or_else(|| "%d".into());
        let end = match (count, end) {
            (None, None) => {
                return Err(LoopError::Invalid(
                    "must specify count or end in with_sequence".into(),
                ))
            }
            (Some(_), Some(_)) => {
                return Err(LoopError::Invalid(
                    "can't specify both count and end in with_sequence".into(),
                ))
            }
            (Some(0), None) => {
                start = 0;
                stride = 0;
                0
            }
            (Some(n), None) => start + n * stride - 1,
            (None, Some(e)) => e,
        };
        if stride > 0 && end < start {
            return Err(LoopError::Invalid(
                "to count backwards make stride negative".into(),
            ));
        }
        if stride < 0 && end > start {
            return Err(LoopError::Invalid(
                "to count forward don't make stride negative".into(),
            ));
        }
        if format.matches('%').count() != 1 {
            return Err(LoopError::Invalid(format!(
                "bad formatting string: {format}"
            )));
        }
        let mut out = Vec::new();
        let mut i = start;
        // stride 0 (count=0) gives nothing; the bound keeps a bad spec from running away.
        while stride != 0 && ((stride > 0 && i <= end) || (stride < 0 && i >= end)) {
            out.push(printf_int(&format, i));
            i += stride;
            if out.len() > 10_000_000 {
                return Err(LoopError::Invalid("with_sequence: too many items".into()));
            }
        }
        Ok(out)
    }
}

/// Decimal, `0x` hexadecimal or `0`-led octal, as the short form allows.
fn parse_int(s: &str) -> Option<i64> {
    let s = s.trim();
    let (neg, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let lower = digits.to_ascii_lowercase();
    let n = if let Some(hex) = lower.strip_prefix("0x") {
        i64::from_str_radix(hex, 16).ok()?
    } else if lower.len() > 1 && lower.starts_with('0') {
        i64::from_str_radix(&lower[1..], 8).ok()?
    } else {
        lower.parse().ok()?
    };
    Some(if neg { -n } else { n })
}

/// Enough of printf for sequence formats: `%d`, `%02d`, `%x`, `%o`.
fn printf_int(format: &str, n: i64) -> String {
    static RE: OnceLock<regex::Regex> = OnceLock::new();
    let re = RE.get_or_init(|| regex::Regex::new(r"%(0?)(\d*)([dxXo])").expect("valid regex"));
    re.replace(format, |c: &regex::Captures| {
        let width: usize = c[2].parse().unwrap_or(0);
        let s = match &c[3] {
            "x" => format!("{n:x}"),
            "X" => format!("{n:X}"),
            "o" => format!("{n:o}"),
            _ => n.to_string(),
        };
        if c[1].is_empty() {
            format!("{s:>width$}")
        } else {
            format!("{s:0>width$}")
        }
    })
    .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seq(spec: &str) -> Result<Vec<String>, String> {
        sequence(&Value::from(spec))
            .map(|v| v.iter().map(|x| x.as_str().unwrap().to_string()).collect())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn key_value_and_short_forms() {
        assert_eq!(
            seq("start=1 end=3 format=web%02d").unwrap(),
            ["web01", "web02", "web03"]
        );
        assert_eq!(seq("count=2 start=4").unwrap(), ["4", "5"]);
        assert_eq!(
            seq("start=3 end=0 stride=-1").unwrap(),
            ["3", "2", "1", "0"]
        );
        assert_eq!(seq("4").unwrap(), ["1", "2", "3", "4"]);
        assert_eq!(seq("2-6/2").unwrap(), ["2", "4", "6"]);
        assert_eq!(seq("7-8:host%02d").unwrap(), ["host07", "host08"]);
        assert_eq!(seq("count=0").unwrap(), Vec::<String>::new());
    }

    #[test]
    fn bad_specs_say_what_is_wrong() {
        assert_eq!(
            seq("start=0 junk=3").unwrap_err(),
            "unrecognized arguments to with_sequence: ['junk']"
        );
        assert!(seq("start=A end=3")
            .unwrap_err()
            .starts_with("Invalid type for"));
        assert_eq!(
            seq("start=1").unwrap_err(),
            "must specify count or end in with_sequence"
        );
        assert_eq!(
            seq("start=1 end=4 count=2").unwrap_err(),
            "can't specify both count and end in with_sequence"
        );
        assert_eq!(
            seq("start=4 end=1 stride=2").unwrap_err(),
            "to count backwards make stride negative"
        );
        assert_eq!(
            seq("start=1 end=4 stride=-2").unwrap_err(),
            "to count forward don't make stride negative"
        );
        assert_eq!(
            seq("start=1 end=4 format=d").unwrap_err(),
            "bad formatting string: d"
        );
    }
}
