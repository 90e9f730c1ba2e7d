//! Parallel maps that start the shared thread pool only when there is more
//! than one item: a run over one file (a pre-commit hook, an editor's save)
//! then spawns no thread at all.

use rayon::prelude::*;

/// `f` over `items`, results in order: on the shared pool for two items or
/// more, on the calling thread for one or none.
pub fn map<T, R, F>(items: &[T], f: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(&T) -> R + Sync + Send,
{
    if items.len() <= 1 {
        items.iter().map(f).collect()
    } else {
        items.par_iter().map(f).collect()
    }
}
