//! Rule families, one folder each; one file per rule.

pub mod bake;
pub mod compose;
pub mod context;
pub mod dockerfile;
pub mod meta;
pub mod shell;
