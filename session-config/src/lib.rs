#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod diff;
mod error;
mod merge;
mod message;
mod value;

pub use diff::{Diff, DiffEntry, apply_diff, compute_diff, encode_diff};
pub use error::{Error, Result};
pub use merge::{MergeOutcome, merge_messages};
pub use message::{ConfigMessage, DEFAULT_LAG, MutableConfigMessage, SeqHash, config_hash};
pub use value::{ConfigDict, ConfigValue, Scalar, ScalarSet, decode_dict, encode_dict, prune};
