//! Running the tools the lab is driven with (lab.sh, ssh, docker).

use std::process::{Command, Output};

use crate::LabError;

/// Runs `command` to completion, capturing its output whatever its status.
pub(crate) fn output(command: &mut Command) -> Result<Output, LabError> {
    command.output().map_err(|source| LabError::Spawn {
        program: command.get_program().to_string_lossy().into_owned(),
        source,
    })
}

/// Runs `command` and returns its stdout; a non-zero exit is an error.
pub(crate) fn checked(command: &mut Command) -> Result<String, LabError> {
    let out = output(command)?;
    if !out.status.success() {
        return Err(LabError::CommandFailed {
            command: describe(command),
            status: out.status,
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        });
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn describe(command: &Command) -> String {
    std::iter::once(command.get_program())
        .chain(command.get_args())
        .map(|part| part.to_string_lossy())
        .collect::<Vec<_>>()
        .join(" ")
}
