//! Values in INI inventories are read as Python literals (Ansible uses `ast.literal_eval`):
//! `2222` is an int, `True` a bool, `'x'` a string, `[1, 2]` a list; anything that is not a
//! literal (`yes`, `1.2.3`, `0644`) stays the text it is.

use crate::Value;

/// The value an INI inventory gives `text`.
pub fn ini_value(text: &str) -> Value {
    parse(text).unwrap_or_else(|| Value::String(text.to_string()))
}

/// `text` as a Python literal expression, or `None` if it is not one.
pub fn parse(text: &str) -> Option<Value> {
    let mut p = Parser {
        src: text.trim_start_matches([' ', '\t']),
        pos: 0,
    };
    let first = p.expr()?;
    let value = if p.eat(',') {
        // A bare `1, 2` is a tuple.
        let mut items = vec![first];
        while !p.at_end() {
            items.push(p.expr()?);
            if !p.eat(',') {
                break;
            }
        }
        Value::Array(items)
    } else {
        first
    };
    p.at_end().then_some(value)
}

struct Parser<'a> {
    src: &'a str,
    pos: usize,
}

impl<'a> Parser<'a> {
    fn rest(&self) -> &'a str {
        &self.src[self.pos..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn skip_space(&mut self) {
        loop {
            let rest = self.rest();
            let trimmed = rest.trim_start_matches([' ', '\t', '\n', '\r', '\x0c']);
            self.pos += rest.len() - trimmed.len();
            if let Some(comment) = self.rest().strip_prefix('#') {
                self.pos += 1 + comment.find('\n').unwrap_or(comment.len());
            } else if self.rest().starts_with("\\\n") {
                self.pos += 2;
            } else {
                return;
            }
        }
    }

    fn at_end(&mut self) -> bool {
        self.skip_space();
        self.pos == self.src.len()
    }

    fn eat(&mut self, c: char) -> bool {
        self.skip_space();
        if self.peek() == Some(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    fn expr(&mut self) -> Option<Value> {
        self.skip_space();
        match self.peek()? {
            '-' | '+' => {
                let negative = self.peek() == Some('-');
                self.pos += 1;
                let value = self.expr()?;
                negate_if(value, negative)
            }
            '[' => {
                self.pos += 1;
                Some(Value::Array(self.items(']')?.0))
            }
            '(' => {
                self.pos += 1;
                let (mut items, had_comma) = self.items(')')?;
                if items.len() == 1 && !had_comma {
                    items.pop()
                } else {
                    Some(Value::Array(items))
                }
            }
            '{' => {
                self.pos += 1;
                self.dict_or_set()
            }
            c if c.is_ascii_digit() || c == '.' => self.number(),
            _ => self.string_or_name(),
        }
    }

    /// Comma-separated expressions up to `close`; also tells whether a comma was seen.
    fn items(&mut self, close: char) -> Option<(Vec<Value>, bool)> {
        let mut items = Vec::new();
        let mut had_comma = false;
        loop {
            if self.eat(close) {
                return Some((items, had_comma));
            }
            items.push(self.expr()?);
            if self.eat(',') {
                had_comma = true;
            } else {
                return self.eat(close).then_some((items, had_comma));
            }
        }
    }

    /// After `{`: a dict (`{k: v}`) or a set (`{a, b}`, read as a list).
    fn dict_or_set(&mut self) -> Option<Value> {
        if self.eat('}') {
            return Some(Value::Object(crate::Map::new()));
        }
        let first = self.expr()?;
        if !self.eat(':') {
            let mut items = vec![first];
            if self.eat(',') {
                items.extend(self.items('}')?.0);
            } else if !self.eat('}') {
                return None;
            }
            return Some(Value::Array(items));
        }
        let mut map = crate::Map::new();
        let mut key = first;
        loop {
            let value = self.expr()?;
            map.insert(key_text(&key)?, value);
            if self.eat('}') {
                return Some(Value::Object(map));
            }
            if !self.eat(',') {
                return None;
            }
            if self.eat('}') {
                return Some(Value::Object(map));
            }
            key = self.expr()?;
            if !self.eat(':') {
                return None;
            }
        }
    }

    fn number(&mut self) -> Option<Value> {
        let rest = self.rest();
        let len = rest
            .char_indices()
            .find(|&(i, c)| {
                let exponent_sign = (c == '+' || c == '-')
                    && i > 0
                    && matches!(rest.as_bytes()[i - 1], b'e' | b'E')
                    && !rest.starts_with("0x")
                    && !rest.starts_with("0X");
                !(c.is_ascii_alphanumeric() || c == '_' || c == '.' || exponent_sign)
            })
            .map_or(rest.len(), |(i, _)| i);
        let token = &rest[..len];
        self.pos += len;
        number_value(token)
    }

    fn string_or_name(&mut self) -> Option<Value> {
        let rest = self.rest();
        let name_len = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        let name = &rest[..name_len];
        let quote_follows = matches!(rest[name_len..].chars().next(), Some('\'' | '"'));
        if quote_follows && name.len() <= 2 {
            let mut text = self.string_piece()??;
            loop {
                self.skip_space();
                match self.string_piece()? {
                    Some(piece) => text.push_str(&piece),
                    None => return Some(Value::String(text)),
                }
            }
        }
        self.pos += name_len;
        match name {
            "True" => Some(Value::Bool(true)),
            "False" => Some(Value::Bool(false)),
            "None" => Some(Value::Null),
            _ => None,
        }
    }

    /// One quoted string with its prefix: `Some(None)` when no string follows here,
    /// `None` when a string is malformed.
    fn string_piece(&mut self) -> Option<Option<String>> {
        let rest = self.rest();
        let prefix_len = rest.find(['\'', '"']).unwrap_or(rest.len());
        let prefix = rest[..prefix_len].to_ascii_lowercase();
        if prefix_len > 2 || !prefix.chars().all(|c| matches!(c, 'r' | 'b' | 'u')) {
            return Some(None);
        }
        if prefix_len == rest.len() {
            return Some(None);
        }
        let raw = prefix.contains('r');
        let body = &rest[prefix_len..];
        let quote = if body.starts_with("'''") || body.starts_with("\"\"\"") {
            &body[..3]
        } else {
            &body[..1]
        };
        let content_start = self.pos + prefix_len + quote.len();
        let mut text = String::new();
        let mut chars = self.src[content_start..].char_indices();
        while let Some((i, c)) = chars.next() {
            if self.src[content_start + i..].starts_with(quote) {
                self.pos = content_start + i + quote.len();
                return Some(Some(text));
            }
            match c {
                '\n' if quote.len() == 1 => return None,
                '\\' if raw => {
                    text.push('\\');
                    if let Some((_, next)) = chars.next() {
                        text.push(next);
                    }
                }
                '\\' => {
                    let (_, next) = chars.next()?;
                    unescape(next, &mut chars, &mut text)?;
                }
                other => text.push(other),
            }
        }
        None
    }
}

fn unescape(c: char, chars: &mut std::str::CharIndices, text: &mut String) -> Option<()> {
    let mut hex = |n: usize| -> Option<char> {
        let digits: String = (0..n)
            .map(|_| chars.next().map(|(_, c)| c))
            .collect::<Option<_>>()?;
        char::from_u32(u32::from_str_radix(&digits, 16).ok()?)
    };
    match c {
        '\n' => {}
        '\\' | '\'' | '"' => text.push(c),
        'a' => text.push('\x07'),
        'b' => text.push('\x08'),
        'f' => text.push('\x0c'),
        'n' => text.push('\n'),
        'r' => text.push('\r'),
        't' => text.push('\t'),
        'v' => text.push('\x0b'),
        'x' => text.push(hex(2)?),
        'u' => text.push(hex(4)?),
        'U' => text.push(hex(8)?),
        '0'..='7' => {
            let mut value = c.to_digit(8)?;
            for _ in 0..2 {
                let mut peek = chars.clone();
                match peek.next() {
                    Some((_, d)) if d.is_digit(8) => {
                        value = value * 8 + d.to_digit(8)?;
                        chars.next();
                    }
                    _ => break,
                }
            }
            text.push(char::from_u32(value)?);
        }
        other => {
            text.push('\\');
            text.push(other);
        }
    }
    Some(())
}

fn number_value(token: &str) -> Option<Value> {
    let digits = token.replace('_', "");
    if token.starts_with('_') || token.ends_with('_') || token.contains("__") {
        return None;
    }
    let radix = match digits.get(..2).map(str::to_ascii_lowercase).as_deref() {
        Some("0x") => Some(16),
        Some("0o") => Some(8),
        Some("0b") => Some(2),
        _ => None,
    };
    if let Some(radix) = radix {
        return integer(i128::from_str_radix(&digits[2..], radix).ok()?);
    }
    if digits.bytes().all(|b| b.is_ascii_digit()) {
        // Python 3 rejects leading zeros in decimal integers (`0644`), except zero itself.
        if digits.len() > 1 && digits.starts_with('0') && digits.bytes().any(|b| b != b'0') {
            return None;
        }
        return integer(digits.parse().ok()?);
    }
    let float_shaped = digits
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'));
    if !float_shaped || !digits.bytes().any(|b| b.is_ascii_digit()) {
        return None;
    }
    let value: f64 = digits.parse().ok()?;
    serde_json::Number::from_f64(value)
        .filter(|_| value.is_finite())
        .map(Value::Number)
}

fn integer(n: i128) -> Option<Value> {
    if let Ok(i) = i64::try_from(n) {
        Some(Value::from(i))
    } else {
        u64::try_from(n).ok().map(Value::from)
    }
}

fn negate_if(value: Value, negative: bool) -> Option<Value> {
    let Value::Number(n) = &value else {
        return None;
    };
    if !negative {
        return Some(value);
    }
    if let Some(i) = n.as_i64() {
        return integer(-(i as i128));
    }
    if let Some(u) = n.as_u64() {
        return integer(-(u as i128));
    }
    n.as_f64()
        .and_then(|f| serde_json::Number::from_f64(-f))
        .map(Value::Number)
}

/// Dict keys as Python's `str()` would print the simple ones.
fn key_text(key: &Value) -> Option<String> {
    match key {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(true) => Some("True".into()),
        Value::Bool(false) => Some("False".into()),
        Value::Null => Some("None".into()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_booleans_and_none() {
        assert_eq!(ini_value("2222"), json!(2222));
        assert_eq!(ini_value("-5"), json!(-5));
        assert_eq!(ini_value("1.5"), json!(1.5));
        assert_eq!(ini_value("0x1F"), json!(31));
        assert_eq!(ini_value("1_000"), json!(1000));
        assert_eq!(ini_value("True"), json!(true));
        assert_eq!(ini_value("False"), json!(false));
        assert_eq!(ini_value("None"), json!(null));
    }

    #[test]
    fn non_literals_stay_text() {
        for text in [
            "yes", "true", "0644", "1.2.3", "10.0.0.1", "foo bar", "", "x=y", "f'x'",
        ] {
            assert_eq!(ini_value(text), json!(text), "{text}");
        }
    }

    #[test]
    fn quoted_strings_lose_their_quotes() {
        assert_eq!(ini_value("'5'"), json!("5"));
        assert_eq!(ini_value(r#""a b""#), json!("a b"));
        assert_eq!(ini_value(r#"'it\'s\n'"#), json!("it's\n"));
        assert_eq!(ini_value(r"r'\d+'"), json!(r"\d+"));
        assert_eq!(ini_value("'a' 'b'"), json!("ab"));
    }

    #[test]
    fn containers() {
        assert_eq!(ini_value("[1, 'two', [3]]"), json!([1, "two", [3]]));
        assert_eq!(
            ini_value("{'a': 1, 'b': [True],}"),
            json!({"a": 1, "b": [true]})
        );
        assert_eq!(ini_value("(1,)"), json!([1]));
        assert_eq!(ini_value("(1)"), json!(1));
        assert_eq!(ini_value("1, 2"), json!([1, 2]));
        assert_eq!(ini_value("{}"), json!({}));
        assert_eq!(ini_value("[1, 2"), json!("[1, 2"));
    }

    #[test]
    fn trailing_comments_are_ignored_like_python() {
        assert_eq!(ini_value("23 # a comment"), json!(23));
        assert_eq!(ini_value("foo # a comment"), json!("foo # a comment"));
    }
}
