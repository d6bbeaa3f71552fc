//! One vault password with the vault-id label it is known by.

use std::fmt;

/// The label of a password given without one (`--vault-password-file`, `--ask-vault-pass`).
pub const DEFAULT_LABEL: &str = "default";

#[derive(Clone)]
pub struct Secret {
    pub label: String,
    password: Vec<u8>,
}

impl Secret {
    pub fn new(label: impl Into<String>, password: impl Into<Vec<u8>>) -> Self {
        Secret {
            label: label.into(),
            password: password.into(),
        }
    }

    pub fn password(&self) -> &[u8] {
        &self.password
    }
}

/// Never prints the password.
impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({})", self.label)
    }
}
