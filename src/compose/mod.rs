//! The stack front end: compose and stack files loaded as compose loads them,
//! into the [`Project`] IR with spans.

pub mod dotenv;
pub mod interpolate;
pub mod merge;
pub mod schema;
pub mod syntax;
pub mod yaml;

/// A loaded stack project.
#[derive(Clone, Debug, Default)]
pub struct Project {}
