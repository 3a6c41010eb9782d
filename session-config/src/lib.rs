//! session-config: work in progress (see the crate README).

#![forbid(unsafe_code)]
