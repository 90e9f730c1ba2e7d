//! The shell views as a rule reads them, from its Dockerfile context. Apart
//! from the rest of `shell` so that the views know nothing of rules.

use super::ShellViews;
use crate::lint::rule::DockerfileCx;

/// The shell views of a Dockerfile, computed on first use in this lint.
pub fn views<'a>(cx: &'a DockerfileCx<'_>) -> &'a ShellViews {
    cx.semantic.shell.0.get_or_init(|| ShellViews::build(cx.df))
}
