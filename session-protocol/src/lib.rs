#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod attachment;
pub mod blinded;
pub mod config_message;
pub mod envelope;
mod error;
pub mod group;
pub mod message;
pub mod multi;
pub mod padding;
pub mod proto;
mod secretbox;
mod session;
mod symmetric;

/// The protobuf runtime of [`proto`] (for `prost::Message::encode_to_vec` / `decode`).
pub use prost;

pub use attachment::{EncryptedAttachment, decrypt_attachment, encrypt_attachment};
pub use blinded::{
    BlindedId, BlindedMessage, decrypt_from_blinded_recipient, encrypt_for_blinded_recipient,
};
pub use config_message::{config_kind_for_namespace, unwrap_config, wrap_config};
pub use envelope::{
    RequestFraming, StoredMessage, parse_stored_message, session_envelope, to_storage_data,
    unwrap_storage_data, wrap_envelope,
};
pub use error::{Error, Result};
pub use group::{
    GroupKey, GroupKeyInfo, GroupMessage, KeyReader, ReceivedSupplement, Rekey, SignatureScheme,
    decrypt_group_message, encrypt_group_message, group_key_supplement, group_rekey,
    is_group_key_supplement, read_group_key_message, read_group_key_supplement, zstd_decompress,
};
pub use message::{
    ReceivedMessage, SendOptions, decode_community_inbox, decode_from_storage,
    decode_group_message, encode_for_community_inbox, encode_for_group, encode_for_recipient,
};
pub use multi::{
    MultiMessages, decrypt_for_multiple, decrypt_for_multiple_simple, encrypt_for_multiple,
    encrypt_for_multiple_simple,
};
pub use padding::{PaddingRule, pad_message, padded_len, unpad_message};
pub use session::{
    CheckedRecipient, IncomingMessage, SESSION_OVERHEAD, decrypt_incoming, decrypt_incoming_x25519,
    encrypt_for_checked_recipient, encrypt_for_recipient, sign_for_recipient,
};
#[cfg(feature = "testing")]
pub use session::{
    encrypt_for_recipient_deterministic_for_testing,
    encrypt_for_recipient_with_ephemeral_for_testing,
};
pub use symmetric::{
    CONFIG_OVERHEAD, TAG_LEN, XCHACHA_NONCE_LEN, decrypt_config, decrypt_ons_response,
    decrypt_push_notification, decrypt_xchacha20, encrypt_config, encrypt_xchacha20,
};
