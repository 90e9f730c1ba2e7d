//! Building images: the plan, the daemon connection, progress and the build cache.
