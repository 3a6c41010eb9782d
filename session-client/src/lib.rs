#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod client;
mod community;
mod config_sync;
mod error;
mod message;
mod network;
mod tls;
mod transport;

pub use client::{Client, ClientBuilder, ClientStats, DEFAULT_POLL_INTERVAL, DEFAULT_TTL};
pub use community::{
    Inbox, InboxMessage, PollInfo, Reaction, RejectedMessage, Room, RoomInfo, RoomMessage,
    RoomOptions, RoomUpdates, ServerError, ServerErrorKind, ToCommunity, Via,
};
pub use config_sync::{CONFIG_TTL, ContactList, Profile, PushedConfig, SyncReport};
pub use error::{Error, ErrorKind, Result, TransportError};
pub use message::{Message, MessageKind, SendReceipt};
pub use network::{Network, SeedNode, SeedPin, mainnet_seeds};
pub use session_community::Community;
pub use session_community::auth::KeyKind;
pub use session_community::poll::Start;
pub use session_onion::EncType;
pub use session_swarm::Namespace;
