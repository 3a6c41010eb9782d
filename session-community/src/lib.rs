//! session-community: work in progress (see the crate README).

#![forbid(unsafe_code)]
