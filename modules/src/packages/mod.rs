//! Package managers.

crate::registry::family! {
    apt::Apt,
    package::Package,
}
