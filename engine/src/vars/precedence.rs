//! Ansible's variable precedence, lowest first. A task's [`super::Scope`] stacks one map per
//! layer it has; lookups walk from the top down. [`super::ScopeBuilder`] is the one place that
//! stacks them, in this order.

/// Where a layer of variables comes from. The order of the variants is the precedence order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Layer {
    RoleDefaults,
    /// Inventory group and host vars, `group_vars/` and `host_vars/` (merged by the inventory).
    Inventory,
    Facts,
    PlayVars,
    VarsFiles,
    RoleVars,
    /// `vars:` on blocks, role entries and the task itself (innermost wins).
    TaskVars,
    IncludeVars,
    /// `set_fact` and `register`.
    HostFacts,
    /// `item`, `ansible_loop`, `role_name` and the other per-task names.
    Magic,
    ExtraVars,
}

impl Layer {
    /// Every layer, lowest precedence first.
    pub const ALL: [Layer; 11] = [
        Layer::RoleDefaults,
        Layer::Inventory,
        Layer::Facts,
        Layer::PlayVars,
        Layer::VarsFiles,
        Layer::RoleVars,
        Layer::TaskVars,
        Layer::IncludeVars,
        Layer::HostFacts,
        Layer::Magic,
        Layer::ExtraVars,
    ];
}
