//! Users and groups.

crate::registry::family! {
    getent::Getent,
    group::Group,
    user::User,
}

pub mod account_db;
#[cfg(test)]
pub(crate) mod fake_accounts;
pub mod ssh_key;

/// A user or group name that account tools would read as an option is refused before any
/// command runs (such a name is no valid account name either).
pub(crate) fn check_name(kind: &str, name: &str) -> Result<(), crate::ModuleError> {
    if name.is_empty() || name.starts_with('-') {
        return Err(crate::ModuleError::failed(format!(
            "invalid {kind} name '{name}': a {kind} name may not be empty or start with '-'"
        )));
    }
    Ok(())
}
