#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod builder;
mod error;
mod frame;
mod hop;
mod node;
mod response;
mod v4;

pub use builder::{Destination, Hop, OnionRequestBuilder, ServerDestination};
pub use error::{Error, Result, Retry};
pub use frame::{encode_frame, parse_frame, split_frame};
pub use hop::{EncType, LayerKey};
pub use node::{
    Decision, FinalRequest, IncomingLayer, MAX_HOPS, MAX_REQUEST_SIZE, NodeKeys, NodeRelay,
    PeeledLayer, Protocol, Rejection, ReplyBody, ReplyKey, Route, RpcRequest, ServerRelay,
    is_target_allowed,
};
pub use response::{
    DestinationError, DestinationErrorKind, PathError, PathErrorKind, PendingResponse, ReplyFormat,
    Response, SwarmMember,
};
pub use session_identity::{Ed25519KeyPair, Ed25519PublicKey, X25519PublicKey, X25519SecretKey};
pub use v4::{HttpRequest, V4Response, encode_v4_request, encode_v4_response, parse_v4_response};
