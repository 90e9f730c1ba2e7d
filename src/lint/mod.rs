//! The lint stage: rules over the IR, with the build context in view.

pub mod bake;
pub mod baseline;
pub mod config;
pub mod context_view;
pub mod diagnostic;
pub mod discover;
pub mod driver;
pub mod engine;
pub mod finding;
pub mod fix;
mod fix_vectors;
pub mod memo;
pub mod options;
mod page_examples;
pub mod pages;
pub mod recover;
pub mod registry;
pub mod rule;
pub mod rules;
pub mod semantic;
pub mod shell;
pub mod stack;
pub mod suppress;
#[doc(hidden)]
pub mod testing;

pub use finding::{
    Applicability, Diagnostic, Diagnostics, Edit, Finding, Fix, Severity, SourceFile,
};
pub use rule::{Check, DockerfileCx, FixAvailability, Rule, StackCx};
