#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod derived;
mod engine;
mod error;
mod keys;
mod point;
mod seed;
mod xed25519;

pub mod blinding;
pub mod encoding;
pub mod hash;
pub mod id;
pub mod mnemonic;

pub use blinding::{Blind15KeyPair, Blind15Nonce, Blind25KeyPair};
pub use derived::Platform;
pub use error::{Error, Result};
pub use id::{
    AccountId, Blinded15Id, Blinded25Id, GroupId, IdPrefix, SessionId, UnblindedId,
    VersionBlindedId,
};
pub use keys::{
    Ed25519KeyPair, Ed25519PublicKey, Signature, X25519PublicKey, X25519SecretKey, seed_from_secret,
};
pub use mnemonic::WordList;
pub use seed::{RECOVERY_PHRASE_WORDS, Seed};
