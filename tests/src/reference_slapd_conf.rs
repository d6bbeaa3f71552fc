//! The lab's known-good multi-master slapd.conf, `lab/gluu/reference-slapd.conf.j2`,
//! rendered for one server with the small part of Jinja the template uses
//! (Ansible's default `trim_blocks`: a newline right after a tag goes with it).

use std::path::{Path, PathBuf};

/// One server of a multi-master cluster, in server order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MmrServer {
    pub serverid: u32,
    pub fqdn: String,
    pub ldap_password: String,
}

/// Why the reference template could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("unterminated `{0}` tag")]
    Unterminated(&'static str),
    #[error("unknown variable `{0}`")]
    UnknownVariable(String),
    #[error("unsupported tag `{{% {0} %}}`")]
    UnsupportedTag(String),
    #[error("`{{% for %}}` without `{{% endfor %}}`")]
    UnclosedLoop,
}

/// The template's path in this repository.
pub fn reference_slapd_conf_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("lab/gluu/reference-slapd.conf.j2")
}

/// Renders the reference slapd.conf for `servers[index]`, whose LDAP password
/// hashes to `rootpw_hash`; every other server becomes a syncrepl provider.
pub fn render_reference_slapd_conf(
    servers: &[MmrServer],
    index: usize,
    rootpw_hash: &str,
) -> Result<String, TemplateError> {
    let path = reference_slapd_conf_path();
    let template =
        std::fs::read_to_string(&path).map_err(|source| TemplateError::Read { path, source })?;
    let this = &servers[index];
    let peers: Vec<&MmrServer> = servers
        .iter()
        .filter(|s| s.serverid != this.serverid)
        .collect();
    let global = |name: &str| match name {
        "gluu_serverid" => Some(this.serverid.to_string()),
        "gluu_rootpw_hash" => Some(rootpw_hash.to_owned()),
        _ => None,
    };

    let mut out = String::new();
    let mut pieces = tokenize(&template)?.into_iter();
    while let Some(piece) = pieces.next() {
        match piece {
            Piece::Text(text) => out.push_str(text),
            Piece::Variable(name) => out.push_str(&lookup(&global, None, name)?),
            Piece::Tag("for peer in gluu_peers") => {
                let body = loop_body(&mut pieces)?;
                for peer in &peers {
                    for piece in &body {
                        match piece {
                            Piece::Text(text) => out.push_str(text),
                            Piece::Variable(name) => {
                                out.push_str(&lookup(&global, Some(peer), name)?)
                            }
                            Piece::Tag(tag) => {
                                return Err(TemplateError::UnsupportedTag(tag.to_string()))
                            }
                        }
                    }
                }
            }
            Piece::Tag(tag) => return Err(TemplateError::UnsupportedTag(tag.to_owned())),
        }
    }
    Ok(out)
}

#[derive(Debug)]
enum Piece<'a> {
    Text(&'a str),
    Variable(&'a str),
    Tag(&'a str),
}

fn tokenize(template: &str) -> Result<Vec<Piece<'_>>, TemplateError> {
    let mut pieces = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let (open, close, what) = match rest[start..].get(..2) {
            Some("{{") => ("{{", "}}", "{{"),
            Some("{%") => ("{%", "%}", "{%"),
            Some("{#") => ("{#", "#}", "{#"),
            _ => {
                pieces.push(Piece::Text(&rest[..=start]));
                rest = &rest[start + 1..];
                continue;
            }
        };
        pieces.push(Piece::Text(&rest[..start]));
        let inner_start = start + open.len();
        let end = rest[inner_start..]
            .find(close)
            .ok_or(TemplateError::Unterminated(what))?
            + inner_start;
        let inner = rest[inner_start..end].trim();
        rest = &rest[end + close.len()..];
        match open {
            "{{" => pieces.push(Piece::Variable(inner)),
            _ => {
                if open == "{%" {
                    pieces.push(Piece::Tag(inner));
                }
                rest = rest.strip_prefix('\n').unwrap_or(rest);
            }
        }
    }
    pieces.push(Piece::Text(rest));
    Ok(pieces)
}

fn loop_body<'a>(
    pieces: &mut impl Iterator<Item = Piece<'a>>,
) -> Result<Vec<Piece<'a>>, TemplateError> {
    let mut body = Vec::new();
    for piece in pieces {
        match piece {
            Piece::Tag("endfor") => return Ok(body),
            piece => body.push(piece),
        }
    }
    Err(TemplateError::UnclosedLoop)
}

fn lookup(
    global: &impl Fn(&str) -> Option<String>,
    peer: Option<&MmrServer>,
    name: &str,
) -> Result<String, TemplateError> {
    let value = match (name.strip_prefix("peer."), peer) {
        (Some("rid"), Some(peer)) => Some(format!("{:03}", peer.serverid)),
        (Some("fqdn"), Some(peer)) => Some(peer.fqdn.clone()),
        (Some("ldap_password"), Some(peer)) => Some(peer.ldap_password.clone()),
        (Some(_), _) => None,
        (None, _) => global(name),
    };
    value.ok_or_else(|| TemplateError::UnknownVariable(name.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn servers() -> Vec<MmrServer> {
        (1..=3)
            .map(|id| MmrServer {
                serverid: id,
                fqdn: format!("h0{id}.gluu.lab"),
                ldap_password: format!("pw{id}"),
            })
            .collect()
    }

    #[test]
    fn every_other_server_becomes_a_provider_and_no_template_syntax_is_left() {
        let conf = render_reference_slapd_conf(&servers(), 1, "{SSHA}hash").unwrap();
        assert!(conf.starts_with("include \"/opt/symas/etc/openldap/schema/core.schema\"\n"));
        assert!(conf.contains("\nserverid 2\n"));
        assert!(conf.contains("\nrootpw {SSHA}hash\n"));
        assert!(conf.contains("  rid=001\n  provider=ldaps://h01.gluu.lab:1636\n"));
        assert!(conf.contains("  rid=003\n  provider=ldaps://h03.gluu.lab:1636\n"));
        assert!(conf.contains("  credentials=pw3\n"));
        assert!(!conf.contains("rid=002") && !conf.contains("credentials=pw2"));
        assert!(!conf.contains("TLSCipherSuite"));
        for syntax in ["{{", "{%", "{#", "#}"] {
            assert!(!conf.contains(syntax), "{syntax} left in:\n{conf}");
        }
        // A tag's own line leaves no blank line behind (trim_blocks).
        assert!(conf.contains("maxsize 10737418240\n\nsyncrepl\n"));
    }
}
