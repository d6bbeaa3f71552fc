//! `troupe vault`: ansible-vault's commands (create, encrypt, decrypt, view, edit, rekey,
//! encrypt_string), writing and reading the same files.

use std::{
    io::{IsTerminal, Read, Write},
    path::{Path, PathBuf},
};

use clap::{ArgAction, Args, Subcommand};

use super::{vault_args::VaultArgs, vault_editor, CliError};
use crate::vault::{self, Keyring, Secret, VaultId};

#[derive(Subcommand, Debug)]
pub enum VaultCommand {
    /// Create a new encrypted file, written in $EDITOR.
    Create {
        #[command(flatten)]
        keys: EncryptKeys,
        file: PathBuf,
    },
    /// Encrypt files in place (or standard input to standard output).
    Encrypt {
        #[command(flatten)]
        keys: EncryptKeys,
        /// Write the result here instead ("-" for standard output).
        #[arg(long)]
        output: Option<PathBuf>,
        files: Vec<PathBuf>,
    },
    /// Decrypt files in place (or standard input to standard output).
    Decrypt {
        #[command(flatten)]
        vault: VaultArgs,
        /// Write the result here instead ("-" for standard output).
        #[arg(long)]
        output: Option<PathBuf>,
        files: Vec<PathBuf>,
    },
    /// Print the clear text of encrypted files.
    View {
        #[command(flatten)]
        vault: VaultArgs,
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Edit an encrypted file in $EDITOR.
    Edit {
        #[command(flatten)]
        keys: EncryptKeys,
        file: PathBuf,
    },
    /// Encrypt files again with a new password.
    Rekey {
        #[command(flatten)]
        vault: VaultArgs,
        /// The new password's file or script.
        #[arg(long = "new-vault-password-file")]
        new_vault_password_file: Option<PathBuf>,
        /// The new password as LABEL@SOURCE.
        #[arg(long = "new-vault-id")]
        new_vault_id: Option<String>,
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Encrypt strings for pasting into YAML as `!vault` values.
    #[command(name = "encrypt_string", alias = "encrypt-string")]
    EncryptString {
        #[command(flatten)]
        keys: EncryptKeys,
        /// The variable name for each string, in order (repeatable).
        #[arg(short = 'n', long = "name", action = ArgAction::Append)]
        name: Vec<String>,
        /// Read the string from standard input, with this variable name.
        #[arg(long = "stdin-name")]
        stdin_name: Option<String>,
        /// Ask for the string on the terminal (hidden).
        #[arg(short = 'p', long)]
        prompt: bool,
        /// Write the result here instead of standard output.
        #[arg(long)]
        output: Option<PathBuf>,
        /// Strings to encrypt ("-" or none: standard input).
        strings: Vec<String>,
    },
}

/// Passwords plus the choice of the one to encrypt with.
#[derive(Args, Debug)]
pub struct EncryptKeys {
    #[command(flatten)]
    vault: VaultArgs,
    /// The vault-id label of the password to encrypt with.
    #[arg(long = "encrypt-vault-id")]
    encrypt_vault_id: Option<String>,
}

impl EncryptKeys {
    fn load(&self, new: bool) -> Result<(Keyring, Secret), CliError> {
        let keyring = self.vault.keyring(new, true)?;
        let secret = keyring
            .for_encrypting(self.encrypt_vault_id.as_deref())?
            .clone();
        Ok((keyring, secret))
    }
}

pub fn run(command: VaultCommand) -> Result<(), CliError> {
    match command {
        VaultCommand::Create { keys, file } => {
            if file.exists() {
                return Err(usage(format!("{} exists; use 'edit'", file.display())));
            }
            let (_, secret) = keys.load(true)?;
            let text = vault_editor::edit(&file, b"")?;
            write(&file, vault::encrypt(&text, &secret)?.as_bytes())
        }
        VaultCommand::Encrypt {
            keys,
            output,
            files,
        } => {
            let (_, secret) = keys.load(true)?;
            each_input(&files, output.as_deref(), |input, name| {
                if looks_vaulted(input) {
                    return Err(usage(format!("{name} is already encrypted")));
                }
                Ok(vault::encrypt(input, &secret)?.into_bytes())
            })?;
            done("Encryption successful");
            Ok(())
        }
        VaultCommand::Decrypt {
            vault,
            output,
            files,
        } => {
            let keyring = vault.keyring(false, true)?;
            each_input(&files, output.as_deref(), |input, name| {
                decrypt(&keyring, input, name)
            })?;
            done("Decryption successful");
            Ok(())
        }
        VaultCommand::View { vault, files } => {
            let keyring = vault.keyring(false, true)?;
            let mut out = std::io::stdout().lock();
            for file in &files {
                let plain = decrypt(&keyring, &read(file)?, &file.display().to_string())?;
                out.write_all(&plain).map_err(stdout_error)?;
            }
            Ok(())
        }
        VaultCommand::Edit { keys, file } => {
            let keyring = keys.vault.keyring(false, true)?;
            let name = file.display().to_string();
            let text = text_of(&read(&file)?, &name)?;
            let (plain, used) = keyring.decrypt(&text).map_err(|e| in_file(&name, e))?;
            let secret = match &keys.encrypt_vault_id {
                Some(_) => keyring.for_encrypting(keys.encrypt_vault_id.as_deref())?,
                None => used,
            };
            let edited = vault_editor::edit(&file, &plain)?;
            if edited != plain {
                write(&file, vault::encrypt(&edited, secret)?.as_bytes())?;
            }
            Ok(())
        }
        VaultCommand::Rekey {
            vault,
            new_vault_password_file,
            new_vault_id,
            files,
        } => {
            let keyring = vault.keyring(false, true)?;
            let new = match (new_vault_id, new_vault_password_file) {
                (Some(id), _) => VaultId::parse(&id),
                (None, Some(file)) => VaultId::password_file(&file),
                (None, None) => VaultId::ask(),
            }
            .load(true)?;
            for file in &files {
                let plain = decrypt(&keyring, &read(file)?, &file.display().to_string())?;
                write(file, vault::encrypt(&plain, &new)?.as_bytes())?;
            }
            eprintln!("Rekey successful");
            Ok(())
        }
        VaultCommand::EncryptString {
            keys,
            name,
            stdin_name,
            prompt,
            output,
            strings,
        } => encrypt_string(&keys, &name, stdin_name, prompt, output.as_deref(), strings),
    }
}

fn encrypt_string(
    keys: &EncryptKeys,
    names: &[String],
    stdin_name: Option<String>,
    prompt: bool,
    output: Option<&Path>,
    strings: Vec<String>,
) -> Result<(), CliError> {
    let (_, secret) = keys.load(true)?;
    let read_stdin =
        strings.iter().any(|s| s == "-") || (strings.is_empty() && !prompt) || stdin_name.is_some();
    let mut items: Vec<(Option<String>, Vec<u8>)> = Vec::new();
    if prompt {
        let term = console::Term::stderr();
        if !term.is_term() {
            return Err(usage("--prompt needs a terminal".into()));
        }
        let ask = |q: &str, secure: bool| {
            term.write_str(q)
                .and_then(|()| {
                    if secure {
                        term.read_secure_line()
                    } else {
                        term.read_line()
                    }
                })
                .map_err(|e| usage(format!("reading the prompt: {e}")))
        };
        let name = ask("Variable name (enter for no name): ", false)?;
        let text = ask("String to encrypt (hidden): ", true)?;
        if text.is_empty() {
            return Err(usage("the string given at the prompt is empty".into()));
        }
        items.push(((!name.is_empty()).then_some(name), text.into_bytes()));
    }
    if read_stdin {
        let mut text = Vec::new();
        std::io::stdin()
            .read_to_end(&mut text)
            .map_err(|e| usage(format!("reading standard input: {e}")))?;
        if text.is_empty() {
            return Err(usage("standard input was empty; nothing to encrypt".into()));
        }
        items.push((stdin_name, text));
    }
    let args: Vec<&String> = strings.iter().filter(|s| *s != "-").collect();
    for (i, text) in args.into_iter().enumerate() {
        if text.is_empty() {
            return Err(usage(
                "an empty string was given; nothing to encrypt".into(),
            ));
        }
        items.push((names.get(i).cloned(), text.clone().into_bytes()));
    }
    let mut blocks = Vec::new();
    for (name, text) in &items {
        let vaulted = vault::encrypt(text, &secret)?;
        let mut block = match name {
            Some(n) => format!("{n}: !vault |"),
            None => "!vault |".to_string(),
        };
        for line in vaulted.lines() {
            block.push_str("\n          ");
            block.push_str(line);
        }
        blocks.push(block);
    }
    let mut text = blocks.join("\n");
    text.push('\n');
    emit(output, text.as_bytes())?;
    done("Encryption successful");
    Ok(())
}

fn looks_vaulted(input: &[u8]) -> bool {
    std::str::from_utf8(input).is_ok_and(vault::is_vaulted)
}

fn text_of(input: &[u8], name: &str) -> Result<String, CliError> {
    match std::str::from_utf8(input) {
        Ok(text) if vault::is_vaulted(text) => Ok(text.to_string()),
        _ => Err(usage(format!("{name} is not vault-encrypted"))),
    }
}

fn decrypt(keyring: &Keyring, input: &[u8], name: &str) -> Result<Vec<u8>, CliError> {
    let text = text_of(input, name)?;
    Ok(keyring.decrypt(&text).map_err(|e| in_file(name, e))?.0)
}

/// A vault error with the file it is about.
fn in_file(name: &str, source: vault::VaultError) -> CliError {
    CliError::VaultFile {
        file: name.to_string(),
        source,
    }
}

/// Applies `f` to each file in place, or to standard input; `output` redirects the result.
fn each_input(
    files: &[PathBuf],
    output: Option<&Path>,
    f: impl Fn(&[u8], &str) -> Result<Vec<u8>, CliError>,
) -> Result<(), CliError> {
    if files.is_empty() || files.iter().all(|p| p.as_os_str() == "-") {
        let mut input = Vec::new();
        std::io::stdin()
            .read_to_end(&mut input)
            .map_err(|e| usage(format!("reading standard input: {e}")))?;
        let result = f(&input, "standard input")?;
        return emit(Some(output.unwrap_or(Path::new("-"))), &result);
    }
    // Every file is transformed before any is written: an error leaves all of them as they were.
    let mut results = Vec::new();
    for file in files {
        results.push((file, f(&read(file)?, &file.display().to_string())?));
    }
    for (file, result) in results {
        match output {
            Some(out) => emit(Some(out), &result)?,
            None => write(file, &result)?,
        }
    }
    Ok(())
}

/// Writes to `output` ("-" or none: standard output).
fn emit(output: Option<&Path>, bytes: &[u8]) -> Result<(), CliError> {
    match output {
        Some(p) if p.as_os_str() != "-" => write(p, bytes),
        _ => std::io::stdout()
            .lock()
            .write_all(bytes)
            .map_err(stdout_error),
    }
}

fn read(path: &Path) -> Result<Vec<u8>, CliError> {
    std::fs::read(path).map_err(|e| usage(format!("{}: {e}", path.display())))
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    Ok(vault::write_file(path, bytes)?)
}

/// ansible-vault's note on success, shown only to a person at a terminal.
fn done(what: &str) {
    if std::io::stdout().is_terminal() {
        eprintln!("{what}");
    }
}

fn usage(message: String) -> CliError {
    CliError::Usage(message)
}

fn stdout_error(e: std::io::Error) -> CliError {
    usage(format!("writing standard output: {e}"))
}
