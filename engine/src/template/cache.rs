//! A concurrent map from source text to its compiled form, so each distinct template or
//! expression is compiled once however many hosts and threads render it.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};

pub(crate) struct CompileCache<T> {
    compiled: RwLock<HashMap<Box<str>, Arc<T>>>,
}

impl<T> Default for CompileCache<T> {
    fn default() -> Self {
        Self {
            compiled: RwLock::new(HashMap::new()),
        }
    }
}

impl<T> CompileCache<T> {
    /// The compiled form of `source`, compiling it with `compile` on first use. Failures are not
    /// cached: they end the task anyway.
    pub(crate) fn get_or_compile<E>(
        &self,
        source: &str,
        compile: impl FnOnce() -> Result<T, E>,
    ) -> Result<Arc<T>, E> {
        if let Some(hit) = self
            .compiled
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(source)
        {
            return Ok(hit.clone());
        }
        // Compile outside the lock; if two threads race, both results are equal and one wins.
        let fresh = Arc::new(compile()?);
        let mut map = self
            .compiled
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        Ok(map.entry(source.into()).or_insert(fresh).clone())
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.compiled
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}
