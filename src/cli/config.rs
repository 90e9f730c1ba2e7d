//! `buildlint config`.

use clap::Args;

#[derive(Args, Debug)]
pub struct ConfigArgs {}

pub fn run(args: ConfigArgs, io: &mut super::Io<'_>) -> anyhow::Result<u8> {
    let _ = args;
    super::not_yet("config", io)
}
