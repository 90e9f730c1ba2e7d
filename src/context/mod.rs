//! The build context: walk, `.dockerignore`, pruning to what the build reads,
//! the tar stream and the content digest.
//!
//! The entry point is [`ContextPlan`]: plan once, then list
//! ([`ContextPlan::files`]), stream a tar ([`ContextPlan::write_tar`]) or
//! digest ([`ContextPlan::digest`]).

pub mod beneath;
pub mod digest;
pub mod dockerignore;
pub mod fs;
pub mod gzip;
pub mod meta;
pub mod plan;
pub mod prune;
pub mod select;
pub mod tar;
pub mod walk;

pub use dockerignore::{load_ignore_file, IgnoreFile, Walker};
pub use fs::{ContextFs, OsFs};
pub use meta::{FileKind, Meta};
pub use plan::{plan_unpruned, ContextError, ContextPlan, Explanation, PlanOptions, Totals};
pub use prune::{KnownOnbuild, NoDaemon, OnbuildLookup, OnbuildUnknown, StageSelection};
pub use tar::{PackError, TarOptions, TarStats};
pub use walk::Entry;
