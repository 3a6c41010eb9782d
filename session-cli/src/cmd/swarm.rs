//! `session swarm ...` and `session rpc ...` (issue 5).

use std::process::ExitCode;

/// Arguments of `session swarm`.
#[derive(Debug, clap::Args)]
pub(crate) struct SwarmArgs {}

/// Arguments of `session rpc`.
#[derive(Debug, clap::Args)]
pub(crate) struct RpcArgs {}

pub(crate) fn run_swarm(_args: SwarmArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`session swarm` is not implemented yet")
}

pub(crate) fn run_rpc(_args: RpcArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`session rpc` is not implemented yet")
}
