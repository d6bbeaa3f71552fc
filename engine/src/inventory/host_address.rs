//! A host entry as inventories write it: a name or address, maybe with ranges, maybe with
//! `:port` (`db1:2222`, `[2001:db8::1]:22`). Bare IPv6 addresses carry no port.

use super::host_range::{self, HostRangeError};

/// Splits `entry` into the host part and its port, if it names one.
pub fn split_port(entry: &str) -> (&str, Option<u64>) {
    if let Some(rest) = entry.strip_prefix('[') {
        if let Some((inner, port)) = rest.rsplit_once("]:") {
            if inner.matches(':').count() >= 2 && !inner.contains(['[', ']']) {
                if let Ok(port) = port.parse() {
                    return (inner, Some(port));
                }
            }
        }
    }
    if let Some((host, port)) = entry.rsplit_once(':') {
        let digits = !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit());
        if digits && !host.is_empty() && !has_colon_outside_brackets(host) {
            if let Ok(port) = port.parse() {
                return (host, Some(port));
            }
        }
    }
    (entry, None)
}

/// The host names an entry stands for (ranges expanded) and the port it gives them.
pub fn expand_entry(entry: &str) -> Result<(Vec<String>, Option<u64>), HostRangeError> {
    let (host, port) = split_port(entry);
    Ok((host_range::expand(host)?, port))
}

fn has_colon_outside_brackets(s: &str) -> bool {
    let mut depth = 0usize;
    for c in s.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            ':' if depth == 0 => return true,
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_are_split_from_names_and_ranges() {
        assert_eq!(split_port("db1:2222"), ("db1", Some(2222)));
        assert_eq!(split_port("web[1:3]:22"), ("web[1:3]", Some(22)));
        assert_eq!(split_port("web[1:3]"), ("web[1:3]", None));
        assert_eq!(split_port("10.0.0.1:8022"), ("10.0.0.1", Some(8022)));
    }

    #[test]
    fn ipv6_addresses_need_brackets_for_a_port() {
        assert_eq!(split_port("::1"), ("::1", None));
        assert_eq!(split_port("fe80::1:22"), ("fe80::1:22", None));
        assert_eq!(split_port("[2001:db8::1]:22"), ("2001:db8::1", Some(22)));
    }

    #[test]
    fn entries_expand_with_their_port() {
        let (names, port) = expand_entry("n[1:2]:2200").unwrap();
        assert_eq!(names, vec!["n1", "n2"]);
        assert_eq!(port, Some(2200));
    }
}
