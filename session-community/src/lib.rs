#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod api;
pub mod auth;
pub mod encoding;
mod error;
pub mod poll;
pub mod post;
pub mod server;
pub mod url;

pub use api::{ApiRequest, FromResponse, Method, Request, ServerError, ServerErrorKind};
pub use auth::{AuthError, AuthHeaders, AuthPolicy, KeyKind, RequestSigner, verify_request};
pub use error::{Error, Result};
pub use post::{decode_post_data, encode_post_data, verify_post_signature};
pub use url::{BaseUrl, Community, RoomToken, Scheme};
