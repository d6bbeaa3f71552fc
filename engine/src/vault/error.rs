use std::path::PathBuf;

/// Why vault data could not be read, written or unlocked.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("vault format error: {0}")]
    Format(String),
    #[error("vault cipher '{0}' is not supported (only AES256 is)")]
    Cipher(String),
    #[error("HMAC check failed")]
    HmacMismatch,
    #[error(
        "found vault-encrypted data but no vault password was given \
         (use --ask-vault-pass, --vault-password-file FILE or --vault-id LABEL@SOURCE)"
    )]
    NoSecret,
    #[error(
        "decryption failed: no vault password fits (tried {tried}); \
         the password is wrong or the data is damaged"
    )]
    NoSecretFits { tried: String },
    #[error("the decrypted text is not UTF-8")]
    NotUtf8,
    #[error("could not make a random salt: {0}")]
    Random(String),
    #[error("vault password file {}: {source}", path.display())]
    PasswordFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("vault password script {} failed ({status}){}", path.display(), if stderr.is_empty() { String::new() } else { format!(": {stderr}") })]
    PasswordScript {
        path: PathBuf,
        status: String,
        stderr: String,
    },
    #[error("the vault password from {0} is empty")]
    EmptyPassword(String),
    #[error("{0} needs a terminal to ask for the vault password; give --vault-password-file FILE or --vault-id LABEL@FILE instead")]
    NoTerminal(String),
    #[error("reading the vault password: {0}")]
    Prompt(std::io::Error),
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the vault passwords do not match")]
    Mismatch,
    #[error(
        "no vault password has the label '{wanted}' given to --encrypt-vault-id (known: {known})"
    )]
    NoSuchLabel { wanted: String, known: String },
}
