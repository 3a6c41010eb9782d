#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod base;
mod diff;
mod error;
mod merge;
mod message;
mod payload;
mod set;
mod types;
mod value;

pub use base::{ConfigAuth, ConfigBase, ConfigState, DUMP_VERSION, Push};
pub use diff::{Diff, DiffEntry, apply_diff, compute_diff, encode_diff};
pub use error::{Error, Result};
pub use merge::{MergeOutcome, merge_messages};
pub use message::{ConfigMessage, DEFAULT_LAG, MutableConfigMessage, SeqHash, config_hash};
pub use payload::{
    ConfigKind, MAX_DECOMPRESSED_SIZE, MAX_PAYLOAD_SIZE, decode_payload, encode_payload,
};
pub use set::{GroupConfigs, UserConfigs};
pub use types::community::{
    MAX_BASE_URL_LEN, MAX_ROOM_LEN, normalize_community_url, normalize_room,
};
pub use types::contacts::{Contact, Contacts, ExpiryMode};
pub use types::convo::{
    Conversation, ConvoInfo, ConvoInfoVolatile, LAST_READ_CUTOFF_MS, PRUNE_AGE_MS,
};
pub use types::user_groups::{
    CommunityInfo, GroupCommon, GroupInfo, LegacyGroupInfo, RemovedStatus, UserGroups,
};
pub use types::user_profile::UserProfile;
pub use types::{
    MAX_DESCRIPTION_LEN, MAX_NAME_LEN, MAX_URL_LEN, NotifyMode, ProfilePic, parse_account_id,
    parse_group_id, truncate_utf8,
};
pub use value::{ConfigDict, ConfigValue, Scalar, ScalarSet, decode_dict, encode_dict, prune};

/// The group configs (groups v2): Info, Members and Keys.
pub mod groups {
    pub use crate::types::group_info::Info;
    pub use crate::types::group_members::{
        InviteStatus, Member, MemberRemoved, MemberStatus, Members,
    };
    pub use crate::types::keys::{KEY_EXPIRY_MS, Keys};
}
