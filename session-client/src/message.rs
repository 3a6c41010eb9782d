//! What the client returns: received messages and store receipts.

use session_identity::{AccountId, Ed25519PublicKey};
use session_protocol::proto::Content;

/// What a received message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MessageKind {
    /// A visible message (`DataMessage`), possibly without text (attachments only).
    Visible,
    /// A delivery or read receipt.
    Receipt,
    /// A typing indicator.
    Typing,
    /// A call signalling message.
    Call,
    /// A request to delete a message.
    Unsend,
    /// A message-request answer.
    MessageRequestResponse,
    /// A screenshot / media-saved notification.
    DataExtraction,
    /// A legacy configuration message.
    Configuration,
    /// Nothing this client knows.
    Other,
}

impl MessageKind {
    /// The kind of a `Content`.
    #[must_use]
    pub fn of(content: &Content) -> Self {
        if content.data_message.is_some() {
            Self::Visible
        } else if content.receipt_message.is_some() {
            Self::Receipt
        } else if content.typing_message.is_some() {
            Self::Typing
        } else if content.call_message.is_some() {
            Self::Call
        } else if content.unsend_request.is_some() {
            Self::Unsend
        } else if content.message_request_response.is_some() {
            Self::MessageRequestResponse
        } else if content.data_extraction_notification.is_some() {
            Self::DataExtraction
        } else if content.configuration_message.is_some() || content.shared_config_message.is_some()
        {
            Self::Configuration
        } else {
            Self::Other
        }
    }

    /// A short lower-case name (`visible`, `receipt`, `typing`, ...).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Visible => "visible",
            Self::Receipt => "receipt",
            Self::Typing => "typing",
            Self::Call => "call",
            Self::Unsend => "unsend",
            Self::MessageRequestResponse => "message_request_response",
            Self::DataExtraction => "data_extraction",
            Self::Configuration => "configuration",
            Self::Other => "other",
        }
    }
}

/// A message received from the own swarm, decrypted and authenticated.
#[derive(Clone, PartialEq)]
pub struct Message {
    /// The sender's Account ID (authenticated by the signature inside the ciphertext).
    pub sender: AccountId,
    /// The sender's Ed25519 key.
    pub sender_ed25519: Ed25519PublicKey,
    /// The envelope's sent timestamp, ms (equal to the signed `sigTimestamp` when set).
    pub timestamp_ms: u64,
    /// The storage hash (unique per message; used for de-duplication, `delete`, `expire`).
    pub hash: String,
    /// When the swarm drops it, ms.
    pub expiration_ms: u64,
    /// The text of a visible message.
    pub text: Option<String>,
    /// The sender's display name, when the message carries a profile.
    pub display_name: Option<String>,
    /// What it is.
    pub kind: MessageKind,
    /// The whole decoded `Content`.
    pub content: Content,
}

impl std::fmt::Debug for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The text is user data: not printed.
        f.debug_struct("Message")
            .field("sender", &self.sender)
            .field("timestamp_ms", &self.timestamp_ms)
            .field("hash", &self.hash)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

/// What a successful `send` did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SendReceipt {
    /// The stored message's hash.
    pub hash: String,
    /// The message's sent timestamp, ms.
    pub timestamp_ms: u64,
    /// The recipient.
    pub to: AccountId,
    /// The swarm members that reported (with a valid signature) that they stored it.
    pub stored_by: Vec<Ed25519PublicKey>,
    /// The swarm member the store was sent to.
    pub entry_node: Ed25519PublicKey,
    /// The onion path used (guard first), as Ed25519 keys.
    pub path: Vec<Ed25519PublicKey>,
}
