#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod client;
mod config_sync;
mod error;
mod message;
mod network;
mod tls;
mod transport;

pub use client::{Client, ClientBuilder, ClientStats, DEFAULT_POLL_INTERVAL, DEFAULT_TTL};
pub use config_sync::{CONFIG_TTL, ContactList, Profile, PushedConfig, SyncReport};
pub use error::{Error, ErrorKind, Result, TransportError};
pub use message::{Message, MessageKind, SendReceipt};
pub use network::{Network, SeedNode, SeedPin, mainnet_seeds};
pub use session_onion::EncType;
pub use session_swarm::Namespace;
