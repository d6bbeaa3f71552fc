//! `environment:` and per-command timeouts, wrapped around a real session.

use std::time::Duration;

use serde_json::json;

use super::super::{WithEnvironment, WithTimeout, TIMED_OUT};
use super::Lab;
use crate::connection::SessionOptions;
use troupe_modules::Target;

#[test]
fn environment_reaches_every_command() {
    let lab = Lab::local("/bin/sh", SessionOptions::default());
    let vars = json!({"GREETING": "it's $HOME `x` \"q\"\nline", "FLAG": true, "N": 3, "EMPTY": ""});
    let target = WithEnvironment::new(lab.target(), vars.as_object().unwrap()).unwrap();
    let out = target
        .run(
            r#"printf '%s|%s|%s|%s' "$GREETING" "$FLAG" "$N" "${EMPTY-unset}""#,
            None,
        )
        .unwrap();
    assert_eq!(out.stdout_str(), "it's $HOME `x` \"q\"\nline|True|3|");
    let child = target.run("sh -c 'printf %s \"$N\"'", None).unwrap();
    assert_eq!(child.stdout_str(), "3", "exported to child processes");
    assert_eq!(
        lab.target()
            .run(r#"printf %s "${N-unset}""#, None)
            .unwrap()
            .stdout_str(),
        "unset",
        "only there"
    );
    let bad = json!({"NOT VALID": "x"});
    assert!(WithEnvironment::new(lab.target(), bad.as_object().unwrap()).is_err());
}

#[test]
fn a_command_past_its_timeout_is_stopped_on_the_host() {
    let lab = Lab::local("/bin/sh", SessionOptions::default());
    let target = WithTimeout::new(lab.target(), Duration::from_secs(1));
    let out = target
        .run("echo started; sleep 60; echo never", None)
        .unwrap();
    assert_eq!(out.rc, TIMED_OUT);
    assert_eq!(out.stdout_str(), "started\n");
    assert!(
        out.stderr_str().contains("timed out after 1 s"),
        "{}",
        out.stderr_str()
    );
    assert_eq!(
        target.run("cat", Some(b"in time")).unwrap().stdout_str(),
        "in time"
    );
}
