//! The crate's error type, classified by what the caller can do about it.

use std::fmt;

/// What kind of failure an [`Error`] is, and so what the caller can do (arti's `HasKind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The caller's input is wrong (empty message, bad id, unreadable network file): fix it.
    InvalidInput,
    /// The network failed (no node answered, paths broke, every retry failed): retrying later
    /// can help.
    Network,
    /// A seed node's TLS certificate is not the pinned one: do not retry, something is
    /// intercepting the connection (or the pins are out of date).
    SeedCertificate,
    /// The swarm refused the request (bad signature, wrong parameters): retrying will not help.
    Refused,
    /// The local clock is too far from the network's: fix the clock.
    ClockOutOfSync,
    /// The client was shut down.
    Shutdown,
}

/// A failure of the transport (TCP, TLS, HTTP) to one node or seed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// The TCP connection could not be made (refused, unreachable).
    #[error("connect: {0}")]
    Connect(#[source] std::io::Error),
    /// The TLS handshake failed (for a seed: possibly the pinned-certificate check).
    #[error("tls: {0}")]
    Tls(#[source] std::io::Error),
    /// No answer in time.
    #[error("timed out")]
    Timeout,
    /// HTTP protocol failure (connection reset, malformed answer).
    #[error("http: {0}")]
    Http(#[source] hyper::Error),
    /// The answer is larger than the client accepts.
    #[error("response body too large")]
    BodyTooLarge,
    /// A name could not be resolved to an address.
    #[error("cannot resolve {0}")]
    Resolve(String),
}

impl TransportError {
    /// The rustls error behind a failed handshake, if that is what this is.
    #[must_use]
    pub fn tls_error(&self) -> Option<&rustls::Error> {
        match self {
            TransportError::Tls(e) => e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()),
            _ => None,
        }
    }
}

/// Everything that can go wrong in the client.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The caller's input is unusable (message empty or too large, malformed id, ...).
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// A local network description (`testnet.json`) cannot be read or is malformed.
    #[error("network file: {0}")]
    NetworkFile(String),
    /// A seed's certificate is not the pinned one (the handshake was refused).
    #[error("seed {seed}: certificate refused (not the pinned certificate)")]
    SeedCertificate {
        /// The seed URL.
        seed: String,
    },
    /// No seed answered with a usable node list.
    #[error("bootstrap failed: no seed answered with a node list ({0})")]
    Bootstrap(String),
    /// The pool has too few usable nodes to build onion paths on distinct IPs.
    #[error("not enough usable service nodes to build onion paths")]
    NotEnoughNodes,
    /// The transport to a node failed.
    #[error("transport: {0}")]
    Transport(#[from] TransportError),
    /// An onion request failed (path error, undecryptable reply, ...).
    #[error("onion request: {0}")]
    Onion(#[from] session_onion::Error),
    /// Building a storage request or parsing an answer failed.
    #[error("storage rpc: {0}")]
    Swarm(#[from] session_swarm::Error),
    /// Encoding or decoding a message failed.
    #[error("message: {0}")]
    Protocol(#[from] session_protocol::Error),
    /// The swarm refused the request with this status (inside the onion reply).
    #[error("refused by the swarm: status {status}: {message}")]
    Refused {
        /// The status inside the reply.
        status: u16,
        /// The node's message (at most 200 characters).
        message: String,
    },
    /// The node says the request's timestamp is too far from its clock (406 / 425).
    #[error("clock out of sync with the network (status {status})")]
    ClockOutOfSync {
        /// 406 or 425.
        status: u16,
    },
    /// The swarm answered, but no member confirmed the store with a valid signature.
    #[error("no swarm member confirmed the store")]
    NotStored,
    /// Every attempt failed; `last` is the last failure.
    #[error("gave up after {attempts} attempts: {last}")]
    RetriesExhausted {
        /// Attempts made.
        attempts: u32,
        /// The last failure.
        #[source]
        last: Box<Error>,
    },
    /// A community server refused the request (its status: 400, 401, 403, 404, 412, 425, 429,
    /// 5xx … in [`session_community::ServerError`]), or its answer or a join URL is malformed.
    #[error("community: {0}")]
    Community(#[from] session_community::Error),
    /// A config change that `session-config` refused (e.g. a display name over 100 bytes),
    /// or a config push it could not build.
    #[error("config: {0}")]
    Config(#[from] session_config::Error),
    /// TLS configuration could not be built.
    #[error("tls configuration: {0}")]
    TlsConfig(String),
    /// The client was shut down.
    #[error("the client is shut down")]
    Shutdown,
}

impl Error {
    /// What kind of failure this is.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::InvalidInput(_) | Error::NetworkFile(_) | Error::TlsConfig(_) => {
                ErrorKind::InvalidInput
            }
            Error::SeedCertificate { .. } => ErrorKind::SeedCertificate,
            Error::Bootstrap(_)
            | Error::NotEnoughNodes
            | Error::NotStored
            | Error::Transport(_)
            | Error::RetriesExhausted { .. } => ErrorKind::Network,
            Error::Onion(e) if e.is_retryable() => ErrorKind::Network,
            Error::Onion(session_onion::Error::Destination(d))
                if d.kind() == session_onion::DestinationErrorKind::ClockOutOfSync =>
            {
                ErrorKind::ClockOutOfSync
            }
            Error::Onion(_) => ErrorKind::Refused,
            Error::Swarm(e) if e.is_retryable() => ErrorKind::Network,
            Error::Swarm(_) => ErrorKind::Refused,
            Error::Protocol(_) => ErrorKind::InvalidInput,
            Error::Refused { .. } => ErrorKind::Refused,
            Error::ClockOutOfSync { .. } => ErrorKind::ClockOutOfSync,
            Error::Community(e) => community_kind(e),
            Error::Config(_) => ErrorKind::InvalidInput,
            Error::Shutdown => ErrorKind::Shutdown,
        }
    }

    /// Whether retrying the same call later can help.
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        self.kind() == ErrorKind::Network
    }
}

/// A community server's 429 and 5xx can pass; a 425 is a clock (or nonce) problem; other
/// statuses and malformed answers are refusals; a bad URL or emoji is the caller's input.
fn community_kind(e: &session_community::Error) -> ErrorKind {
    use session_community::{Error as C, ServerErrorKind as S};
    match e {
        C::Server(s) => match s.kind {
            S::RateLimited | S::Internal => ErrorKind::Network,
            S::TooEarly => ErrorKind::ClockOutOfSync,
            _ => ErrorKind::Refused,
        },
        C::InvalidUrl(_) | C::InvalidReaction | C::InvalidPrefix | C::InvalidLength => {
            ErrorKind::InvalidInput
        }
        _ => ErrorKind::Refused,
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ErrorKind::InvalidInput => "invalid input",
            ErrorKind::Network => "network failure",
            ErrorKind::SeedCertificate => "seed certificate refused",
            ErrorKind::Refused => "refused",
            ErrorKind::ClockOutOfSync => "clock out of sync",
            ErrorKind::Shutdown => "shut down",
        })
    }
}

/// Convenience alias for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_say_what_to_do() {
        assert!(Error::NotEnoughNodes.is_retryable());
        assert!(Error::NotStored.is_retryable());
        assert!(Error::Transport(TransportError::Timeout).is_retryable());
        assert!(!Error::InvalidInput("empty".into()).is_retryable());
        assert_eq!(
            Error::SeedCertificate { seed: "x".into() }.kind(),
            ErrorKind::SeedCertificate
        );
        assert_eq!(
            Error::ClockOutOfSync { status: 406 }.kind(),
            ErrorKind::ClockOutOfSync
        );
        let refused = Error::Refused {
            status: 401,
            message: "retrieve signature verification failed".into(),
        };
        assert!(!refused.is_retryable());
        let e = Error::RetriesExhausted {
            attempts: 3,
            last: Box::new(Error::NotEnoughNodes),
        };
        assert!(e.is_retryable());
        assert!(e.to_string().contains("3 attempts"));
        assert!(Error::Onion(session_onion::Error::DecryptionFailed).is_retryable());
        assert!(!Error::Onion(session_onion::Error::InvalidUrl).is_retryable());
    }
}
