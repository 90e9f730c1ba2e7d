//! `buildlint build`.

use clap::Args;

#[derive(Args, Debug)]
pub struct BuildArgs {}

pub fn run(args: BuildArgs, io: &mut super::Io<'_>) -> anyhow::Result<u8> {
    let _ = args;
    super::not_yet("build", io)
}
