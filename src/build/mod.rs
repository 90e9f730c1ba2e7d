//! Building images: the daemon connection, builder choice, preflight checks,
//! the context stream, progress, failures mapped to Dockerfile lines, and
//! tagging. `buildlint build`.

pub mod daemon;
pub mod endpoint;
pub mod exec;
pub mod failure;
#[cfg(feature = "buildkit")]
pub mod filesync;
pub mod job;
pub mod local_images;
pub mod package;
pub mod plan;
pub mod preflight;
pub mod progress;
pub mod record;
pub mod send;
#[cfg(feature = "buildkit")]
pub mod session;
pub mod stack;
pub mod stages;
