//! The stack front end: compose and stack files loaded as compose loads them,
//! into the [`Project`] IR with spans.

pub mod check;
pub mod discover;
pub mod dotenv;
pub mod interpolate;
pub mod load;
pub mod merge;
pub mod model;
pub mod schema;
pub mod suppress;
pub mod syntax;
#[doc(hidden)]
pub mod testing;
pub mod yaml;

pub use check::{
    lint_loaded, lint_stack_dockerfiles, lint_stack_project, lint_stack_project_with, StackOptions,
};
pub use load::{load, LoadOptions, Loaded};
pub use model::Project;
#[cfg(test)]
mod check_tests;
#[cfg(test)]
mod corpus_tests;
#[cfg(test)]
mod fixture_tests;
#[cfg(test)]
mod load_tests;
#[cfg(test)]
mod props;
