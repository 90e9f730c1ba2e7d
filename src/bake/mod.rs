//! The bake front end: `docker-bake.hcl` / `.json` files loaded as
//! `docker buildx bake` loads them (variables, functions, matrices,
//! `inherits`, groups, `--set`), into resolved targets with spans.
//!
//! Problems are this module's own [`Problem`]s with a [`ProblemKind`]; the
//! lint layer turns them into findings.

pub mod discover;
pub mod eval;
pub mod model;
pub mod parse;
pub mod print;
pub mod resolve;
pub mod stdlib;

pub use model::{AttrValue, BakeFile, Config, Group, KeySpan, Problem, ProblemKind, Target};
pub use resolve::{load, resolve_with_env, LoadOptions, Loaded, Resolved};

#[cfg(test)]
mod buildx_tests;
#[cfg(test)]
mod tests;
