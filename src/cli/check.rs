//! `buildlint check`.

use clap::Args;

#[derive(Args, Debug)]
pub struct CheckArgs {}

pub fn run(args: CheckArgs) -> anyhow::Result<u8> {
    let _ = args;
    super::not_yet("check")
}
