//! The stack front end: compose and stack files loaded as compose loads them,
//! into the [`Project`] IR with spans.

pub mod dotenv;
pub mod interpolate;
pub mod merge;
pub mod model;
pub mod schema;
pub mod syntax;
pub mod yaml;

pub use model::Project;
