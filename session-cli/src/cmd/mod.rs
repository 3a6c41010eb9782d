//! The `session` subcommands other than `vectors`, one module per area.

pub(crate) mod bench;
pub(crate) mod common;
pub(crate) mod community;
pub(crate) mod id;
pub(crate) mod message;
pub(crate) mod net;
pub(crate) mod node;
pub(crate) mod onion;
pub(crate) mod profile;
pub(crate) mod swarm;
pub(crate) mod testnet;
