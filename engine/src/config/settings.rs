//! Every `ansible.cfg` setting troupe reads: the one table of names, where each is written in
//! the file, its environment variable and its default. Settings Ansible has that troupe has
//! no use for are in [`ACCEPTED`]: read without a word, since they mean nothing here.

/// How a setting's text is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    /// A path, relative to the file that sets it.
    Path,
    /// Paths separated by `:` (roles) or `,` (inventory), each relative to the file.
    PathList(char),
    Bool,
    Int,
}

/// One setting.
#[derive(Debug)]
pub struct Setting {
    /// Ansible's name, as `ansible-config dump` prints it.
    pub name: &'static str,
    pub section: &'static str,
    pub key: &'static str,
    pub env: &'static str,
    /// As Ansible prints it; `None`: unset.
    pub default: Option<&'static str>,
    pub kind: Kind,
}

const fn s(
    name: &'static str,
    section: &'static str,
    key: &'static str,
    env: &'static str,
    default: Option<&'static str>,
    kind: Kind,
) -> Setting {
    Setting {
        name,
        section,
        key,
        env,
        default,
        kind,
    }
}

/// The settings troupe applies (see README "ansible.cfg").
pub const SETTINGS: &[Setting] = &[
    s(
        "DEFAULT_HOST_LIST",
        "defaults",
        "inventory",
        "ANSIBLE_INVENTORY",
        None,
        Kind::PathList(','),
    ),
    s(
        "DEFAULT_ROLES_PATH",
        "defaults",
        "roles_path",
        "ANSIBLE_ROLES_PATH",
        None,
        Kind::PathList(':'),
    ),
    s(
        "COLLECTIONS_PATHS",
        "defaults",
        "collections_path",
        "ANSIBLE_COLLECTIONS_PATH",
        Some("~/.ansible/collections:/usr/share/ansible/collections"),
        Kind::PathList(':'),
    ),
    s(
        "DEFAULT_FORKS",
        "defaults",
        "forks",
        "ANSIBLE_FORKS",
        Some("50"),
        Kind::Int,
    ),
    s(
        "DEFAULT_REMOTE_USER",
        "defaults",
        "remote_user",
        "ANSIBLE_REMOTE_USER",
        None,
        Kind::Text,
    ),
    s(
        "DEFAULT_PRIVATE_KEY_FILE",
        "defaults",
        "private_key_file",
        "ANSIBLE_PRIVATE_KEY_FILE",
        None,
        Kind::Path,
    ),
    s(
        "HOST_KEY_CHECKING",
        "defaults",
        "host_key_checking",
        "ANSIBLE_HOST_KEY_CHECKING",
        Some("True"),
        Kind::Bool,
    ),
    s(
        "DEFAULT_TIMEOUT",
        "defaults",
        "timeout",
        "ANSIBLE_TIMEOUT",
        Some("10"),
        Kind::Int,
    ),
    s(
        "DEFAULT_VAULT_PASSWORD_FILE",
        "defaults",
        "vault_password_file",
        "ANSIBLE_VAULT_PASSWORD_FILE",
        None,
        Kind::Path,
    ),
    s(
        "DEFAULT_VAULT_IDENTITY_LIST",
        "defaults",
        "vault_identity_list",
        "ANSIBLE_VAULT_IDENTITY_LIST",
        None,
        Kind::Text,
    ),
    s(
        "DEFAULT_GATHERING",
        "defaults",
        "gathering",
        "ANSIBLE_GATHERING",
        Some("implicit"),
        Kind::Text,
    ),
    s(
        "ANY_ERRORS_FATAL",
        "defaults",
        "any_errors_fatal",
        "ANSIBLE_ANY_ERRORS_FATAL",
        Some("False"),
        Kind::Bool,
    ),
    s(
        "ERROR_ON_MISSING_HANDLER",
        "defaults",
        "error_on_missing_handler",
        "ANSIBLE_ERROR_ON_MISSING_HANDLER",
        Some("True"),
        Kind::Bool,
    ),
    s(
        "DEFAULT_FORCE_HANDLERS",
        "defaults",
        "force_handlers",
        "ANSIBLE_FORCE_HANDLERS",
        Some("False"),
        Kind::Bool,
    ),
    s(
        "DEFAULT_STDOUT_CALLBACK",
        "defaults",
        "stdout_callback",
        "ANSIBLE_STDOUT_CALLBACK",
        Some("default"),
        Kind::Text,
    ),
    s(
        "DEFAULT_BECOME",
        "privilege_escalation",
        "become",
        "ANSIBLE_BECOME",
        Some("False"),
        Kind::Bool,
    ),
    s(
        "DEFAULT_BECOME_METHOD",
        "privilege_escalation",
        "become_method",
        "ANSIBLE_BECOME_METHOD",
        Some("sudo"),
        Kind::Text,
    ),
    s(
        "DEFAULT_BECOME_USER",
        "privilege_escalation",
        "become_user",
        "ANSIBLE_BECOME_USER",
        Some("root"),
        Kind::Text,
    ),
    s(
        "DEFAULT_BECOME_ASK_PASS",
        "privilege_escalation",
        "become_ask_pass",
        "ANSIBLE_BECOME_ASK_PASS",
        Some("False"),
        Kind::Bool,
    ),
    s(
        "SSH_ARGS",
        "ssh_connection",
        "ssh_args",
        "ANSIBLE_SSH_ARGS",
        None,
        Kind::Text,
    ),
    s(
        "SSH_COMMON_ARGS",
        "ssh_connection",
        "ssh_common_args",
        "ANSIBLE_SSH_COMMON_ARGS",
        None,
        Kind::Text,
    ),
    s(
        "SSH_EXTRA_ARGS",
        "ssh_connection",
        "ssh_extra_args",
        "ANSIBLE_SSH_EXTRA_ARGS",
        None,
        Kind::Text,
    ),
    s(
        "SSH_CONTROL_PATH_DIR",
        "ssh_connection",
        "control_path_dir",
        "ANSIBLE_SSH_CONTROL_PATH_DIR",
        None,
        Kind::Path,
    ),
    // troupe's own: SSH handshakes in flight at once (connection/handshake_gate.rs).
    s(
        "TROUPE_SSH_HANDSHAKES",
        "ssh_connection",
        "handshakes",
        "TROUPE_SSH_HANDSHAKES",
        None,
        Kind::Int,
    ),
    // troupe's own: which SSH client (connection/native_ssh.rs): auto, native or openssh.
    s(
        "TROUPE_SSH_TRANSPORT",
        "ssh_connection",
        "transport",
        "TROUPE_SSH_TRANSPORT",
        None,
        Kind::Text,
    ),
    s(
        "SSH_CONTROL_PATH",
        "ssh_connection",
        "control_path",
        "ANSIBLE_SSH_CONTROL_PATH",
        None,
        Kind::Text,
    ),
];

/// Settings troupe reads without effect: what they tune does not exist here (pipelining:
/// troupe never uploads modules; retries: a broken connection is reported at once).
pub const ACCEPTED: &[(&str, &str)] = &[
    ("ssh_connection", "pipelining"),
    ("ssh_connection", "retries"),
    ("ssh_connection", "scp_if_ssh"),
    ("ssh_connection", "transfer_method"),
    ("defaults", "interpreter_python"),
    ("defaults", "retry_files_enabled"),
    ("defaults", "deprecation_warnings"),
    ("defaults", "nocows"),
    ("defaults", "callbacks_enabled"),
    ("defaults", "callback_whitelist"),
    ("defaults", "stdout_callback_options"),
    ("defaults", "fact_caching"),
    ("defaults", "fact_caching_connection"),
    ("defaults", "host_pattern_mismatch"),
];

/// The setting named `name`.
pub fn named(name: &str) -> &'static Setting {
    SETTINGS
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no setting {name} in the table"))
}
