//! `session onion ...` (issue 4).

use std::process::ExitCode;

/// Arguments of `session onion`.
#[derive(Debug, clap::Args)]
pub(crate) struct OnionArgs {}

pub(crate) fn run(_args: OnionArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`session onion` is not implemented yet")
}
