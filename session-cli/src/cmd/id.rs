//! `session id ...` (issue 2).

use std::process::ExitCode;

/// Arguments of `session id`.
#[derive(Debug, clap::Args)]
pub(crate) struct IdArgs {}

pub(crate) fn run(_args: IdArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`session id` is not implemented yet")
}
