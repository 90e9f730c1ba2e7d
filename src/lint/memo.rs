//! Facts several rules derive the same way from one file, computed once per
//! lint and shared (the context sources that six context rules read, say).
//! Kept with the other per-lint facts in [`crate::lint::semantic::Semantic`];
//! cloning gives an empty memo (it is recomputed on demand).

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

type Shared = Arc<dyn Any + Send + Sync>;

#[derive(Default)]
pub struct Memo(Mutex<HashMap<TypeId, Shared>>);

impl Memo {
    /// The value of type `T`, computed by `compute` the first time. Each
    /// type has one value per lint: give each fact its own type.
    pub fn get_or<T: Any + Send + Sync>(&self, compute: impl FnOnce() -> T) -> Arc<T> {
        let key = TypeId::of::<T>();
        if let Some(found) = self.lock().get(&key) {
            if let Ok(value) = found.clone().downcast::<T>() {
                return value;
            }
        }
        // Computed without the lock held: `compute` may ask for another fact.
        // Two rules racing compute the same value; the first one stored wins.
        let value: Shared = Arc::new(compute());
        let stored = self.lock().entry(key).or_insert(value).clone();
        stored
            .downcast::<T>()
            .unwrap_or_else(|_| unreachable!("a memo entry holds the type it is keyed by"))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<TypeId, Shared>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Clone for Memo {
    fn clone(&self) -> Self {
        Memo::default()
    }
}

impl std::fmt::Debug for Memo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Memo")
    }
}

#[cfg(test)]
mod tests {
    use super::Memo;
    use std::cell::Cell;

    #[test]
    fn computes_once_per_type() {
        struct Twice(u32);
        struct Name(&'static str);
        let memo = Memo::default();
        let calls = Cell::new(0);
        let count = || {
            calls.set(calls.get() + 1);
            Twice(2)
        };
        assert_eq!(memo.get_or(count).0, 2);
        assert_eq!(memo.get_or(|| Twice(3)).0, 2);
        assert_eq!(calls.get(), 1);
        assert_eq!(memo.get_or(|| Name("other")).0, "other");
        assert_eq!(
            memo.clone().get_or(|| Twice(4)).0,
            4,
            "a clone starts empty"
        );
    }
}
