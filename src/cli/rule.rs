//! `buildlint rule`.

use clap::Args;

#[derive(Args, Debug)]
pub struct RuleArgs {}

pub fn run(args: RuleArgs, io: &mut super::Io<'_>) -> anyhow::Result<u8> {
    let _ = args;
    super::not_yet("rule", io)
}
