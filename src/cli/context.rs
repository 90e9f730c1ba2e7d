//! `buildlint context`.

use clap::Args;

#[derive(Args, Debug)]
pub struct ContextArgs {}

pub fn run(args: ContextArgs, io: &mut super::Io<'_>) -> anyhow::Result<u8> {
    let _ = args;
    super::not_yet("context", io)
}
