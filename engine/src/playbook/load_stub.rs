//! STUB: replaced by the parser branch.
use std::{path::{Path, PathBuf}, sync::Arc};
use super::{Playbook, Role, Task, Origin};
#[derive(Debug, Clone, Default)]
pub struct LoadOptions { pub roles_path: Vec<PathBuf> }
#[derive(Debug, Clone, Default)]
pub struct RoleFrom { pub tasks_from: Option<String>, pub vars_from: Option<String>, pub defaults_from: Option<String>, pub handlers_from: Option<String> }
pub struct LoadedRole { pub role: Arc<Role>, pub tasks: Vec<Task>, pub handlers: Vec<Task> }
#[derive(Debug, thiserror::Error)]
pub enum ParseError { #[error("{origin}: {message}")] At { origin: Origin, message: String } }
pub fn load_playbook(_p: &Path, _o: &LoadOptions) -> Result<Playbook, ParseError> { todo!() }
pub fn load_tasks_file(_p: &Path, _r: Option<Arc<Role>>, _o: &LoadOptions) -> Result<Vec<Task>, ParseError> { todo!() }
pub fn load_role(_n: &str, _f: &RoleFrom, _d: &Path, _o: &LoadOptions) -> Result<LoadedRole, ParseError> { todo!() }
