//! STUB: replaced by the inventory branch.
use crate::Map;
use std::path::{Path, PathBuf};
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct InventoryError(pub String);
pub struct Host { pub name: String, pub vars: Map }
pub struct Inventory;
impl Inventory {
    pub fn load(_s: &[PathBuf]) -> Result<Inventory, InventoryError> { todo!() }
    pub fn add_vars_dir(&mut self, _d: &Path) -> Result<(), InventoryError> { todo!() }
    pub fn select(&self, _p: &str) -> Result<Vec<String>, InventoryError> { todo!() }
    pub fn host_vars(&self, _h: &str) -> Map { todo!() }
    pub fn groups(&self) -> indexmap::IndexMap<String, Vec<String>> { todo!() }
    pub fn group_names(&self, _h: &str) -> Vec<String> { todo!() }
    pub fn host(&self, _n: &str) -> Option<&Host> { todo!() }
    pub fn add_host(&mut self, _n: &str, _g: &[String], _v: Map) { todo!() }
}
impl Inventory { pub fn hosts(&self) -> impl Iterator<Item = &Host> { let v: Vec<&Host> = todo!(); v.into_iter() } }
