//! `buildlint debug`.

use clap::Args;

#[derive(Args, Debug)]
pub struct DebugArgs {}

pub fn run(args: DebugArgs, io: &mut super::Io<'_>) -> anyhow::Result<u8> {
    let _ = args;
    super::not_yet("debug", io)
}
