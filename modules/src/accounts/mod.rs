//! Users and groups.

crate::registry::family! {
    group::Group,
    user::User,
}

pub mod account_db;
