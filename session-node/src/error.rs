//! The crate's error type.

use std::path::PathBuf;

/// Everything that can go wrong starting or running a node or a local network.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file or socket operation failed.
    #[error("{what}")]
    Io {
        /// What was being done.
        what: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// An address could not be bound (on Linux all of 127.0.0.0/8 is loopback; elsewhere each
    /// 127.0.0.x address may need to be configured).
    #[error(
        "cannot bind {addr} (on Linux all of 127.0.0.0/8 is loopback; elsewhere add the address first)"
    )]
    Bind {
        /// The address.
        addr: std::net::SocketAddr,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The SQLite database failed.
    #[error("storage: {0}")]
    Storage(#[from] rusqlite::Error),
    /// TLS setup failed.
    #[error("tls: {0}")]
    Tls(String),
    /// A data file exists but is not what this crate writes.
    #[error("malformed {path}: {why}")]
    Malformed {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        why: String,
    },
    /// The configuration is not usable (node counts, an existing directory made with other
    /// settings, an unknown node index, ...).
    #[error("invalid configuration: {0}")]
    Config(String),
    /// A node did not come up in time.
    #[error("node {0} did not answer GET /get_stats/v1 in time")]
    NotReady(String),
    /// A protocol-level error from the core crates.
    #[error(transparent)]
    Swarm(#[from] session_swarm::Error),
    /// A community server may only listen on a loopback address (it is for local use only).
    #[error("a community server only listens on loopback addresses, not {0}")]
    NotLoopback(std::net::IpAddr),
    /// A community room token or join URL is malformed.
    #[error("community: {0}")]
    Community(#[from] session_community::Error),
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

pub(crate) fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> Error {
    let what = what.into();
    move |source| Error::Io { what, source }
}
