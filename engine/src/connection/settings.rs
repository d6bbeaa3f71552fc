//! The one home of connection settings: which variables a host's connection reads, and how
//! they, the play's keywords and the command line's options resolve into the settings of
//! one host's connection and of become. Precedence, as in Ansible: the host's variables,
//! then the keywords (`connection:`, `remote_user:`, `become_user:`...), then the command
//! line (`-c`, `-u`, `--private-key`, `-T`, `-b`, `--become-user`, `-K`) and the
//! configuration (`ansible.cfg` and its `ANSIBLE_*` variables, resolved by `config/`), then
//! the defaults.
//!
//! Adding a connection variable touches this file only: its name in [`VARIABLES`], its
//! reading in [`ConnectionSpec::resolve`].

use troupe_modules::TargetError;

use super::{Become, ConnectionSpec};
use crate::{Map, Value};

/// Every variable that decides how a host is reached, as Ansible names them (several names
/// for one setting: the first one set wins).
pub const VARIABLES: &[&str] = &[
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
    "ansible_ssh_pass",
    "ansible_ssh_password",
    "troupe_ssh_transport",
];

/// The command line's connection and become options, completed from ansible.cfg: defaults
/// under the host's variables and the play's keywords.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `-c`
    pub connection: Option<String>,
    /// `-u`
    pub remote_user: Option<String>,
    /// `--private-key`
    pub private_key: Option<String>,
    /// `-T`
    pub timeout: Option<u64>,
    /// `-b`
    pub r#become: bool,
    /// `--become-user`
    pub become_user: Option<String>,
    /// `-K`
    pub become_password: Option<String>,
    /// `-k`
    pub password: Option<String>,
    /// `become_method` (ansible.cfg)
    pub become_method: Option<String>,
    /// `host_key_checking` (ansible.cfg, `ANSIBLE_HOST_KEY_CHECKING`)
    pub host_key_checking: Option<bool>,
    /// `[ssh_connection] ssh_args`: the first ssh arguments of every host.
    pub ssh_args: Option<String>,
    /// `ssh_common_args`, `ssh_extra_args`: where a host has no variable of its own.
    pub ssh_common_args: Option<String>,
    pub ssh_extra_args: Option<String>,
    /// `control_path_dir`, `control_path`: where a host has no variable of its own.
    pub control_path_dir: Option<String>,
    pub control_path: Option<String>,
    /// `[ssh_connection] transport` (`TROUPE_SSH_TRANSPORT`): where a host has no
    /// `troupe_ssh_transport` of its own.
    pub ssh_transport: Option<String>,
}

/// The keywords of a task (inherited from its play, blocks and roles) that choose its
/// connection, rendered in the host's scope.
#[derive(Debug, Clone, Default)]
pub struct Keywords {
    pub connection: Option<String>,
    pub remote_user: Option<String>,
    /// `become:`; `None` leaves it to the command line.
    pub r#become: Option<bool>,
    pub become_user: Option<String>,
    pub become_method: Option<String>,
}

impl ConnectionSpec {
    /// The settings of `inventory_hostname`'s connection: `vars` (rendered, see
    /// [`VARIABLES`]) over `keywords` over `cli` over the defaults. The ssh argument strings
    /// are split as a POSIX shell splits words (Ansible uses `shlex.split`), so
    /// `-o ProxyCommand="ssh -W %h:%p bastion"` stays one argument.
    pub fn resolve(
        inventory_hostname: &str,
        vars: &Map,
        keywords: &Keywords,
        cli: &Overrides,
    ) -> Result<Self, TargetError> {
        let s = |k: &str| vars.get(k).and_then(|v| v.as_str()).map(str::to_string);
        let kind = s("ansible_connection")
            .or_else(|| keywords.connection.clone())
            .or_else(|| cli.connection.clone())
            .unwrap_or_else(|| {
                if matches!(inventory_hostname, "localhost" | "127.0.0.1") {
                    "local"
                } else {
                    "ssh"
                }
                .into()
            });
        let mut ssh_args = Vec::new();
        for (name, text) in [
            ("ssh_args", cli.ssh_args.clone()),
            (
                "ansible_ssh_common_args",
                s("ansible_ssh_common_args").or_else(|| cli.ssh_common_args.clone()),
            ),
            (
                "ansible_ssh_extra_args",
                s("ansible_ssh_extra_args").or_else(|| cli.ssh_extra_args.clone()),
            ),
        ] {
            if let Some(text) = text {
                let words = troupe_modules::shell_text::split(&text)
                    .map_err(|e| TargetError::Failed(format!("{name}: {e}: {text}")))?;
                ssh_args.extend(words);
            }
        }
        Ok(ConnectionSpec {
            kind,
            host: s("ansible_host").unwrap_or_else(|| inventory_hostname.to_string()),
            port: vars
                .get("ansible_port")
                .and_then(|v| v.as_u64().or_else(|| v.as_str()?.parse().ok()))
                .map(|p| p as u16),
            user: s("ansible_user")
                .or_else(|| s("ansible_ssh_user"))
                .or_else(|| keywords.remote_user.clone())
                .or_else(|| cli.remote_user.clone()),
            private_key: s("ansible_ssh_private_key_file")
                .or_else(|| s("ansible_private_key_file"))
                .or_else(|| cli.private_key.clone()),
            ssh_args,
            timeout_secs: cli
                .timeout
                .or_else(|| vars.get("ansible_timeout").and_then(|v| v.as_u64()))
                .unwrap_or(10),
            host_key_checking: vars
                .get("ansible_host_key_checking")
                .and_then(troupe_modules::args::boolean)
                .or(cli.host_key_checking)
                .unwrap_or(true),
            control_path_dir: s("ansible_control_path_dir")
                .or_else(|| cli.control_path_dir.clone()),
            control_path: s("ansible_control_path").or_else(|| cli.control_path.clone()),
            password: s("ansible_password")
                .or_else(|| s("ansible_ssh_pass"))
                .or_else(|| s("ansible_ssh_password"))
                .or_else(|| cli.password.clone())
                .map(super::Password),
            transport: s("troupe_ssh_transport")
                .or_else(|| cli.ssh_transport.clone())
                .unwrap_or_else(|| "auto".into()),
        })
    }
}

impl Become {
    /// Whether and how a task becomes another user: `keywords` over `cli`; the password
    /// from the host's variables, else `-K`.
    pub fn resolve(vars: &Map, keywords: &Keywords, cli: &Overrides) -> Option<Become> {
        if !keywords.r#become.unwrap_or(cli.r#become) {
            return None;
        }
        let password = ["ansible_become_password", "ansible_become_pass"]
            .iter()
            .find_map(|k| vars.get(*k).and_then(Value::as_str).map(str::to_string))
            .or_else(|| cli.become_password.clone());
        Some(Become {
            user: keywords
                .become_user
                .clone()
                .or_else(|| cli.become_user.clone())
                .unwrap_or_else(|| "root".into()),
            method: keywords
                .become_method
                .clone()
                .or_else(|| cli.become_method.clone())
                .unwrap_or_else(|| "sudo".into()),
            password,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn vars(v: serde_json::Value) -> Map {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn variables_win_over_keywords_over_the_command_line() {
        let cli = Overrides {
            connection: Some("local".into()),
            remote_user: Some("cli".into()),
            private_key: Some("/cli.key".into()),
            ..Overrides::default()
        };
        let kw = Keywords {
            remote_user: Some("play".into()),
            ..Keywords::default()
        };
        let none =
            ConnectionSpec::resolve("web1", &Map::new(), &Keywords::default(), &cli).unwrap();
        assert_eq!(
            (none.kind.as_str(), none.user.as_deref()),
            ("local", Some("cli"))
        );
        let keyword = ConnectionSpec::resolve("web1", &Map::new(), &kw, &cli).unwrap();
        assert_eq!(keyword.user.as_deref(), Some("play"));
        let var = ConnectionSpec::resolve(
            "web1",
            &vars(json!({"ansible_user": "var", "ansible_connection": "ssh"})),
            &kw,
            &cli,
        )
        .unwrap();
        assert_eq!(
            (var.kind.as_str(), var.user.as_deref()),
            ("ssh", Some("var"))
        );
        assert_eq!(var.private_key.as_deref(), Some("/cli.key"));
        let default = ConnectionSpec::resolve(
            "localhost",
            &Map::new(),
            &Keywords::default(),
            &Overrides::default(),
        )
        .unwrap();
        assert_eq!(default.kind, "local");
        assert_eq!(default.timeout_secs, 10);
    }

    #[test]
    fn become_follows_keywords_then_the_command_line() {
        let cli = Overrides {
            r#become: true,
            become_user: Some("cliuser".into()),
            become_password: Some("clipw".into()),
            ..Overrides::default()
        };
        let b = Become::resolve(&Map::new(), &Keywords::default(), &cli).unwrap();
        assert_eq!((b.user.as_str(), b.method.as_str()), ("cliuser", "sudo"));
        assert_eq!(b.password.as_deref(), Some("clipw"));
        let off = Keywords {
            r#become: Some(false),
            ..Keywords::default()
        };
        assert!(Become::resolve(&Map::new(), &off, &cli).is_none());
        let b = Become::resolve(
            &vars(json!({"ansible_become_pass": "varpw"})),
            &Keywords {
                become_user: Some("kw".into()),
                ..Keywords::default()
            },
            &cli,
        )
        .unwrap();
        assert_eq!(
            (b.user.as_str(), b.password.as_deref()),
            ("kw", Some("varpw"))
        );
    }
}
