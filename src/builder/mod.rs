//! Building images: `buildlint build`.
//!
//! - [`daemon`]: the Docker Engine client, which endpoint to talk to
//!   ([`daemon::endpoint`]), and base images read from it
//!   ([`daemon::local_images`]).
//! - [`session`]: the BuildKit session and its file sync, which serve the build
//!   context the way the docker CLI does.
//! - [`schedule`]: many builds as a DAG of jobs with bounded parallelism, and a
//!   stack's services turned into such jobs ([`schedule::stack`]); spread
//!   over the nodes of a [`fleet`] by [`schedule::fleet`].
//! - One job, start to finish: [`job`] (preflight, context, build, tags),
//!   [`preflight`], [`stages`], [`package`] and [`send`] (the context), [`exec`]
//!   (the request and the daemon's answer), [`failure`] (a failed step mapped
//!   back to its Dockerfile line).
//! - [`credentials`]: registry credentials as the docker CLI finds them;
//!   [`push`]: tags pushed after a build; [`cache`]: `--cache-from`/`--cache-to`;
//!   [`secrets`]: `--secret` and `--ssh`, served on the session.
//! - [`progress`] (the views) and [`record`] (finished builds, by content).

pub mod cache;
pub mod credentials;
pub mod daemon;
pub mod exec;
pub mod failure;
pub mod fleet;
pub mod job;
pub mod limits;
pub mod package;
pub mod preflight;
pub mod progress;
pub mod push;
pub mod record;
pub mod schedule;
pub mod secrets;
pub mod send;
#[cfg(feature = "buildkit")]
pub mod session;
pub mod stages;
