//! The one place a [`Scope`] is stacked: callers hand in the layers they have, in any order,
//! and [`ScopeBuilder::build`] stacks them in Ansible's precedence order ([`Layer::ALL`]).

use std::{collections::HashSet, sync::Arc};

use minijinja::Value as JValue;

use super::{Layer, Scope};
use crate::{template::Templar, Map};

/// The layers of a scope being assembled.
pub struct ScopeBuilder {
    templar: Arc<Templar>,
    /// Maps per layer, in the order given; within a layer a later map wins.
    layers: Vec<(Layer, Arc<Map>)>,
    objects: Vec<(&'static str, JValue)>,
    unsafe_names: Arc<HashSet<String>>,
}

impl ScopeBuilder {
    pub fn new(templar: Arc<Templar>) -> Self {
        ScopeBuilder {
            templar,
            layers: Vec::new(),
            objects: Vec::new(),
            unsafe_names: Arc::default(),
        }
    }

    /// Adds variables to a layer; a later map of the same layer wins over an earlier one.
    pub fn layer(&mut self, layer: Layer, vars: Arc<Map>) -> &mut Self {
        self.layers.push((layer, vars));
        self
    }

    /// Adds names to the magic layer (later names win).
    pub fn magic(&mut self, vars: Map) -> &mut Self {
        self.layer(Layer::Magic, Arc::new(vars))
    }

    /// Adds a value computed on demand, such as `hostvars`.
    pub fn object(&mut self, name: &'static str, value: JValue) -> &mut Self {
        self.objects.push((name, value));
        self
    }

    /// Names of the [`Layer::HostFacts`] layer whose values are data, not templates.
    pub fn unsafe_names(&mut self, names: Arc<HashSet<String>>) -> &mut Self {
        self.unsafe_names = names;
        self
    }

    /// The scope, its layers stacked lowest precedence first.
    pub fn build(self) -> Scope {
        let mut scope = Scope::new(self.templar, self.unsafe_names);
        for layer in Layer::ALL {
            for (_, vars) in self.layers.iter().filter(|(l, _)| *l == layer) {
                scope.push(layer, vars.clone());
            }
        }
        for (name, value) in self.objects {
            scope.object(name, value);
        }
        scope
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Value;

    fn one(name: &str, value: &str) -> Arc<Map> {
        Arc::new(Map::from_iter([(name.to_string(), Value::from(value))]))
    }

    #[test]
    fn layers_stack_in_ansible_precedence_order() {
        assert_eq!(
            Layer::ALL,
            [
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
            ]
        );
        // Given highest first, stacked lowest first; each layer beats every layer below it.
        for top in 0..Layer::ALL.len() {
            let mut b = ScopeBuilder::new(Arc::new(Templar::new()));
            for layer in Layer::ALL[..=top].iter().rev() {
                b.layer(*layer, one("x", &format!("{layer:?}")));
            }
            let scope = b.build();
            assert_eq!(scope.layers(), Layer::ALL[..=top].to_vec());
            assert_eq!(
                scope.raw("x"),
                Some(&Value::from(format!("{:?}", Layer::ALL[top])))
            );
        }
    }

    #[test]
    fn within_a_layer_the_later_map_wins() {
        let mut b = ScopeBuilder::new(Arc::new(Templar::new()));
        b.layer(Layer::RoleVars, one("x", "play roles"))
            .layer(Layer::RoleVars, one("x", "task role"))
            .magic(Map::from_iter([("y".to_string(), Value::from("m"))]))
            .layer(Layer::Magic, one("y", "later"));
        let scope = b.build();
        assert_eq!(scope.raw("x"), Some(&Value::from("task role")));
        assert_eq!(scope.raw("y"), Some(&Value::from("later")));
    }
}
