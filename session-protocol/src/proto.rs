//! Protobuf message types of the Session wire format (`SessionProtos` and `WebSocketProtos`,
//! proto2), written by hand with `prost` from the field names, numbers and types of the schema
//! (spec §5.1). Optional proto2 fields are `Option`s, so an explicitly set empty string or zero
//! is serialized (`0a 00`) while an unset field is omitted, as the reference encoders do.
//! Fields are declared (and so encoded) in ascending field-number order, like protobuf C++.
//!
//! Besides the LS-dev schema, the fields the spec lists as later additions are included:
//! `Envelope.proSig` (11) and `Content.expirationType` (12), `expirationTimer` (13) and
//! `sigTimestamp` (15).

#![allow(missing_docs)] // prost derives generate undocumented accessor methods

/// Types nested in [`Envelope`].
pub mod envelope {
    /// `Envelope.Type`.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
    #[repr(i32)]
    pub enum Type {
        /// A 1-to-1 message (content: Session Protocol ciphertext).
        SessionMessage = 6,
        /// A legacy or groups-v2 group message.
        ClosedGroupMessage = 7,
    }
}

/// The outer message stored on the swarm (inside a [`WebSocketMessage`] for 1-to-1 messages,
/// encrypted for groups v2).
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct Envelope {
    /// [`envelope::Type`].
    #[prost(enumeration = "envelope::Type", required, tag = "1")]
    pub r#type: i32,
    /// Empty or absent for 1-to-1 messages; the group id for group messages.
    #[prost(string, optional, tag = "2")]
    pub source: Option<String>,
    /// The sender's network time in milliseconds.
    #[prost(uint64, required, tag = "5")]
    pub timestamp: u64,
    /// Android and libsession set 1.
    #[prost(uint32, optional, tag = "7")]
    pub source_device: Option<u32>,
    /// Encrypted content (1-to-1) or the serialized [`Content`] (groups v2).
    #[prost(bytes = "vec", optional, tag = "8")]
    pub content: Option<Vec<u8>>,
    /// Unused.
    #[prost(uint64, optional, tag = "10")]
    pub server_timestamp: Option<u64>,
    /// Session Pro signature over `content` (newer clients; not interpreted here).
    #[prost(bytes = "vec", optional, tag = "11")]
    pub pro_sig: Option<Vec<u8>>,
}

/// Types nested in [`TypingMessage`].
pub mod typing_message {
    /// `TypingMessage.Action`.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
    #[repr(i32)]
    pub enum Action {
        /// Started typing.
        Started = 0,
        /// Stopped typing.
        Stopped = 1,
    }
}

/// A typing indicator.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct TypingMessage {
    /// Timestamp (ms).
    #[prost(uint64, required, tag = "1")]
    pub timestamp: u64,
    /// [`typing_message::Action`].
    #[prost(enumeration = "typing_message::Action", required, tag = "2")]
    pub action: i32,
}

/// A request to delete a sent message.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct UnsendRequest {
    /// Timestamp of the message to delete.
    #[prost(uint64, required, tag = "1")]
    pub timestamp: u64,
    /// Its author's Account ID (hex).
    #[prost(string, required, tag = "2")]
    pub author: String,
}

/// The answer to a message request.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct MessageRequestResponse {
    /// Whether the request was approved.
    #[prost(bool, required, tag = "1")]
    pub is_approved: bool,
    /// Profile key.
    #[prost(bytes = "vec", optional, tag = "2")]
    pub profile_key: Option<Vec<u8>>,
    /// Profile.
    #[prost(message, optional, tag = "3")]
    pub profile: Option<LokiProfile>,
}

/// Types nested in [`Content`].
pub mod content {
    /// `Content.ExpirationType`.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
    #[repr(i32)]
    pub enum ExpirationType {
        /// Unknown.
        Unknown = 0,
        /// Disappear after being read.
        DeleteAfterRead = 1,
        /// Disappear after being sent.
        DeleteAfterSend = 2,
    }
}

/// The plaintext of a message: exactly one of the message kinds plus metadata.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Content {
    /// A visible message.
    #[prost(message, optional, tag = "1")]
    pub data_message: Option<DataMessage>,
    /// A call signalling message.
    #[prost(message, optional, tag = "3")]
    pub call_message: Option<CallMessage>,
    /// A delivery or read receipt.
    #[prost(message, optional, tag = "5")]
    pub receipt_message: Option<ReceiptMessage>,
    /// A typing indicator.
    #[prost(message, optional, tag = "6")]
    pub typing_message: Option<TypingMessage>,
    /// Obsolete configuration message.
    #[prost(message, optional, tag = "7")]
    pub configuration_message: Option<ConfigurationMessage>,
    /// Screenshot / media-saved notification.
    #[prost(message, optional, tag = "8")]
    pub data_extraction_notification: Option<DataExtractionNotification>,
    /// Delete request.
    #[prost(message, optional, tag = "9")]
    pub unsend_request: Option<UnsendRequest>,
    /// Message-request answer.
    #[prost(message, optional, tag = "10")]
    pub message_request_response: Option<MessageRequestResponse>,
    /// Legacy user config (spec §5.6).
    #[prost(message, optional, tag = "11")]
    pub shared_config_message: Option<SharedConfigMessage>,
    /// [`content::ExpirationType`].
    #[prost(enumeration = "content::ExpirationType", optional, tag = "12")]
    pub expiration_type: Option<i32>,
    /// Disappearing-message timer (seconds).
    #[prost(uint32, optional, tag = "13")]
    pub expiration_timer: Option<u32>,
    /// Signed copy of the envelope timestamp (ms); must equal it when set (spec §5.3).
    #[prost(uint64, optional, tag = "15")]
    pub sig_timestamp: Option<u64>,
}

impl Content {
    /// A plain text message as the clients send one (spec §5.1, §5.2): `dataMessage.body =
    /// body`, `dataMessage.timestamp = sent_ms` and `sigTimestamp = sent_ms` (the envelope
    /// timestamp the message will be sent with; [`encode_for_recipient`] sets `sigTimestamp`
    /// again to its own `sent_ms`). Other fields (profile, quote, attachments, expiry) are unset
    /// and can be filled in afterwards.
    ///
    /// ```
    /// use session_protocol::proto::Content;
    ///
    /// let sent_ms = 1_764_150_000_000;
    /// let content = Content::text("Lunch at noon?", sent_ms);
    /// assert_eq!(content.text_body(), Some("Lunch at noon?"));
    /// assert_eq!(content.sig_timestamp, Some(sent_ms));
    /// let data = content.data_message.as_ref().expect("a text message has a data message");
    /// assert_eq!(data.timestamp, Some(sent_ms));
    /// ```
    ///
    /// [`encode_for_recipient`]: crate::encode_for_recipient
    #[must_use]
    pub fn text(body: impl Into<String>, sent_ms: u64) -> Self {
        Self {
            data_message: Some(DataMessage {
                body: Some(body.into()),
                timestamp: Some(sent_ms),
                ..DataMessage::default()
            }),
            sig_timestamp: Some(sent_ms),
            ..Self::default()
        }
    }

    /// `dataMessage.body`, the text of a visible message (`None` for other kinds of message
    /// and for a data message without text, e.g. an attachment alone).
    ///
    /// ```
    /// use session_protocol::proto::Content;
    ///
    /// assert_eq!(Content::text("hi", 1).text_body(), Some("hi"));
    /// assert_eq!(Content::default().text_body(), None);
    /// ```
    #[must_use]
    pub fn text_body(&self) -> Option<&str> {
        self.data_message.as_ref()?.body.as_deref()
    }
}

/// Types nested in [`CallMessage`].
pub mod call_message {
    /// `CallMessage.Type`.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
    #[repr(i32)]
    pub enum Type {
        /// Pre-offer.
        PreOffer = 6,
        /// Offer.
        Offer = 1,
        /// Answer.
        Answer = 2,
        /// Provisional answer.
        ProvisionalAnswer = 3,
        /// ICE candidates.
        IceCandidates = 4,
        /// End of call.
        EndCall = 5,
    }
}

/// WebRTC call signalling.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct CallMessage {
    /// [`call_message::Type`].
    #[prost(enumeration = "call_message::Type", required, tag = "1")]
    pub r#type: i32,
    /// SDPs.
    #[prost(string, repeated, tag = "2")]
    pub sdps: Vec<String>,
    /// SDP m-line indexes.
    #[prost(uint32, repeated, packed = "false", tag = "3")]
    pub sdp_m_line_indexes: Vec<u32>,
    /// SDP mids.
    #[prost(string, repeated, tag = "4")]
    pub sdp_mids: Vec<String>,
    /// Call id.
    #[prost(string, required, tag = "5")]
    pub uuid: String,
}

/// A key pair (legacy closed groups).
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct KeyPair {
    /// Public key.
    #[prost(bytes = "vec", required, tag = "1")]
    pub public_key: Vec<u8>,
    /// Private key.
    #[prost(bytes = "vec", required, tag = "2")]
    pub private_key: Vec<u8>,
}

/// Types nested in [`DataExtractionNotification`].
pub mod data_extraction_notification {
    /// `DataExtractionNotification.Type`.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
    #[repr(i32)]
    pub enum Type {
        /// A screenshot was taken.
        Screenshot = 1,
        /// Media was saved.
        MediaSaved = 2,
    }
}

/// Screenshot / media-saved notification.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct DataExtractionNotification {
    /// [`data_extraction_notification::Type`].
    #[prost(
        enumeration = "data_extraction_notification::Type",
        required,
        tag = "1"
    )]
    pub r#type: i32,
    /// Timestamp.
    #[prost(uint64, optional, tag = "2")]
    pub timestamp: Option<u64>,
}

/// A user profile.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct LokiProfile {
    /// Display name.
    #[prost(string, optional, tag = "1")]
    pub display_name: Option<String>,
    /// Profile picture URL.
    #[prost(string, optional, tag = "2")]
    pub profile_picture: Option<String>,
}

/// Types nested in [`DataMessage`].
pub mod data_message {
    use super::{AttachmentPointer, KeyPair};

    /// `DataMessage.Flags`.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
    #[repr(i32)]
    pub enum Flags {
        /// The message updates the disappearing-message timer.
        ExpirationTimerUpdate = 2,
    }

    /// Types nested in [`Quote`].
    pub mod quote {
        use super::AttachmentPointer;

        /// Types nested in [`QuotedAttachment`].
        pub mod quoted_attachment {
            /// `QuotedAttachment.Flags`.
            #[derive(
                Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration,
            )]
            #[repr(i32)]
            pub enum Flags {
                /// A voice message.
                VoiceMessage = 1,
            }
        }

        /// An attachment of a quoted message.
        #[derive(Clone, PartialEq, Eq, prost::Message)]
        pub struct QuotedAttachment {
            /// MIME type.
            #[prost(string, optional, tag = "1")]
            pub content_type: Option<String>,
            /// File name.
            #[prost(string, optional, tag = "2")]
            pub file_name: Option<String>,
            /// Thumbnail.
            #[prost(message, optional, tag = "3")]
            pub thumbnail: Option<AttachmentPointer>,
            /// Flags.
            #[prost(uint32, optional, tag = "4")]
            pub flags: Option<u32>,
        }
    }

    /// A quoted message.
    #[derive(Clone, PartialEq, Eq, prost::Message)]
    pub struct Quote {
        /// The quoted message's timestamp.
        #[prost(uint64, required, tag = "1")]
        pub id: u64,
        /// Its author.
        #[prost(string, required, tag = "2")]
        pub author: String,
        /// Its text.
        #[prost(string, optional, tag = "3")]
        pub text: Option<String>,
        /// Its attachments.
        #[prost(message, repeated, tag = "4")]
        pub attachments: Vec<quote::QuotedAttachment>,
    }

    /// A link preview.
    #[derive(Clone, PartialEq, Eq, prost::Message)]
    pub struct Preview {
        /// URL.
        #[prost(string, required, tag = "1")]
        pub url: String,
        /// Title.
        #[prost(string, optional, tag = "2")]
        pub title: Option<String>,
        /// Image.
        #[prost(message, optional, tag = "3")]
        pub image: Option<AttachmentPointer>,
    }

    /// Types nested in [`Reaction`].
    pub mod reaction {
        /// `Reaction.Action`.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
        #[repr(i32)]
        pub enum Action {
            /// Add the reaction.
            React = 0,
            /// Remove it.
            Remove = 1,
        }
    }

    /// An emoji reaction.
    #[derive(Clone, PartialEq, Eq, prost::Message)]
    pub struct Reaction {
        /// Timestamp of the message reacted to.
        #[prost(uint64, required, tag = "1")]
        pub id: u64,
        /// Its author.
        #[prost(string, required, tag = "2")]
        pub author: String,
        /// The emoji.
        #[prost(string, optional, tag = "3")]
        pub emoji: Option<String>,
        /// [`reaction::Action`].
        #[prost(enumeration = "reaction::Action", required, tag = "4")]
        pub action: i32,
    }

    /// An invitation to a community.
    #[derive(Clone, PartialEq, Eq, prost::Message)]
    pub struct OpenGroupInvitation {
        /// Community URL.
        #[prost(string, required, tag = "1")]
        pub url: String,
        /// Community name.
        #[prost(string, required, tag = "3")]
        pub name: String,
    }

    /// Types nested in [`ClosedGroupControlMessage`].
    pub mod closed_group_control_message {
        /// `ClosedGroupControlMessage.Type`.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
        #[repr(i32)]
        pub enum Type {
            /// New group.
            New = 1,
            /// New encryption key pair.
            EncryptionKeyPair = 3,
            /// Name change.
            NameChange = 4,
            /// Members added.
            MembersAdded = 5,
            /// Members removed.
            MembersRemoved = 6,
            /// A member left.
            MemberLeft = 7,
            /// Key pair request.
            EncryptionKeyPairRequest = 8,
        }

        /// An encrypted key pair for one member.
        #[derive(Clone, PartialEq, Eq, prost::Message)]
        pub struct KeyPairWrapper {
            /// The member's public key.
            #[prost(bytes = "vec", required, tag = "1")]
            pub public_key: Vec<u8>,
            /// The encrypted key pair.
            #[prost(bytes = "vec", required, tag = "2")]
            pub encrypted_key_pair: Vec<u8>,
        }
    }

    /// Legacy closed-group control message.
    #[derive(Clone, PartialEq, Eq, prost::Message)]
    pub struct ClosedGroupControlMessage {
        /// [`closed_group_control_message::Type`].
        #[prost(
            enumeration = "closed_group_control_message::Type",
            required,
            tag = "1"
        )]
        pub r#type: i32,
        /// Group public key.
        #[prost(bytes = "vec", optional, tag = "2")]
        pub public_key: Option<Vec<u8>>,
        /// Group name.
        #[prost(string, optional, tag = "3")]
        pub name: Option<String>,
        /// Encryption key pair.
        #[prost(message, optional, tag = "4")]
        pub encryption_key_pair: Option<KeyPair>,
        /// Members.
        #[prost(bytes = "vec", repeated, tag = "5")]
        pub members: Vec<Vec<u8>>,
        /// Admins.
        #[prost(bytes = "vec", repeated, tag = "6")]
        pub admins: Vec<Vec<u8>>,
        /// Wrapped key pairs.
        #[prost(message, repeated, tag = "7")]
        pub wrappers: Vec<closed_group_control_message::KeyPairWrapper>,
        /// Disappearing-message timer.
        #[prost(uint32, optional, tag = "8")]
        pub expiration_timer: Option<u32>,
    }
}

/// A visible message.
#[derive(Clone, PartialEq, prost::Message)]
pub struct DataMessage {
    /// Text.
    #[prost(string, optional, tag = "1")]
    pub body: Option<String>,
    /// Attachments.
    #[prost(message, repeated, tag = "2")]
    pub attachments: Vec<AttachmentPointer>,
    /// [`data_message::Flags`] bits.
    #[prost(uint32, optional, tag = "4")]
    pub flags: Option<u32>,
    /// Obsolete timer.
    #[prost(uint32, optional, tag = "5")]
    pub expire_timer: Option<u32>,
    /// Profile key.
    #[prost(bytes = "vec", optional, tag = "6")]
    pub profile_key: Option<Vec<u8>>,
    /// Timestamp (ms).
    #[prost(uint64, optional, tag = "7")]
    pub timestamp: Option<u64>,
    /// Quote.
    #[prost(message, optional, tag = "8")]
    pub quote: Option<data_message::Quote>,
    /// Link previews.
    #[prost(message, repeated, tag = "10")]
    pub preview: Vec<data_message::Preview>,
    /// Reaction.
    #[prost(message, optional, tag = "11")]
    pub reaction: Option<data_message::Reaction>,
    /// Sender profile.
    #[prost(message, optional, tag = "101")]
    pub profile: Option<LokiProfile>,
    /// Community invitation.
    #[prost(message, optional, tag = "102")]
    pub open_group_invitation: Option<data_message::OpenGroupInvitation>,
    /// Legacy group control.
    #[prost(message, optional, tag = "104")]
    pub closed_group_control_message: Option<data_message::ClosedGroupControlMessage>,
    /// Conversation of a self-sync copy.
    #[prost(string, optional, tag = "105")]
    pub sync_target: Option<String>,
    /// Whether the sender blocks community message requests.
    #[prost(bool, optional, tag = "106")]
    pub blocks_community_message_requests: Option<bool>,
}

/// Types nested in [`ConfigurationMessage`].
pub mod configuration_message {
    use super::KeyPair;

    /// A legacy closed group.
    #[derive(Clone, PartialEq, Eq, prost::Message)]
    pub struct ClosedGroup {
        /// Public key.
        #[prost(bytes = "vec", optional, tag = "1")]
        pub public_key: Option<Vec<u8>>,
        /// Name.
        #[prost(string, optional, tag = "2")]
        pub name: Option<String>,
        /// Key pair.
        #[prost(message, optional, tag = "3")]
        pub encryption_key_pair: Option<KeyPair>,
        /// Members.
        #[prost(bytes = "vec", repeated, tag = "4")]
        pub members: Vec<Vec<u8>>,
        /// Admins.
        #[prost(bytes = "vec", repeated, tag = "5")]
        pub admins: Vec<Vec<u8>>,
        /// Timer.
        #[prost(uint32, optional, tag = "6")]
        pub expiration_timer: Option<u32>,
    }

    /// A contact.
    #[derive(Clone, PartialEq, Eq, prost::Message)]
    pub struct Contact {
        /// Public key.
        #[prost(bytes = "vec", required, tag = "1")]
        pub public_key: Vec<u8>,
        /// Name.
        #[prost(string, required, tag = "2")]
        pub name: String,
        /// Picture URL.
        #[prost(string, optional, tag = "3")]
        pub profile_picture: Option<String>,
        /// Profile key.
        #[prost(bytes = "vec", optional, tag = "4")]
        pub profile_key: Option<Vec<u8>>,
        /// Approved.
        #[prost(bool, optional, tag = "5")]
        pub is_approved: Option<bool>,
        /// Blocked.
        #[prost(bool, optional, tag = "6")]
        pub is_blocked: Option<bool>,
        /// Approved me.
        #[prost(bool, optional, tag = "7")]
        pub did_approve_me: Option<bool>,
    }
}

/// Obsolete configuration message.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct ConfigurationMessage {
    /// Closed groups.
    #[prost(message, repeated, tag = "1")]
    pub closed_groups: Vec<configuration_message::ClosedGroup>,
    /// Community URLs.
    #[prost(string, repeated, tag = "2")]
    pub open_groups: Vec<String>,
    /// Display name.
    #[prost(string, optional, tag = "3")]
    pub display_name: Option<String>,
    /// Picture URL.
    #[prost(string, optional, tag = "4")]
    pub profile_picture: Option<String>,
    /// Profile key.
    #[prost(bytes = "vec", optional, tag = "5")]
    pub profile_key: Option<Vec<u8>>,
    /// Contacts.
    #[prost(message, repeated, tag = "6")]
    pub contacts: Vec<configuration_message::Contact>,
}

/// Types nested in [`ReceiptMessage`].
pub mod receipt_message {
    /// `ReceiptMessage.Type`.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
    #[repr(i32)]
    pub enum Type {
        /// Delivered.
        Delivery = 0,
        /// Read.
        Read = 1,
    }
}

/// A delivery or read receipt.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct ReceiptMessage {
    /// [`receipt_message::Type`].
    #[prost(enumeration = "receipt_message::Type", required, tag = "1")]
    pub r#type: i32,
    /// Timestamps of the messages.
    #[prost(uint64, repeated, packed = "false", tag = "2")]
    pub timestamp: Vec<u64>,
}

/// Types nested in [`AttachmentPointer`].
pub mod attachment_pointer {
    /// `AttachmentPointer.Flags`.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
    #[repr(i32)]
    pub enum Flags {
        /// A voice message.
        VoiceMessage = 1,
    }
}

/// Where to download an attachment and how to decrypt it.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct AttachmentPointer {
    /// File-server id.
    #[prost(fixed64, required, tag = "1")]
    pub id: u64,
    /// MIME type.
    #[prost(string, optional, tag = "2")]
    pub content_type: Option<String>,
    /// 64-byte key (AES key ‖ MAC key) for the legacy scheme.
    #[prost(bytes = "vec", optional, tag = "3")]
    pub key: Option<Vec<u8>>,
    /// Unpadded size.
    #[prost(uint32, optional, tag = "4")]
    pub size: Option<u32>,
    /// Thumbnail.
    #[prost(bytes = "vec", optional, tag = "5")]
    pub thumbnail: Option<Vec<u8>>,
    /// SHA-256 of the encrypted blob.
    #[prost(bytes = "vec", optional, tag = "6")]
    pub digest: Option<Vec<u8>>,
    /// File name.
    #[prost(string, optional, tag = "7")]
    pub file_name: Option<String>,
    /// [`attachment_pointer::Flags`] bits.
    #[prost(uint32, optional, tag = "8")]
    pub flags: Option<u32>,
    /// Width.
    #[prost(uint32, optional, tag = "9")]
    pub width: Option<u32>,
    /// Height.
    #[prost(uint32, optional, tag = "10")]
    pub height: Option<u32>,
    /// Caption.
    #[prost(string, optional, tag = "11")]
    pub caption: Option<String>,
    /// Download URL.
    #[prost(string, optional, tag = "101")]
    pub url: Option<String>,
}

/// Types nested in [`SharedConfigMessage`].
pub mod shared_config_message {
    /// `SharedConfigMessage.Kind`.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
    #[repr(i32)]
    pub enum Kind {
        /// User profile (namespace 2).
        UserProfile = 1,
        /// Contacts (namespace 3).
        Contacts = 2,
        /// Conversation info (namespace 4).
        ConvoInfoVolatile = 3,
        /// User groups (namespace 5).
        UserGroups = 4,
    }
}

/// A legacy user-config message (spec §5.6).
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct SharedConfigMessage {
    /// [`shared_config_message::Kind`].
    #[prost(enumeration = "shared_config_message::Kind", required, tag = "1")]
    pub kind: i32,
    /// Sequence number.
    #[prost(int64, required, tag = "2")]
    pub seqno: i64,
    /// Config data.
    #[prost(bytes = "vec", required, tag = "3")]
    pub data: Vec<u8>,
}

/// A request inside a [`WebSocketMessage`]; its `body` is the serialized [`Envelope`].
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct WebSocketRequestMessage {
    /// Verb (`PUT`, or empty from libsession).
    #[prost(string, optional, tag = "1")]
    pub verb: Option<String>,
    /// Path (`/api/v1/message`, or empty).
    #[prost(string, optional, tag = "2")]
    pub path: Option<String>,
    /// Body.
    #[prost(bytes = "vec", optional, tag = "3")]
    pub body: Option<Vec<u8>>,
    /// Request id.
    #[prost(uint64, optional, tag = "4")]
    pub request_id: Option<u64>,
    /// Headers.
    #[prost(string, repeated, tag = "5")]
    pub headers: Vec<String>,
}

/// A response inside a [`WebSocketMessage`] (not used by Session storage).
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct WebSocketResponseMessage {
    /// Request id.
    #[prost(uint64, optional, tag = "1")]
    pub request_id: Option<u64>,
    /// Status.
    #[prost(uint32, optional, tag = "2")]
    pub status: Option<u32>,
    /// Status message.
    #[prost(string, optional, tag = "3")]
    pub message: Option<String>,
    /// Body.
    #[prost(bytes = "vec", optional, tag = "4")]
    pub body: Option<Vec<u8>>,
    /// Headers.
    #[prost(string, repeated, tag = "5")]
    pub headers: Vec<String>,
}

/// Types nested in [`WebSocketMessage`].
pub mod web_socket_message {
    /// `WebSocketMessage.Type`.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
    #[repr(i32)]
    pub enum Type {
        /// Unknown.
        Unknown = 0,
        /// A request (what Session stores).
        Request = 1,
        /// A response.
        Response = 2,
    }
}

/// The outermost layer of a stored 1-to-1 message.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct WebSocketMessage {
    /// [`web_socket_message::Type`].
    #[prost(enumeration = "web_socket_message::Type", optional, tag = "1")]
    pub r#type: Option<i32>,
    /// The request.
    #[prost(message, optional, tag = "2")]
    pub request: Option<WebSocketRequestMessage>,
    /// The response.
    #[prost(message, optional, tag = "3")]
    pub response: Option<WebSocketResponseMessage>,
}
