#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub use session_community as community;
pub use session_config as config;
pub use session_identity as identity;
pub use session_onion as onion;
pub use session_protocol as protocol;
pub use session_swarm as swarm;
