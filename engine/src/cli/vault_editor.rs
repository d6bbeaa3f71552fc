//! Editing clear text for `troupe vault create` and `edit`: the text goes to a 0600 file in
//! a private temporary directory, `$EDITOR` (else `vi`) edits it, and the directory is
//! removed whatever happens.

use std::{path::Path, process::Command};

use super::CliError;
use crate::vault::PrivateDir;

/// The text after editing `initial` under a file named like `original` (so editors pick the
/// right syntax).
pub fn edit(original: &Path, initial: &[u8]) -> Result<Vec<u8>, CliError> {
    let dir = PrivateDir::new().map_err(|e| CliError::Usage(format!("temporary file: {e}")))?;
    let name = original
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("vault.yml");
    let file = dir
        .write(name, initial)
        .map_err(|e| CliError::Usage(format!("temporary file: {e}")))?;
    let editor = std::env::var("EDITOR")
        .ok()
        .filter(|e| !e.trim().is_empty())
        .unwrap_or_else(|| "vi".into());
    // The shell splits `$EDITOR` (it may carry options, e.g. `code --wait`).
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("sh")
        .arg(&file)
        .status()
        .map_err(|e| CliError::Usage(format!("running the editor '{editor}': {e}")))?;
    if !status.success() {
        return Err(CliError::Usage(format!(
            "the editor '{editor}' failed ({status}); {} is unchanged",
            original.display()
        )));
    }
    std::fs::read(&file).map_err(|e| CliError::Usage(format!("reading the edited text: {e}")))
}
