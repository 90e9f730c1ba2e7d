//! The build context: walk, `.dockerignore`, pruning to what the build reads,
//! the tar stream and the content digest.

pub mod dockerignore;
