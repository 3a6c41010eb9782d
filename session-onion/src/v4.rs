//! Payloads for HTTP destinations (community servers, the file server): the v4 bencoded
//! request/response and the legacy v3 JSON request (spec `onion.md` §3.5, §4.2).

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::frame::sorted_json;
use session_bencode as bencode;

/// Encodes a v4 request payload `l <len>:<info JSON> [<len>:<body>] e` with the info JSON used
/// byte for byte.
#[must_use]
pub fn encode_v4_request(info_json: &[u8], body: Option<&[u8]>) -> Vec<u8> {
    let mut out = Vec::with_capacity(info_json.len() + body.map_or(0, <[u8]>::len) + 24);
    out.push(b'l');
    bencode::put_bytes(&mut out, info_json);
    if let Some(b) = body {
        bencode::put_bytes(&mut out, b);
    }
    out.push(b'e');
    out
}

/// An HTTP request to tunnel to a server, encoded as a v4 (bencoded) or v3 (JSON) payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    method: String,
    endpoint: String,
    headers: BTreeMap<String, String>,
    body: Option<Vec<u8>>,
}

impl HttpRequest {
    /// A request for `endpoint` (path and query; a leading `/` is added when missing).
    #[must_use]
    pub fn new(method: impl Into<String>, endpoint: impl Into<String>) -> Self {
        let mut endpoint = endpoint.into();
        if !endpoint.starts_with('/') {
            endpoint.insert(0, '/');
        }
        Self {
            method: method.into(),
            endpoint,
            headers: BTreeMap::new(),
            body: None,
        }
    }

    /// Adds a header (a `User-Agent` header is dropped: it would identify the client).
    #[must_use]
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        let name = name.into();
        if !name.eq_ignore_ascii_case("user-agent") {
            self.headers.insert(name, value.into());
        }
        self
    }

    /// Sets the body; `Content-Type: application/json` is added when no content type is set.
    #[must_use]
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = Some(body.into());
        self
    }

    fn headers_json(&self) -> Value {
        let mut headers = self.headers.clone();
        if self.body.is_some()
            && !headers
                .keys()
                .any(|k| k.eq_ignore_ascii_case("content-type"))
        {
            headers.insert("Content-Type".into(), "application/json".into());
        }
        Value::Object(
            headers
                .into_iter()
                .map(|(k, v)| (k, Value::String(v)))
                .collect(),
        )
    }

    /// The v4 payload: bencoded `[info JSON, body?]`, the info JSON compact with sorted keys
    /// (`endpoint`, `headers`, `method`), as libsession writes it.
    #[must_use]
    pub fn to_v4(&self) -> Vec<u8> {
        let mut info = BTreeMap::new();
        info.insert("endpoint", Value::String(self.endpoint.clone()));
        info.insert("headers", self.headers_json());
        info.insert("method", Value::String(self.method.clone()));
        encode_v4_request(&sorted_json(info), self.body.as_deref())
    }

    /// The legacy v3 payload: JSON `{"body","endpoint","headers","method"}` with the body as a
    /// (lossily decoded UTF-8) string.
    #[must_use]
    pub fn to_v3(&self) -> Vec<u8> {
        let mut info = BTreeMap::new();
        info.insert("endpoint", Value::String(self.endpoint.clone()));
        info.insert("headers", self.headers_json());
        info.insert("method", Value::String(self.method.clone()));
        if let Some(b) = &self.body {
            info.insert(
                "body",
                Value::String(String::from_utf8_lossy(b).into_owned()),
            );
        }
        sorted_json(info)
    }
}

/// A decoded v4 response: the status code, headers and body a server returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct V4Response {
    /// HTTP status code from the info JSON's `code`.
    pub code: u16,
    /// The info JSON's `headers` (empty when absent).
    pub headers: Map<String, Value>,
    /// The body element (empty when absent).
    pub body: Vec<u8>,
}

/// Parses a decrypted v4 response `l <len>:<{"code","headers"}> [<len>:<body>] e`.
///
/// # Errors
/// [`Error::InvalidBencode`] when the bytes are not a list of one or two byte strings;
/// [`Error::InvalidJson`] when the first element is not a JSON object with an integer `code`
/// (0..=65535) and, if present, an object `headers`.
pub fn parse_v4_response(encoded: &[u8]) -> Result<V4Response> {
    let bencode::Value::List(items) = bencode::decode(encoded)? else {
        return Err(Error::InvalidBencode("not a list"));
    };
    let (info, body): (&[u8], &[u8]) = match items.as_slice() {
        [bencode::Value::Bytes(i)] => (i, b""),
        [bencode::Value::Bytes(i), bencode::Value::Bytes(b)] => (i, b),
        _ => return Err(Error::InvalidBencode("not a list of one or two strings")),
    };
    let Ok(Value::Object(mut info)) = serde_json::from_slice::<Value>(info) else {
        return Err(Error::InvalidJson("v4 info is not a json object"));
    };
    let code = info
        .get("code")
        .and_then(Value::as_u64)
        .and_then(|c| u16::try_from(c).ok())
        .ok_or(Error::InvalidJson("v4 info has no valid code"))?;
    let headers = match info.remove("headers") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(h)) => h,
        Some(_) => return Err(Error::InvalidJson("v4 headers are not an object")),
    };
    Ok(V4Response {
        code,
        headers,
        body: body.to_vec(),
    })
}

/// Encodes a v4 response as a server does: `l <len>:<{"code","headers"}> <len>:<body> e`.
#[must_use]
pub fn encode_v4_response(code: u16, headers: &Map<String, Value>, body: &[u8]) -> Vec<u8> {
    let mut info = BTreeMap::new();
    info.insert("code", Value::from(code));
    info.insert("headers", Value::Object(headers.clone()));
    encode_v4_request(&sorted_json(info), Some(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v4_request_encoding() {
        let r = HttpRequest::new("GET", "rooms").header("User-Agent", "x");
        assert_eq!(
            r.to_v4(),
            br#"l49:{"endpoint":"/rooms","headers":{},"method":"GET"}e"#
        );
        let p = HttpRequest::new("POST", "/x").body(b"{}".to_vec());
        let v = p.to_v4();
        assert!(v.ends_with(b"2:{}e"));
        assert!(String::from_utf8_lossy(&v).contains(r#""Content-Type":"application/json""#));
        assert!(String::from_utf8_lossy(&p.to_v3()).contains(r#""body":"{}""#));
    }

    #[test]
    fn v4_response_round_trip_and_errors() {
        let mut h = Map::new();
        h.insert("content-type".into(), Value::from("text/plain"));
        let enc = encode_v4_response(404, &h, b"nope");
        let r = parse_v4_response(&enc).unwrap();
        assert_eq!((r.code, r.headers, r.body), (404, h, b"nope".to_vec()));
        assert_eq!(parse_v4_response(br#"l10:{"code":1}e"#).unwrap().body, b"");
        for bad in [
            &b"le"[..],
            br#"l10:{"code":1}0:0:e"#,
            br#"l10:{"code":x}e"#,
            br#"l12:{"code":1e6}e"#,
            b"l4:nulle",
            br#"d1:ai1ee"#,
            br#"l21:{"code":1,"headers":1}e"#,
        ] {
            assert!(
                parse_v4_response(bad).is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }
}
