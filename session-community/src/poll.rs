//! The polling state of one community server, sans-IO (community.md §6 step 3): one `/batch`
//! per round with `/capabilities`, per room `pollInfo` and the messages since the last seqno,
//! and the inbox and outbox since the last ids — what session-desktop sends. The IO layer signs
//! and sends [`PollRound::request`] and hands the answer back to [`Poller::handle`], which
//! verifies every message, advances the positions and returns what is new.

use serde_json::Value;

use crate::api::{
    self, ApiRequest, BatchItem, Capabilities, CheckedMessages, DirectMessage, MessagesQuery,
    PollInfo, RoomMessage, SubRequest,
};
use crate::error::{Error, Result};
use crate::url::RoomToken;

/// Where a newly added room starts reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Start {
    /// The most recent messages (`messages/recent`), then everything newer (session-desktop).
    #[default]
    Recent,
    /// Every change after this seqno (`0` = the room's whole history, oldest first).
    Seqno(i64),
}

#[derive(Debug, Clone)]
struct RoomState {
    token: RoomToken,
    seqno: Option<i64>,
    start: Start,
    info_updates: i64,
}

/// The polling positions of one server.
#[derive(Debug, Clone, Default)]
pub struct Poller {
    rooms: Vec<RoomState>,
    dms: bool,
    inbox_since: Option<i64>,
    outbox_since: Option<i64>,
    query: MessagesQuery,
}

/// What one answer slot of a round holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Capabilities,
    Info(usize),
    Messages(usize),
    Inbox,
    Outbox,
}

/// One round: the `/batch` request to sign and send, and how to read its answer.
#[derive(Debug, Clone)]
pub struct PollRound {
    /// The `/batch` request (unsigned: sign it with the user's signer).
    pub request: ApiRequest<Vec<BatchItem>>,
    slots: Vec<Slot>,
}

/// What changed in one room.
#[derive(Debug, Clone, PartialEq)]
pub struct RoomNews {
    /// The room.
    pub token: RoomToken,
    /// `pollInfo` (with `details` when the room's info changed).
    pub info: Option<PollInfo>,
    /// New, edited, deleted and reacted messages (authentic ones) and the dropped ones.
    pub messages: CheckedMessages,
}

/// What one round brought.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PollOutcome {
    /// The server's capabilities.
    pub capabilities: Option<Capabilities>,
    /// Per room.
    pub rooms: Vec<RoomNews>,
    /// New DMs to us (decrypt with [`DirectMessage::decode`]).
    pub inbox: Vec<DirectMessage>,
    /// New DMs we sent (from another device of ours, say).
    pub outbox: Vec<DirectMessage>,
    /// Sub-answers that failed (e.g. 403 on a room we may not read), with what they were for.
    pub errors: Vec<(String, Error)>,
}

impl Poller {
    /// A poller without rooms; DMs are polled when `dms` (needs a 15-blinded signer).
    #[must_use]
    pub fn new(dms: bool) -> Self {
        Self {
            dms,
            ..Self::default()
        }
    }

    /// Adds a room (no effect if present).
    pub fn add_room(&mut self, token: RoomToken, start: Start) {
        if self.rooms.iter().all(|r| r.token != token) {
            self.rooms.push(RoomState {
                token,
                seqno: match start {
                    Start::Recent => None,
                    Start::Seqno(s) => Some(s),
                },
                start,
                info_updates: 0,
            });
        }
    }

    /// Removes a room.
    pub fn remove_room(&mut self, token: &RoomToken) {
        self.rooms.retain(|r| &r.token != token);
    }

    /// The seqno a room has been read up to (`None` before the first answer of a `Recent`
    /// start).
    #[must_use]
    pub fn seqno(&self, token: &RoomToken) -> Option<i64> {
        self.rooms
            .iter()
            .find(|r| &r.token == token)
            .and_then(|r| r.seqno)
    }

    /// The last inbox and outbox DM ids seen.
    #[must_use]
    pub fn dm_positions(&self) -> (Option<i64>, Option<i64>) {
        (self.inbox_since, self.outbox_since)
    }

    /// The next round's request.
    #[must_use]
    pub fn round(&self) -> PollRound {
        let mut subs: Vec<SubRequest> = vec![api::capabilities(&[]).request.to_subrequest()];
        let mut slots = vec![Slot::Capabilities];
        for (i, r) in self.rooms.iter().enumerate() {
            subs.push(
                api::poll_info(&r.token, r.info_updates)
                    .request
                    .to_subrequest(),
            );
            slots.push(Slot::Info(i));
            let m = match (r.seqno, r.start) {
                (Some(s), _) => api::messages_since(&r.token, s, self.query),
                (None, _) => api::messages_recent(&r.token, self.query),
            };
            subs.push(m.request.to_subrequest());
            slots.push(Slot::Messages(i));
        }
        if self.dms {
            subs.push(api::inbox(self.inbox_since, None).request.to_subrequest());
            slots.push(Slot::Inbox);
            subs.push(api::outbox(self.outbox_since, None).request.to_subrequest());
            slots.push(Slot::Outbox);
        }
        PollRound {
            request: api::batch(&subs),
            slots,
        }
    }

    /// Reads the answer to `round`: verifies the messages, advances the positions (also past
    /// dropped messages) and returns what is new.
    ///
    /// # Errors
    /// Only for the batch itself (non-2xx status, not a list of the expected length); failures
    /// of single sub-answers are in [`PollOutcome::errors`].
    pub fn handle(&mut self, round: &PollRound, status: u16, body: &[u8]) -> Result<PollOutcome> {
        let items = round.request.parse_response(status, body)?;
        if items.len() != round.slots.len() {
            return Err(Error::MalformedResponse(
                "batch answer has the wrong length".into(),
            ));
        }
        let mut out = PollOutcome::default();
        let mut infos: Vec<Option<PollInfo>> = vec![None; self.rooms.len()];
        let mut news: Vec<Option<CheckedMessages>> = vec![None; self.rooms.len()];
        for (slot, item) in round.slots.iter().zip(&items) {
            let what = |w: &str| w.to_owned();
            match *slot {
                Slot::Capabilities => match api::capabilities(&[]).parse_batch_item(item) {
                    Ok(c) => out.capabilities = Some(c),
                    Err(e) => out.errors.push((what("capabilities"), e)),
                },
                Slot::Info(i) => {
                    let Some(r) = self.rooms.get_mut(i) else {
                        continue;
                    };
                    match api::poll_info(&r.token, 0).parse_batch_item(item) {
                        Ok(info) => {
                            if let Some(d) = &info.details {
                                r.info_updates = d.info_updates;
                            }
                            if let Some(slot) = infos.get_mut(i) {
                                *slot = Some(info);
                            }
                        }
                        Err(e) => out.errors.push((format!("pollInfo {}", r.token), e)),
                    }
                }
                Slot::Messages(i) => {
                    let Some(r) = self.rooms.get_mut(i) else {
                        continue;
                    };
                    match parse_messages(item) {
                        Ok(mut msgs) => {
                            if r.seqno.is_none() {
                                // `recent` is newest first: deliver oldest first.
                                msgs.reverse();
                            }
                            let checked = api::check_messages(&msgs);
                            if let Some(s) = checked.max_seqno {
                                r.seqno = Some(r.seqno.map_or(s, |old| old.max(s)));
                            } else if r.seqno.is_none() {
                                r.seqno = Some(0);
                            }
                            if let Some(slot) = news.get_mut(i) {
                                *slot = Some(checked);
                            }
                        }
                        Err(e) => out.errors.push((format!("messages {}", r.token), e)),
                    }
                }
                Slot::Inbox | Slot::Outbox => {
                    let inbox = *slot == Slot::Inbox;
                    match api::inbox(None, None).parse_batch_item(item) {
                        Ok(dms) => {
                            let pos = if inbox {
                                &mut self.inbox_since
                            } else {
                                &mut self.outbox_since
                            };
                            if let Some(max) = dms.iter().map(|d| d.id).max() {
                                *pos = Some(pos.map_or(max, |p| p.max(max)));
                            }
                            if inbox {
                                out.inbox = dms;
                            } else {
                                out.outbox = dms;
                            }
                        }
                        Err(e) => out
                            .errors
                            .push((what(if inbox { "inbox" } else { "outbox" }), e)),
                    }
                }
            }
        }
        for ((r, info), messages) in self.rooms.iter().zip(infos).zip(news) {
            if info.is_some() || messages.is_some() {
                out.rooms.push(RoomNews {
                    token: r.token.clone(),
                    info,
                    messages: messages.unwrap_or_default(),
                });
            }
        }
        Ok(out)
    }
}

fn parse_messages(item: &BatchItem) -> Result<Vec<RoomMessage>> {
    if !(200..300).contains(&item.code) {
        return Err(api::ServerError::from_response(item.code, &item.body_bytes()?).into());
    }
    match &item.body {
        Value::Array(_) => serde_json::from_value(item.body.clone())
            .map_err(|e| Error::MalformedResponse(e.to_string())),
        _ => Err(Error::MalformedResponse("messages are not a list".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{BatchItem, JSON, NewPost};
    use crate::auth::RequestSigner;
    use crate::encoding::b64_encode;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;
    use serde_json::json;
    use session_identity::{Ed25519KeyPair, X25519PublicKey};
    use session_protocol::proto::Content;

    fn item(v: &Value) -> BatchItem {
        BatchItem::new(200, Some(JSON), v.to_string().as_bytes())
    }

    #[test]
    fn rounds_advance_positions() {
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        let me = Ed25519KeyPair::generate(&mut rng);
        let signer = RequestSigner::blind15(&me, &X25519PublicKey::from_bytes(&[4; 32]));
        let content = Content::text("x", 1);
        let post = NewPost::new(&mut rng, &signer, &me, &content).unwrap();
        let msg = |id: i64, seqno: i64, sig: &[u8]| {
            json!({"id": id, "seqno": seqno, "session_id": signer.session_id().to_string(),
                "data": b64_encode(&post.data), "signature": b64_encode(sig), "posted": 1.0})
        };

        let mut p = Poller::new(true);
        let room: RoomToken = "r".parse().unwrap();
        p.add_room(room.clone(), Start::Recent);
        p.add_room(room.clone(), Start::Recent);
        let r1 = p.round();
        let subs = crate::api::parse_batch_request(r1.request.request.body_bytes()).unwrap();
        let paths: Vec<&str> = subs.iter().map(|s| s.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "/capabilities",
                "/room/r/pollInfo/0",
                "/room/r/messages/recent?reactors=5",
                "/inbox",
                "/outbox"
            ]
        );
        let mut bad_sig = post.signature;
        bad_sig[0] ^= 1;
        let answer = vec![
            item(&json!({"capabilities": ["blind", "sogs"]})),
            item(
                &json!({"token": "r", "active_users": 1, "details": {"token": "r", "info_updates": 5}}),
            ),
            // recent: newest first
            item(&json!([msg(2, 7, &bad_sig), msg(1, 3, &post.signature)])),
            item(
                &json!([{"id": 9, "posted_at": 1.0, "expires_at": 2.0, "sender": "15aa", "recipient": "15bb", "message": "AA=="}]),
            ),
            BatchItem::new(200, Some(JSON), b"[]"),
        ];
        let out = p
            .handle(&r1, 200, &serde_json::to_vec(&answer).unwrap())
            .unwrap();
        assert!(out.capabilities.unwrap().requires_blinding());
        assert_eq!(out.rooms.len(), 1);
        let news = &out.rooms[0];
        assert_eq!(news.messages.updates.len(), 1);
        assert_eq!(news.messages.rejected.len(), 1);
        assert_eq!(p.seqno(&room), Some(7));
        assert_eq!(p.dm_positions(), (Some(9), None));
        assert!(out.errors.is_empty());

        // Next round: since the positions, pollInfo with the new info_updates.
        let r2 = p.round();
        let subs = crate::api::parse_batch_request(r2.request.request.body_bytes()).unwrap();
        let paths: Vec<&str> = subs.iter().map(|s| s.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "/capabilities",
                "/room/r/pollInfo/5",
                "/room/r/messages/since/7?t=r&reactors=5",
                "/inbox/since/9",
                "/outbox"
            ]
        );
        let answer = vec![
            item(&json!({"capabilities": []})),
            BatchItem::new(403, Some("text/plain"), b"no"),
            BatchItem::new(403, Some("text/plain"), b"no"),
            BatchItem::new(304, None, b""),
            BatchItem::new(304, None, b""),
        ];
        let out = p
            .handle(&r2, 200, &serde_json::to_vec(&answer).unwrap())
            .unwrap();
        assert_eq!(out.errors.len(), 2);
        assert!(out.rooms.is_empty() && out.inbox.is_empty());
        assert_eq!(p.seqno(&room), Some(7));
        // A short answer is refused as a whole.
        assert!(p.handle(&r2, 200, b"[]").is_err());
        p.remove_room(&room);
        assert_eq!(p.round().slots.len(), 3);
    }
}
