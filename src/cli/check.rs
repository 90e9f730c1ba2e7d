//! `buildlint check`.

use clap::Args;

#[derive(Args, Debug)]
pub struct CheckArgs {}

pub fn run(args: CheckArgs, io: &mut super::Io<'_>) -> anyhow::Result<u8> {
    let _ = args;
    super::not_yet("check", io)
}
