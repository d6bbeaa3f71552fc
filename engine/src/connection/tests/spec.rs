//! Connection settings read from host variables.

use serde_json::json;

use super::super::{ConnectionSpec, Keywords, Overrides};

fn spec(vars: serde_json::Value) -> Result<ConnectionSpec, troupe_modules::TargetError> {
    ConnectionSpec::resolve(
        "web1",
        vars.as_object().unwrap(),
        &Keywords::default(),
        &Overrides::default(),
    )
}

#[test]
fn ssh_argument_strings_are_split_as_a_shell_splits_words() {
    let s = spec(json!({
        "ansible_ssh_common_args": "-o ProxyCommand=\"ssh -W %h:%p bastion\" -o 'User=deploy'",
        "ansible_ssh_extra_args": "-o ServerAliveInterval=30",
    }))
    .unwrap();
    assert_eq!(
        s.ssh_args,
        [
            "-o",
            "ProxyCommand=ssh -W %h:%p bastion",
            "-o",
            "User=deploy",
            "-o",
            "ServerAliveInterval=30"
        ]
    );
}

#[test]
fn an_unbalanced_quote_in_ssh_arguments_is_an_error_naming_the_variable() {
    let err = spec(json!({"ansible_ssh_common_args": "-o ProxyCommand=\"ssh -W"})).unwrap_err();
    assert!(err.to_string().contains("ansible_ssh_common_args"), "{err}");
}

#[test]
fn host_key_checking_follows_the_host_variable_then_the_configuration() {
    let off = Overrides {
        host_key_checking: Some(false),
        ..Overrides::default()
    };
    let resolve = |vars: serde_json::Value, cli: &Overrides| {
        ConnectionSpec::resolve("web1", vars.as_object().unwrap(), &Keywords::default(), cli)
            .unwrap()
            .host_key_checking
    };
    assert!(!resolve(json!({}), &off));
    assert!(resolve(json!({"ansible_host_key_checking": true}), &off));
    assert!(resolve(json!({}), &Overrides::default()));
}

#[test]
fn configured_ssh_args_come_first_and_host_variables_replace_configured_ones() {
    let cli = Overrides {
        ssh_args: Some("-o ControlMaster=no".into()),
        ssh_common_args: Some("-o User=cfg".into()),
        ssh_extra_args: Some("-v".into()),
        ..Overrides::default()
    };
    let spec = ConnectionSpec::resolve(
        "web1",
        json!({"ansible_ssh_common_args": "-o User=var"})
            .as_object()
            .unwrap(),
        &Keywords::default(),
        &cli,
    )
    .unwrap();
    assert_eq!(
        spec.ssh_args,
        ["-o", "ControlMaster=no", "-o", "User=var", "-v"]
    );
}
