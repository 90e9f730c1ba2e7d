//! Building images: the daemon connection, builder choice, preflight checks,
//! the context stream, progress, failures mapped to Dockerfile lines, and
//! tagging. `buildlint build`.

pub mod daemon;
pub mod endpoint;
pub mod exec;
pub mod progress;
pub mod send;
