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

pub fn run(_args: LspArgs, io: &mut Io<'_>) -> anyhow::Result<u8> {
    // The protocol owns stdout: nothing else may write there.
    let clean = match crate::lsp::serve_stdio() {
        Ok(clean) => clean,
        // Not a failure of the server: no client came (as `exit` without
        // `shutdown`, status 1).
        Err(e) if e.downcast_ref::<crate::lsp::NoClient>().is_some() => {
            writeln!(io.stderr, "buildlint lsp: {e}")?;
            return Ok(1);
        }
        Err(e) => return Err(e),
    };
    // The protocol's exit status: 1 when `exit` came without `shutdown`.
    Ok(if clean { EXIT_OK } else { 1 })
}
