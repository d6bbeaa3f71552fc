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
fn host_key_checking_follows_the_host_variable_then_the_environment() {
    // One test owns the variable: tests of this binary run in threads of one process.
    std::env::set_var("ANSIBLE_HOST_KEY_CHECKING", "False");
    assert!(!spec(json!({})).unwrap().host_key_checking);
    assert!(
        spec(json!({"ansible_host_key_checking": true}))
            .unwrap()
            .host_key_checking
    );
    std::env::remove_var("ANSIBLE_HOST_KEY_CHECKING");
    assert!(spec(json!({})).unwrap().host_key_checking);
}
