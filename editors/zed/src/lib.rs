//! Starts `buildlint lsp` (found on PATH) for Zed.

use zed_extension_api::{self as zed, LanguageServerId, Result};

struct Buildlint;

impl zed::Extension for Buildlint {
    fn new() -> Self {
        Buildlint
    }

    fn language_server_command(
        &mut self,
        _id: &LanguageServerId,
        worktree: &zed::Worktree,
    ) -> Result<zed::Command> {
        let command = worktree
            .which("buildlint")
            .ok_or("buildlint is not on PATH: install it (see the README)")?;
        Ok(zed::Command {
            command,
            args: vec!["lsp".into()],
            env: Vec::new(),
        })
    }
}

zed::register_extension!(Buildlint);
