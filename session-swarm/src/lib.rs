#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod auth;
pub mod bt;
mod error;
pub mod namespace;
pub mod node;
pub mod pool;
pub mod response;
pub mod rpc;
pub mod server;
pub mod space;
pub mod table;

pub use auth::{Auth, ExpireMode, SubaccountToken};
pub use error::{Error, Result};
pub use namespace::{Namespace, NamespaceSelector, message_hash};
pub use node::{BinRecord, ServiceNode, SwarmAnswer};
pub use pool::{NodePool, OnionPath, PoolConfig};
pub use response::{RetrieveResponse, SwarmResponse, check_status};
pub use rpc::{Method, Request, Retrieve, Store};
pub use space::{INVALID_SWARM_ID, SwarmId, SwarmPubkey, closest_swarm, swarm_space};
pub use table::{SwarmRef, SwarmTable};
