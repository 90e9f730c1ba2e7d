//! `buildlint debug`.

use clap::Args;

#[derive(Args, Debug)]
pub struct DebugArgs {}

pub fn run(args: DebugArgs) -> anyhow::Result<u8> {
    let _ = args;
    super::not_yet("debug")
}
