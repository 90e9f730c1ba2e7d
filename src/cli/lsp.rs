//! `buildlint lsp`: the language server over standard input and output.

use super::{Io, EXIT_OK};

#[derive(clap::Args, Debug)]
#[command(
    after_help = "Editors start it themselves; see docs/editors.md.\n\nExample:\n  buildlint lsp"
)]
pub struct LspArgs {
    /// Accepted for clients that pass it; standard input and output are the
    /// only transport.
    #[arg(long)]
    pub stdio: bool,
}

pub fn run(_args: LspArgs, _io: &mut Io<'_>) -> anyhow::Result<u8> {
    // The protocol owns stdout: nothing else may write there.
    let clean = crate::lsp::serve_stdio()?;
    // The protocol's exit status: 1 when `exit` came without `shutdown`.
    Ok(if clean { EXIT_OK } else { 1 })
}
