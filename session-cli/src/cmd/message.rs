//! `session encrypt` and `session decrypt` (issue 3).

use std::process::ExitCode;

/// Arguments of `session encrypt`.
#[derive(Debug, clap::Args)]
pub(crate) struct EncryptArgs {}

/// Arguments of `session decrypt`.
#[derive(Debug, clap::Args)]
pub(crate) struct DecryptArgs {}

pub(crate) fn encrypt(_args: EncryptArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`session encrypt` is not implemented yet")
}

pub(crate) fn decrypt(_args: DecryptArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`session decrypt` is not implemented yet")
}
