use std::net::Ipv4Addr;
use std::path::Path;

use crate::LabError;

/// One lab host: its inventory name (also its hostname), address and container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Host {
    pub name: String,
    pub ip: Ipv4Addr,
    pub container: String,
}

impl Host {
    /// Reads the `hosts` file lab.sh writes: one `name ip container` line per host.
    pub(crate) fn read_all(path: &Path) -> Result<Vec<Host>, LabError> {
        let text = std::fs::read_to_string(path).map_err(|source| LabError::State {
            path: path.to_owned(),
            source,
        })?;
        text.lines()
            .enumerate()
            .map(|(index, line)| {
                Host::parse(line).ok_or_else(|| LabError::BadHostsLine {
                    path: path.to_owned(),
                    line: index + 1,
                })
            })
            .collect()
    }

    fn parse(line: &str) -> Option<Host> {
        let mut fields = line.split_whitespace();
        let host = Host {
            name: fields.next()?.to_owned(),
            ip: fields.next()?.parse().ok()?,
            container: fields.next()?.to_owned(),
        };
        fields.next().is_none().then_some(host)
    }
}
