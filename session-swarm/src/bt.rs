//! The libquic BTRequestStream framing (spec §4.2) and the QUIC `oxend_request` body (spec
//! §3.1), on top of the workspace's strict bencode codec ([`session_bencode`], re-exported here
//! as [`bencode`]).

pub use session_bencode as bencode;
use session_bencode::Value;

use crate::error::{Error, Result};
/// Maximum size of one BTRequestStream frame (libquic's limit).
pub const MAX_FRAME_LEN: usize = 10_000_000;

/// The type of a BTRequestStream message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FrameType {
    /// `C`: a command (request) with an endpoint.
    Command,
    /// `R`: a reply.
    Reply,
    /// `E`: an error reply.
    Error,
}

impl FrameType {
    fn tag(self) -> &'static [u8] {
        match self {
            Self::Command => b"C",
            Self::Reply => b"R",
            Self::Error => b"E",
        }
    }
}

/// One BTRequestStream message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// Command, reply or error.
    pub frame_type: FrameType,
    /// The request id the reply refers to.
    pub request_id: i64,
    /// The endpoint (commands only).
    pub endpoint: Option<String>,
    /// The body bytes.
    pub body: Vec<u8>,
}

impl Frame {
    /// A command frame.
    #[must_use]
    pub fn command(request_id: i64, endpoint: &str, body: impl Into<Vec<u8>>) -> Self {
        Self {
            frame_type: FrameType::Command,
            request_id,
            endpoint: Some(endpoint.to_owned()),
            body: body.into(),
        }
    }

    /// Encodes the frame: a bencoded string holding the bencoded list
    /// `[type, id, (endpoint,) body]`.
    ///
    /// # Errors
    /// [`Error::InvalidRequest`] if a command has no endpoint, a reply has one, or the frame
    /// exceeds [`MAX_FRAME_LEN`].
    pub fn encode(&self) -> Result<Vec<u8>> {
        let mut items = vec![
            Value::bytes(self.frame_type.tag()),
            Value::from(self.request_id),
        ];
        match (self.frame_type, &self.endpoint) {
            (FrameType::Command, Some(e)) => items.push(Value::from(e.as_str())),
            (FrameType::Command, None) => {
                return Err(Error::InvalidRequest("a command frame needs an endpoint"));
            }
            (_, Some(_)) => return Err(Error::InvalidRequest("only commands carry an endpoint")),
            (_, None) => {}
        }
        items.push(Value::bytes(&self.body));
        let inner = Value::List(items).to_bytes();
        if inner.len() > MAX_FRAME_LEN {
            return Err(Error::InvalidRequest("frame too large"));
        }
        let mut out = Vec::with_capacity(inner.len() + 10);
        session_bencode::put_bytes(&mut out, &inner);
        Ok(out)
    }

    /// Decodes one complete frame (the whole of `input`).
    ///
    /// # Errors
    /// [`Error::Bencode`] for malformed framing or list contents.
    pub fn decode(input: &[u8]) -> Result<Self> {
        let outer = session_bencode::decode(input)?;
        let inner = outer
            .as_bytes()
            .ok_or(Error::Bencode("frame is not a string"))?;
        if inner.len() > MAX_FRAME_LEN {
            return Err(Error::Bencode("frame too large"));
        }
        let list = session_bencode::decode(inner)?;
        let items = list
            .as_list()
            .ok_or(Error::Bencode("frame is not a list"))?;
        let bad = Error::Bencode("bad frame list");
        let tag = items.first().and_then(Value::as_bytes).ok_or(bad.clone())?;
        let request_id = items.get(1).and_then(Value::as_i64).ok_or(bad.clone())?;
        let (frame_type, endpoint, body) = match (tag, items.len()) {
            (b"C", 4) => {
                let e = items.get(2).and_then(Value::as_bytes).ok_or(bad.clone())?;
                let e = String::from_utf8(e.to_vec()).map_err(|_| bad.clone())?;
                (FrameType::Command, Some(e), items.get(3))
            }
            (b"R", 3) => (FrameType::Reply, None, items.get(2)),
            (b"E", 3) => (FrameType::Error, None, items.get(2)),
            _ => return Err(bad),
        };
        let body = body.and_then(Value::as_bytes).ok_or(bad)?.to_vec();
        Ok(Self {
            frame_type,
            request_id,
            endpoint,
            body,
        })
    }
}

/// The bencoded body of a QUIC `oxend_request` command: `{"endpoint": .., "params": <JSON
/// text>}` (spec §3.1; `params` is a JSON *string* in bt mode).
#[must_use]
pub fn oxend_request_bt_body(endpoint: &str, params_json: &str) -> Vec<u8> {
    let mut d = Value::dict();
    d.insert(b"endpoint", Value::from(endpoint));
    d.insert(b"params", Value::from(params_json));
    d.to_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames() {
        let f = Frame::command(0, "info", b"{}".to_vec());
        let enc = f.encode().unwrap();
        assert_eq!(enc, b"18:l1:Ci0e4:info2:{}e");
        assert_eq!(Frame::decode(&enc).unwrap(), f);
        let r = Frame {
            frame_type: FrameType::Reply,
            request_id: 7,
            endpoint: None,
            body: vec![],
        };
        assert_eq!(Frame::decode(&r.encode().unwrap()).unwrap(), r);
        assert!(Frame::decode(b"9:l1:Xi0ee").is_err());
    }
}
