//! The stack front end: compose and stack files loaded as compose loads them,
//! into the [`Project`] IR with spans.

pub mod discover;
pub mod dotenv;
pub mod interpolate;
pub mod load;
pub mod lower;
pub mod merge;
pub mod model;
pub mod schema;
pub mod syntax;
pub mod yaml;

pub use load::{load, LoadOptions, Loaded};
pub use model::Project;
#[cfg(test)]
mod load_tests;
