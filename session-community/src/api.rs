//! Typed requests and answers of the community HTTP API (community.md §3), sans-IO.
//!
//! A request is a value — method, path, headers, body — that an IO layer sends directly over
//! HTTP(S) or inside an onion request ([`Request::to_v4`]). Each endpoint function returns an
//! [`ApiRequest<T>`], which remembers the type `T` of its answer and parses it from the
//! `(status, body)` the IO layer got back ([`ApiRequest::parse_response`]), from a decrypted v4
//! onion reply ([`ApiRequest::parse_v4_response`]) or from one item of a `/batch` answer
//! ([`ApiRequest::parse_batch_item`]). Non-2xx answers become a typed [`ServerError`].

use core::fmt;
use core::marker::PhantomData;
use core::str::FromStr;
use std::collections::BTreeMap;

use rand_core::{CryptoRng, RngCore};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};
use session_identity::{AccountId, Blinded15Id, Ed25519KeyPair, SessionId, X25519PublicKey};
use session_protocol::BlindedId;
use session_protocol::proto::Content;

use crate::auth::{AUTH_HEADERS, RequestSigner};
use crate::encoding::{b64_decode, b64_encode};
use crate::error::{Error, Result};
use crate::post::decode_post_data;
use crate::url::{BaseUrl, RoomToken};

/// `application/json`.
pub const JSON: &str = "application/json";
/// `application/octet-stream`.
pub const OCTET_STREAM: &str = "application/octet-stream";
/// The most messages or DMs one poll returns (`limit` is clamped to 1..=256 by the server).
pub const MAX_LIMIT: u16 = 256;
/// The longest server error text kept in a [`ServerError`].
const MAX_ERROR_TEXT: usize = 256;

/// An HTTP method the API uses. Requests are signed and sent with it uppercase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Method {
    /// `GET`.
    Get,
    /// `POST`.
    Post,
    /// `PUT`.
    Put,
    /// `DELETE`.
    Delete,
}

impl Method {
    /// The uppercase name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Method {
    type Err = Error;
    /// Case-sensitive, as the server's batch parser (`get` is refused).
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "GET" => Ok(Method::Get),
            "POST" => Ok(Method::Post),
            "PUT" => Ok(Method::Put),
            "DELETE" => Ok(Method::Delete),
            _ => Err(Error::MalformedResponse(format!("unknown method {s:?}"))),
        }
    }
}

/// One HTTP request to a community server: what an IO layer sends.
#[derive(Clone, PartialEq, Eq)]
pub struct Request {
    /// The method.
    pub method: Method,
    /// The path and query as sent (percent-encoded where needed), starting with `/`.
    pub path: String,
    /// Headers (the `X-SOGS-*` ones once signed, `Content-Type` with a body).
    pub headers: Vec<(String, String)>,
    /// The body; `None` = no body (and no body element in a v4 request).
    pub body: Option<Vec<u8>>,
}

impl fmt::Debug for Request {
    /// Method, path, header names and the body length: never the body or the header values.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("path", &self.path)
            .field(
                "headers",
                &self.headers.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            )
            .field("body_len", &self.body.as_ref().map(Vec::len))
            .finish()
    }
}

impl Request {
    /// A request without headers or body.
    #[must_use]
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        Self {
            method,
            path: path.into(),
            headers: Vec::new(),
            body: None,
        }
    }

    /// Sets a JSON body (and `Content-Type: application/json`).
    #[must_use]
    pub fn with_json(self, value: &Value) -> Self {
        let body = value.to_string().into_bytes();
        self.with_body(body, JSON)
    }

    /// Sets a body and its content type.
    #[must_use]
    pub fn with_body(mut self, body: Vec<u8>, content_type: &str) -> Self {
        self.set_header("Content-Type", content_type);
        self.body = Some(body);
        self
    }

    /// Adds or replaces a header (names compared case-insensitively).
    pub fn set_header(&mut self, name: &str, value: &str) {
        self.headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
        self.headers.push((name.to_owned(), value.to_owned()));
    }

    /// The value of a header (case-insensitive name).
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .rev()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body bytes (empty when there is none).
    #[must_use]
    pub fn body_bytes(&self) -> &[u8] {
        self.body.as_deref().unwrap_or_default()
    }

    /// Adds the four `X-SOGS-*` headers for this exact method, path and body (replacing earlier
    /// ones), with the given timestamp and nonce. Sign last: any later change to the request
    /// invalidates the signature.
    pub fn sign(&mut self, signer: &RequestSigner, timestamp: u64, nonce: &[u8; 16]) {
        let h = signer.sign(
            self.method.as_str(),
            &self.path,
            self.body_bytes(),
            timestamp,
            nonce,
        );
        for (name, value) in h.pairs() {
            self.set_header(name, value);
        }
    }

    /// [`Request::sign`] with a fresh random nonce.
    pub fn sign_with_rng(
        &mut self,
        rng: &mut (impl CryptoRng + RngCore),
        signer: &RequestSigner,
        timestamp: u64,
    ) {
        let mut nonce = [0u8; 16];
        rng.fill_bytes(&mut nonce);
        self.sign(signer, timestamp, &nonce);
    }

    /// Whether the request carries `X-SOGS-*` headers.
    #[must_use]
    pub fn is_signed(&self) -> bool {
        AUTH_HEADERS.iter().all(|h| self.header(h).is_some())
    }

    /// The full URL for a direct request.
    #[must_use]
    pub fn url(&self, base: &BaseUrl) -> String {
        base.url_for(&self.path)
    }

    /// The v4 onion payload `l<info JSON>[<body>]e` (community.md §5) with the headers in the
    /// info JSON, for `session-onion`'s request builder (HTTP destination, target
    /// `/oxen/v4/lsrpc`).
    #[must_use]
    pub fn to_v4(&self) -> Vec<u8> {
        let mut r = session_onion::HttpRequest::new(self.method.as_str(), self.path.clone());
        for (k, v) in &self.headers {
            r = r.header(k.clone(), v.clone());
        }
        if let Some(b) = &self.body {
            r = r.body(b.clone());
        }
        r.to_v4()
    }

    /// This request as a `/batch` or `/sequence` subrequest (its `X-SOGS-*` headers dropped:
    /// only the outer request is authenticated).
    #[must_use]
    pub fn to_subrequest(&self) -> SubRequest {
        let content_type = self.header("Content-Type");
        let body = match &self.body {
            None => SubBody::None,
            Some(b) if content_type.is_none_or(|c| c.starts_with(JSON)) => {
                match serde_json::from_slice::<Value>(b) {
                    Ok(v) => SubBody::Json(v),
                    Err(_) => SubBody::Bytes(b.clone()),
                }
            }
            Some(b) => SubBody::Bytes(b.clone()),
        };
        let headers = self
            .headers
            .iter()
            .filter(|(k, _)| {
                let auth = AUTH_HEADERS.iter().any(|h| h.eq_ignore_ascii_case(k));
                let json_type =
                    matches!(body, SubBody::Json(_)) && k.eq_ignore_ascii_case("content-type");
                !auth && !json_type
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        SubRequest {
            method: self.method,
            path: self.path.clone(),
            headers,
            body,
        }
    }
}

/// The body of a batch subrequest.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SubBody {
    /// No body (GET, DELETE).
    None,
    /// `"json": value`.
    Json(Value),
    /// `"b64": base64` (bytes; `application/octet-stream` unless a header says otherwise).
    Bytes(Vec<u8>),
}

/// One subrequest of `/batch` or `/sequence` (community.md §3.6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubRequest {
    /// The method.
    pub method: Method,
    /// Path and query.
    pub path: String,
    /// Extra headers (e.g. `Content-Type` for a `b64` body).
    pub headers: BTreeMap<String, String>,
    /// The body.
    pub body: SubBody,
}

impl SubRequest {
    /// The JSON object the batch body lists.
    #[must_use]
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("method".into(), Value::from(self.method.as_str()));
        m.insert("path".into(), Value::from(self.path.clone()));
        if !self.headers.is_empty() {
            m.insert(
                "headers".into(),
                Value::Object(
                    self.headers
                        .iter()
                        .map(|(k, v)| (k.clone(), Value::from(v.clone())))
                        .collect(),
                ),
            );
        }
        match &self.body {
            SubBody::None => {}
            SubBody::Json(v) => {
                m.insert("json".into(), v.clone());
            }
            SubBody::Bytes(b) => {
                m.insert("b64".into(), Value::from(b64_encode(b)));
            }
        }
        Value::Object(m)
    }

    /// The body bytes and content type the server runs this subrequest with.
    #[must_use]
    pub fn body_and_type(&self) -> (Vec<u8>, Option<String>) {
        let explicit = self
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
            .map(|(_, v)| v.clone());
        match &self.body {
            SubBody::None => (Vec::new(), explicit),
            SubBody::Json(v) => (v.to_string().into_bytes(), Some(JSON.into())),
            SubBody::Bytes(b) => (b.clone(), Some(explicit.unwrap_or(OCTET_STREAM.into()))),
        }
    }
}

/// Parses a `/batch` or `/sequence` body as the server does (community.md §3.6): a JSON list of
/// `{method, path, [headers], [json | b64 | bytes]}`; `method` exactly `GET`, `POST`, `PUT` or
/// `DELETE`; `path` starting with `/`; `headers` an object of strings; POST and PUT need exactly
/// one body key, GET and DELETE none. As pysogs, a `b64` value that does not decode gives an
/// empty body rather than an error. For the server side (test servers, fuzzing).
///
/// # Errors
/// [`Error::MalformedResponse`] (the server answers 400) for any malformed subrequest.
pub fn parse_batch_request(body: &[u8]) -> Result<Vec<SubRequest>> {
    let bad = |why: &str| Error::MalformedResponse(format!("invalid batch request: {why}"));
    let Ok(Value::Array(items)) = serde_json::from_slice::<Value>(body) else {
        return Err(bad("not a JSON list"));
    };
    items
        .into_iter()
        .map(|item| {
            let Value::Object(mut o) = item else {
                return Err(bad("subrequest is not an object"));
            };
            let method: Method = o
                .get("method")
                .and_then(Value::as_str)
                .ok_or_else(|| bad("no method"))?
                .parse()
                .map_err(|_| bad("invalid method"))?;
            let path = match o.remove("path") {
                Some(Value::String(p)) if p.starts_with('/') => p,
                _ => return Err(bad("invalid path")),
            };
            let headers = match o.remove("headers") {
                None => BTreeMap::new(),
                Some(Value::Object(h)) => h
                    .into_iter()
                    .map(|(k, v)| match v {
                        Value::String(s) => Ok((k, s)),
                        _ => Err(bad("header value is not a string")),
                    })
                    .collect::<Result<_>>()?,
                Some(_) => return Err(bad("headers is not an object")),
            };
            let keys: Vec<&str> = ["json", "b64", "bytes"]
                .into_iter()
                .filter(|k| o.contains_key(*k))
                .collect();
            let needs_body = matches!(method, Method::Post | Method::Put);
            let body = match (needs_body, keys.as_slice()) {
                (false, []) => SubBody::None,
                (true, ["json"]) => SubBody::Json(o.remove("json").unwrap_or(Value::Null)),
                (true, ["b64"]) => SubBody::Bytes(
                    o.get("b64")
                        .and_then(Value::as_str)
                        .and_then(|s| b64_decode(s).ok())
                        .unwrap_or_default(),
                ),
                (true, ["bytes"]) => match o.get("bytes") {
                    Some(Value::String(s)) => SubBody::Bytes(s.clone().into_bytes()),
                    _ => return Err(bad("bytes is not a string")),
                },
                _ => return Err(bad("wrong body keys for the method")),
            };
            Ok(SubRequest {
                method,
                path,
                headers,
                body,
            })
        })
        .collect()
}

/// Parses a decrypted v4 onion request payload `l<info JSON>[<body>]e` as a community server
/// does (community.md §5): info `{"method", "endpoint", ["headers"]}`; header names kept as
/// given (compare them case-insensitively); the body element is passed on whatever the method.
/// The endpoint's path must percent-decode to UTF-8.
///
/// # Errors
/// [`Error::MalformedV4`] (the server answers code 400 `Invalid v4 onion request`).
pub fn parse_v4_request(payload: &[u8]) -> Result<Request> {
    use session_bencode::Value as B;
    let decoded = session_bencode::decode(payload).map_err(|_| Error::MalformedV4("bencode"))?;
    let (info, body) = match decoded.as_list() {
        Some([B::Bytes(i)]) => (i, None),
        Some([B::Bytes(i), B::Bytes(b)]) => (i, Some(b.to_vec())),
        _ => return Err(Error::MalformedV4("not a list of one or two strings")),
    };
    let Ok(Value::Object(info)) = serde_json::from_slice::<Value>(info) else {
        return Err(Error::MalformedV4("info is not a JSON object"));
    };
    let method = info
        .get("method")
        .and_then(Value::as_str)
        .ok_or(Error::MalformedV4("no method"))?;
    let method: Method = method
        .parse()
        .map_err(|_| Error::MalformedV4("unsupported method"))?;
    let endpoint = info
        .get("endpoint")
        .and_then(Value::as_str)
        .filter(|e| e.starts_with('/'))
        .ok_or(Error::MalformedV4("no endpoint"))?;
    let path = endpoint.split('?').next().unwrap_or_default();
    if String::from_utf8(crate::auth::percent_decode(path)).is_err() {
        return Err(Error::MalformedV4("path is not UTF-8"));
    }
    let headers = match info.get("headers") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Object(h)) => h
            .iter()
            .map(|(k, v)| {
                v.as_str()
                    .map(|s| (k.clone(), s.to_owned()))
                    .ok_or(Error::MalformedV4("header value is not a string"))
            })
            .collect::<Result<_>>()?,
        Some(_) => return Err(Error::MalformedV4("headers is not an object")),
    };
    Ok(Request {
        method,
        path: endpoint.to_owned(),
        headers,
        body,
    })
}

/// The kind of a non-2xx answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ServerErrorKind {
    /// 304: nothing new (only `/inbox/since`, `/outbox/since`; their answers map it to `[]`).
    NotModified,
    /// 400: malformed request (bad authentication headers, bad body, bad emoji …).
    BadRequest,
    /// 401: authentication required or the signature failed.
    Unauthorized,
    /// 403: no permission (read, write, upload, moderator) or banned.
    Forbidden,
    /// 404: no such room, message, file or inbox recipient.
    NotFound,
    /// 406: not acceptable.
    NotAcceptable,
    /// 412: required capabilities missing ([`ServerError::missing`]).
    PreconditionFailed,
    /// 425: timestamp too far from the server clock, or a reused nonce (retry with a fresh
    /// nonce and the right time).
    TooEarly,
    /// 429: rate limited (more than 5 posts in 16 s).
    RateLimited,
    /// 5xx.
    Internal,
    /// Any other status.
    Other,
}

/// A non-2xx answer from a community server.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("community server answered {status}: {text}")]
pub struct ServerError {
    /// The HTTP status.
    pub status: u16,
    /// Its kind.
    pub kind: ServerErrorKind,
    /// The answer's text (lossy UTF-8, cut to 256 characters).
    pub text: String,
    /// For 412: the missing capabilities.
    pub missing: Vec<String>,
}

impl ServerError {
    /// Classifies a non-2xx answer.
    #[must_use]
    pub fn from_response(status: u16, body: &[u8]) -> Self {
        let kind = match status {
            304 => ServerErrorKind::NotModified,
            400 => ServerErrorKind::BadRequest,
            401 => ServerErrorKind::Unauthorized,
            403 => ServerErrorKind::Forbidden,
            404 => ServerErrorKind::NotFound,
            406 => ServerErrorKind::NotAcceptable,
            412 => ServerErrorKind::PreconditionFailed,
            425 => ServerErrorKind::TooEarly,
            429 => ServerErrorKind::RateLimited,
            500..=599 => ServerErrorKind::Internal,
            _ => ServerErrorKind::Other,
        };
        let missing = if status == 412 {
            serde_json::from_slice::<Capabilities>(body)
                .ok()
                .and_then(|c| c.missing)
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        let text: String = String::from_utf8_lossy(body)
            .chars()
            .take(MAX_ERROR_TEXT)
            .collect();
        Self {
            status,
            kind,
            text,
            missing,
        }
    }

    /// Whether the same request may succeed later: 425 (with a fresh nonce), 429 and 5xx.
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        matches!(
            self.kind,
            ServerErrorKind::TooEarly | ServerErrorKind::RateLimited | ServerErrorKind::Internal
        )
    }
}

/// An answer type that parses from `(status, body)`.
pub trait FromResponse: Sized {
    /// Parses the answer.
    ///
    /// # Errors
    /// [`Error::Server`] for a non-2xx status; [`Error::MalformedResponse`] for a body that does
    /// not have the documented shape.
    fn from_response(status: u16, body: &[u8]) -> Result<Self>;
}

fn check_status(status: u16, body: &[u8]) -> Result<()> {
    if (200..300).contains(&status) {
        Ok(())
    } else {
        Err(ServerError::from_response(status, body).into())
    }
}

fn parse_json<T: DeserializeOwned>(status: u16, body: &[u8]) -> Result<T> {
    check_status(status, body)?;
    serde_json::from_slice(body).map_err(|e| Error::MalformedResponse(e.to_string()))
}

macro_rules! json_answer {
    ($($t:ty),* $(,)?) => {
        $(impl FromResponse for $t {
            fn from_response(status: u16, body: &[u8]) -> Result<Self> {
                parse_json(status, body)
            }
        })*
    };
}

/// Raw bytes (file downloads).
impl FromResponse for Vec<u8> {
    fn from_response(status: u16, body: &[u8]) -> Result<Self> {
        check_status(status, body)?;
        Ok(body.to_vec())
    }
}

/// DMs: a 304 (nothing new since the given id) is an empty list.
impl FromResponse for Vec<DirectMessage> {
    fn from_response(status: u16, body: &[u8]) -> Result<Self> {
        if status == 304 {
            return Ok(Vec::new());
        }
        parse_json(status, body)
    }
}

/// A request with the type of its answer.
pub struct ApiRequest<T> {
    /// The request.
    pub request: Request,
    answer: PhantomData<fn() -> T>,
}

impl<T> fmt::Debug for ApiRequest<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiRequest")
            .field("request", &self.request)
            .field("answer", &core::any::type_name::<T>())
            .finish()
    }
}

impl<T> Clone for ApiRequest<T> {
    fn clone(&self) -> Self {
        Self::new(self.request.clone())
    }
}

impl<T> ApiRequest<T> {
    fn new(request: Request) -> Self {
        Self {
            request,
            answer: PhantomData,
        }
    }

    /// Signs the request (see [`Request::sign`]); returns it for chaining.
    #[must_use]
    pub fn signed(mut self, signer: &RequestSigner, timestamp: u64, nonce: &[u8; 16]) -> Self {
        self.request.sign(signer, timestamp, nonce);
        self
    }

    /// Signs the request with a fresh random nonce.
    #[must_use]
    pub fn signed_with_rng(
        mut self,
        rng: &mut (impl CryptoRng + RngCore),
        signer: &RequestSigner,
        timestamp: u64,
    ) -> Self {
        self.request.sign_with_rng(rng, signer, timestamp);
        self
    }
}

impl<T: FromResponse> ApiRequest<T> {
    /// Parses the answer to this request.
    ///
    /// # Errors
    /// As [`FromResponse::from_response`].
    pub fn parse_response(&self, status: u16, body: &[u8]) -> Result<T> {
        T::from_response(status, body)
    }

    /// Parses a decrypted v4 onion reply `l<{"code","headers"}><body>e` to this request.
    ///
    /// # Errors
    /// [`Error::MalformedV4`] when the payload does not decode; then as
    /// [`FromResponse::from_response`].
    pub fn parse_v4_response(&self, payload: &[u8]) -> Result<T> {
        let r = session_onion::parse_v4_response(payload)
            .map_err(|_| Error::MalformedV4("v4 response"))?;
        T::from_response(r.code, &r.body)
    }

    /// Parses this request's item of a `/batch` or `/sequence` answer.
    ///
    /// # Errors
    /// As [`FromResponse::from_response`] on the item's code and body.
    pub fn parse_batch_item(&self, item: &BatchItem) -> Result<T> {
        T::from_response(item.code, &item.body_bytes()?)
    }
}

/// A request sent as a direct v4 frame (community.md §5 "Direct frame"), waiting for its reply.
pub struct PendingDirect {
    key: session_onion::LayerKey,
}

impl fmt::Debug for PendingDirect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingDirect")
            .field("enc_type", &self.key.enc_type())
            .finish_non_exhaustive()
    }
}

impl PendingDirect {
    /// Decrypts the server's reply (HTTP 200 body) and parses the v4 payload inside.
    ///
    /// # Errors
    /// [`Error::Server`] for a non-200 outer status (the server could not decrypt the frame);
    /// [`Error::MalformedV4`] when the reply does not decrypt or decode.
    pub fn open_reply(self, status: u16, body: &[u8]) -> Result<session_onion::V4Response> {
        check_status(status, body)?;
        let plain = self
            .key
            .decrypt(body)
            .map_err(|_| Error::MalformedV4("reply does not decrypt"))?;
        session_onion::parse_v4_response(&plain).map_err(|_| Error::MalformedV4("v4 response"))
    }
}

impl Request {
    /// The request as a direct v4 frame for `POST <base URL>/oxen/v4/lsrpc` (community.md §5):
    /// `LE32(len) ‖ blob ‖ {"ephemeral_key", "enc_type"}`, the blob being [`Request::to_v4`]
    /// encrypted to the server's X25519 key with a fresh ephemeral key. Send it with
    /// `Content-Type: application/octet-stream`; open the answer with
    /// [`PendingDirect::open_reply`].
    ///
    /// # Errors
    /// [`Error::InvalidPoint`] for a degenerate server key.
    pub fn to_direct_frame(
        &self,
        rng: &mut (impl CryptoRng + RngCore),
        server_pk: &X25519PublicKey,
        enc_type: session_onion::EncType,
    ) -> Result<(Vec<u8>, PendingDirect)> {
        let (ephemeral, key) = session_onion::LayerKey::new_ephemeral(rng, enc_type, server_pk)
            .map_err(|_| Error::InvalidPoint)?;
        let blob = key.encrypt(rng, &self.to_v4());
        let json = serde_json::json!({
            "ephemeral_key": hex::encode(ephemeral.as_bytes()),
            "enc_type": enc_type.as_str(),
        });
        let frame = session_onion::encode_frame(&blob, json.to_string().as_bytes())
            .map_err(|_| Error::MalformedV4("request too large"))?;
        Ok((frame, PendingDirect { key }))
    }
}

impl<T: FromResponse> ApiRequest<T> {
    /// Opens the reply to this request sent as a direct v4 frame and parses the answer.
    ///
    /// # Errors
    /// As [`PendingDirect::open_reply`], then as [`FromResponse::from_response`].
    pub fn parse_direct_reply(
        &self,
        pending: PendingDirect,
        status: u16,
        body: &[u8],
    ) -> Result<T> {
        let r = pending.open_reply(status, body)?;
        T::from_response(r.code, &r.body)
    }
}

/// One item of a `/batch` or `/sequence` answer.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct BatchItem {
    /// The subrequest's status.
    pub code: u16,
    /// Its headers (lower-case names).
    #[serde(default)]
    pub headers: Map<String, Value>,
    /// The body: JSON for `application/json` answers, else a base64 string.
    #[serde(default)]
    pub body: Value,
}

impl BatchItem {
    /// An item as a server builds it: JSON bodies embedded, others base64.
    #[must_use]
    pub fn new(code: u16, content_type: Option<&str>, body: &[u8]) -> Self {
        let mut headers = Map::new();
        let json = content_type.is_some_and(|c| c.starts_with(JSON));
        if let Some(c) = content_type {
            headers.insert("content-type".into(), Value::from(c));
        }
        let body = if json {
            serde_json::from_slice(body).unwrap_or_else(|_| Value::from(b64_encode(body)))
        } else {
            Value::from(b64_encode(body))
        };
        Self {
            code,
            headers,
            body,
        }
    }

    /// The body bytes: JSON bodies re-serialized, base64 strings decoded.
    ///
    /// # Errors
    /// [`Error::InvalidBase64`] for a non-JSON body that is not base64.
    pub fn body_bytes(&self) -> Result<Vec<u8>> {
        let json = self
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
            .and_then(|(_, v)| v.as_str())
            .is_some_and(|c| c.starts_with(JSON));
        match &self.body {
            Value::String(s) if !json => b64_decode(s),
            v => Ok(v.to_string().into_bytes()),
        }
    }
}

impl FromResponse for Vec<BatchItem> {
    fn from_response(status: u16, body: &[u8]) -> Result<Self> {
        parse_json(status, body)
    }
}

/// `GET /capabilities` answer (also the 412 body).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Capabilities {
    /// Capabilities, e.g. `blind`, `reactions`, `sogs`.
    pub capabilities: Vec<String>,
    /// Missing required capabilities (412 only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing: Option<Vec<String>>,
}

impl Capabilities {
    /// Whether the server requires 15-blinded keys (`blind`).
    #[must_use]
    pub fn requires_blinding(&self) -> bool {
        self.has("blind")
    }

    /// Whether a capability is present.
    #[must_use]
    pub fn has(&self, name: &str) -> bool {
        self.capabilities.iter().any(|c| c == name)
    }
}

/// A pinned message of a room.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct PinnedMessage {
    /// The message id.
    pub id: i64,
    /// When it was pinned (unix seconds).
    pub pinned_at: f64,
    /// Who pinned it (session id).
    pub pinned_by: String,
}

/// A room object (`GET /room/T`, `GET /rooms`, `pollInfo` `details`).
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Room {
    /// The token.
    pub token: String,
    /// Display name.
    pub name: String,
    /// Description, when set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Bumps on metadata and pin changes.
    pub info_updates: i64,
    /// The room's message sequence counter.
    pub message_sequence: i64,
    /// Creation time (unix seconds).
    pub created: f64,
    /// Active users within the cutoff.
    pub active_users: i64,
    /// Cutoff (seconds) of `active_users`.
    pub active_users_cutoff: i64,
    /// The room image file id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_id: Option<u64>,
    /// Pins, in pin order.
    pub pinned_messages: Vec<PinnedMessage>,
    /// Visible moderators.
    pub moderators: Vec<String>,
    /// Visible admins.
    pub admins: Vec<String>,
    /// Hidden moderators (for those who may see them).
    pub hidden_moderators: Vec<String>,
    /// Hidden admins (for those who may see them).
    pub hidden_admins: Vec<String>,
    /// Caller may read.
    pub read: bool,
    /// Caller may post.
    pub write: bool,
    /// Caller may upload.
    pub upload: bool,
    /// Caller is a moderator.
    pub moderator: bool,
    /// Caller is an admin.
    pub admin: bool,
    /// Caller is a global moderator.
    pub global_moderator: bool,
    /// Caller is a global admin.
    pub global_admin: bool,
    /// Default read permission (shown to moderators).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_read: Option<bool>,
    /// Default accessible permission (shown to moderators).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_accessible: Option<bool>,
    /// Default write permission (shown to moderators).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_write: Option<bool>,
    /// Default upload permission (shown to moderators).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_upload: Option<bool>,
}

/// `GET /room/T/pollInfo/<n>` answer.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct PollInfo {
    /// The room token.
    pub token: String,
    /// Active users.
    pub active_users: i64,
    /// Caller may read.
    pub read: bool,
    /// Caller may post.
    pub write: bool,
    /// Caller may upload.
    pub upload: bool,
    /// Caller is a moderator.
    pub moderator: bool,
    /// Caller is an admin.
    pub admin: bool,
    /// The full room, only when its `info_updates` differs from the one given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<Room>,
}

/// One emoji's reactions on a message.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Reaction {
    /// Display order (when this emoji was first used on the message).
    pub index: i64,
    /// How many reacted.
    pub count: i64,
    /// The first reactors (session ids).
    pub reactors: Vec<String>,
    /// Whether the caller reacted.
    pub you: bool,
}

fn truthy<'de, D: Deserializer<'de>>(d: D) -> core::result::Result<bool, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Bool(b) => b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Null => false,
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    })
}

/// A message object as the server sends it (community.md §3.3): a post, an edit, a deletion
/// (`data` null, `deleted`) or a reaction-only update (no `data` key).
///
/// Its content is not trusted until [`RoomMessage::verify`] has checked the signature.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct RoomMessage {
    /// Room-wide message id.
    pub id: i64,
    /// Author: `15…` or `05…`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    /// Post time (unix seconds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub posted: Option<f64>,
    /// Last edit time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub edited: Option<f64>,
    /// Sequence number of the last change.
    pub seqno: i64,
    /// base64 of the padded `Content`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
    /// base64 of the 64-byte signature.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
    /// Set on deletions.
    #[serde(
        deserialize_with = "truthy",
        skip_serializing_if = "core::ops::Not::not"
    )]
    pub deleted: bool,
    /// Reactions by emoji.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reactions: Option<BTreeMap<String, Reaction>>,
    /// A whisper.
    #[serde(
        deserialize_with = "truthy",
        skip_serializing_if = "core::ops::Not::not"
    )]
    pub whisper: bool,
    /// A whisper to the moderators.
    #[serde(
        deserialize_with = "truthy",
        skip_serializing_if = "core::ops::Not::not"
    )]
    pub whisper_mods: bool,
    /// The target of a targeted whisper.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub whisper_to: Option<String>,
    /// A filter swallowed the post (201 answer to the poster only).
    #[serde(
        deserialize_with = "truthy",
        skip_serializing_if = "core::ops::Not::not"
    )]
    pub filtered: bool,
}

/// What a [`RoomMessage`] is, once checked.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum MessageUpdate {
    /// A new or edited post whose signature verified.
    Post(Box<VerifiedPost>),
    /// The message was deleted.
    Deleted {
        /// The message id.
        id: i64,
        /// The sequence number.
        seqno: i64,
    },
    /// Only the reactions changed.
    Reactions {
        /// The message id.
        id: i64,
        /// The sequence number.
        seqno: i64,
        /// The reactions.
        reactions: BTreeMap<String, Reaction>,
    },
}

/// A post whose signature verified against its author.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedPost {
    /// Message id.
    pub id: i64,
    /// Sequence number.
    pub seqno: i64,
    /// The author (`15…` or `05…`), authenticated by the signature.
    pub author: SessionId,
    /// Post time (unix seconds).
    pub posted: f64,
    /// Edit time, if edited.
    pub edited: Option<f64>,
    /// The decoded `Content`.
    pub content: Content,
    /// Reactions.
    pub reactions: BTreeMap<String, Reaction>,
    /// Whisper flags.
    pub whisper: bool,
    /// Whisper to the moderators.
    pub whisper_mods: bool,
    /// Target of a targeted whisper.
    pub whisper_to: Option<String>,
}

/// A message that was dropped: its signature did not verify or it did not decode.
#[derive(Debug, Clone, PartialEq)]
pub struct RejectedMessage {
    /// Message id.
    pub id: i64,
    /// Sequence number (still advances the poll position).
    pub seqno: i64,
    /// The claimed author, as sent.
    pub session_id: Option<String>,
    /// Why it was dropped.
    pub reason: Error,
}

impl RoomMessage {
    /// Checks and decodes the message: a post's signature must verify against its
    /// `session_id` (community.md §3.3), then its `data` must unpad and decode to a `Content`.
    ///
    /// # Errors
    /// A [`RejectedMessage`] (never shown as authentic): missing `session_id`/`signature`,
    /// bad base64, [`Error::InvalidPrefix`], [`Error::SignatureInvalid`], undecodable content.
    pub fn verify(&self) -> core::result::Result<MessageUpdate, RejectedMessage> {
        let reject = |reason: Error| RejectedMessage {
            id: self.id,
            seqno: self.seqno,
            session_id: self.session_id.clone(),
            reason,
        };
        let Some(data) = &self.data else {
            return Ok(match (&self.reactions, self.deleted) {
                (Some(r), false) => MessageUpdate::Reactions {
                    id: self.id,
                    seqno: self.seqno,
                    reactions: r.clone(),
                },
                _ => MessageUpdate::Deleted {
                    id: self.id,
                    seqno: self.seqno,
                },
            });
        };
        if self.deleted {
            return Ok(MessageUpdate::Deleted {
                id: self.id,
                seqno: self.seqno,
            });
        }
        let missing = || {
            reject(Error::MalformedResponse(
                "post without author or signature".into(),
            ))
        };
        let author_text = self.session_id.as_deref().ok_or_else(missing)?;
        let sig_b64 = self.signature.as_deref().ok_or_else(missing)?;
        let data = b64_decode(data).map_err(reject)?;
        let sig = b64_decode(sig_b64).map_err(reject)?;
        crate::post::verify_post_signature_raw(author_text, &data, &sig).map_err(reject)?;
        let author: SessionId = author_text
            .parse()
            .map_err(|_| reject(Error::InvalidLength))?;
        let content = decode_post_data(&data).map_err(reject)?;
        Ok(MessageUpdate::Post(Box::new(VerifiedPost {
            id: self.id,
            seqno: self.seqno,
            author,
            posted: self.posted.unwrap_or_default(),
            edited: self.edited,
            content,
            reactions: self.reactions.clone().unwrap_or_default(),
            whisper: self.whisper,
            whisper_mods: self.whisper_mods,
            whisper_to: self.whisper_to.clone(),
        })))
    }
}

/// A batch of room messages after checking.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CheckedMessages {
    /// Verified updates, in server order.
    pub updates: Vec<MessageUpdate>,
    /// Dropped messages (report them; never show them).
    pub rejected: Vec<RejectedMessage>,
    /// The largest `seqno` seen (rejected messages included), for the next `since` poll.
    pub max_seqno: Option<i64>,
}

/// Checks every message of a poll ([`RoomMessage::verify`]): the authentic ones are kept, the
/// others dropped and reported.
#[must_use]
pub fn check_messages(messages: &[RoomMessage]) -> CheckedMessages {
    let mut out = CheckedMessages::default();
    for m in messages {
        out.max_seqno = Some(out.max_seqno.map_or(m.seqno, |s| s.max(m.seqno)));
        match m.verify() {
            Ok(u) => out.updates.push(u),
            Err(r) => out.rejected.push(r),
        }
    }
    out
}

/// A new post or an edit: the padded `Content` and its signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPost {
    /// The padded `Content` bytes.
    pub data: Vec<u8>,
    /// The signature over `data`.
    pub signature: [u8; 64],
    /// Whisper target (moderators only).
    pub whisper_to: Option<String>,
    /// Whisper to moderators.
    pub whisper_mods: bool,
    /// Ids of files uploaded for this post.
    pub files: Vec<u64>,
}

impl NewPost {
    /// A post of `content`, padded and signed with the signer's key: the 15-blinded key (as
    /// on every `blind` server), or for an unblinded signer an XEd25519 signature of the
    /// account key.
    ///
    /// # Errors
    /// [`Error::InvalidPrefix`] for a 25-blinded signer (servers name such users by no id a
    /// receiver could check against the 25 key's signature).
    pub fn new(
        rng: &mut (impl CryptoRng + RngCore),
        signer: &RequestSigner,
        keypair: &Ed25519KeyPair,
        content: &Content,
    ) -> Result<Self> {
        let data = crate::post::encode_post_data(content);
        let signature = match signer.blind15_keypair() {
            Some((kp, nonce)) => crate::post::sign_post_data(kp, &data, nonce),
            None if signer.kind() == crate::auth::KeyKind::Unblinded => {
                crate::post::sign_post_data_unblinded(rng, keypair, &data)
            }
            None => return Err(Error::InvalidPrefix),
        };
        Ok(Self {
            data,
            signature: signature.to_bytes(),
            whisper_to: None,
            whisper_mods: false,
            files: Vec::new(),
        })
    }

    fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("data".into(), Value::from(b64_encode(&self.data)));
        m.insert("signature".into(), Value::from(b64_encode(&self.signature)));
        if let Some(w) = &self.whisper_to {
            m.insert("whisper_to".into(), Value::from(w.clone()));
        }
        if self.whisper_mods {
            m.insert("whisper_mods".into(), Value::Bool(true));
        }
        if !self.files.is_empty() {
            m.insert("files".into(), Value::from(self.files.clone()));
        }
        Value::Object(m)
    }
}

/// `{}` (edit, delete, ban answers).
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
pub struct Empty {}

/// `PUT /room/T/reaction/<id>/<emoji>` answer.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct ReactionAdded {
    /// Whether it was new.
    pub added: bool,
    /// The message's new seqno.
    pub seqno: i64,
}

/// `DELETE /room/T/reaction/<id>/<emoji>` answer.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct ReactionRemoved {
    /// Whether there was one.
    pub removed: bool,
    /// The message's new seqno.
    pub seqno: i64,
}

/// `DELETE /room/T/reactions/<id>[/<emoji>]` answer (moderators).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct ReactionsCleared {
    /// How many were removed.
    pub removed: i64,
    /// The message's new seqno.
    pub seqno: i64,
}

/// One reactor: `[session_id, timestamp]`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Reactor(pub String, pub f64);

/// `POST /room/T/pin/<id>` answer.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Pinned {
    /// The room's new `info_updates`.
    pub info_updates: i64,
}

/// `POST /room/T/unpin/<id>` answer.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Unpinned {
    /// Whether it was pinned.
    pub unpinned: bool,
    /// The room's new `info_updates`.
    pub info_updates: i64,
}

/// `POST /room/T/unpin/all` answer.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct UnpinnedAll {
    /// How many were unpinned.
    pub unpinned: i64,
    /// The room's new `info_updates`.
    pub info_updates: i64,
}

/// `POST /inbox/<id>` answer.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct InboxSent {
    /// Server-wide DM id.
    pub id: i64,
    /// Post time.
    pub posted_at: f64,
    /// Expiry time.
    pub expires_at: f64,
    /// Sender (15 id).
    pub sender: String,
    /// Recipient (15 id).
    pub recipient: String,
}

/// A blinded DM from `/inbox` or `/outbox`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct DirectMessage {
    /// Server-wide DM id.
    pub id: i64,
    /// Post time.
    pub posted_at: f64,
    /// Expiry time.
    pub expires_at: f64,
    /// Sender (15 id, sign bit as authenticated).
    pub sender: String,
    /// Recipient.
    pub recipient: String,
    /// base64 of the blinded ciphertext (protocol.md §2).
    pub message: String,
}

fn blinded_id(s: &str) -> Result<BlindedId> {
    let id: SessionId = s.parse()?;
    match id {
        SessionId::Blinded15Id(b) => Ok(BlindedId::Blinded15(b)),
        SessionId::Blinded25Id(b) => Ok(BlindedId::Blinded25(b)),
        _ => Err(Error::InvalidPrefix),
    }
}

impl DirectMessage {
    /// Decrypts and decodes the DM (inbox or outbox) with one's own key: the `Content` and the
    /// sender's Account ID, authenticated by the ciphertext.
    ///
    /// # Errors
    /// [`Error::InvalidPrefix`] / [`Error::InvalidLength`] for malformed ids;
    /// [`Error::Content`] with the decryption or decoding error.
    pub fn decode(
        &self,
        own: &Ed25519KeyPair,
        server_pk: &X25519PublicKey,
    ) -> Result<(Content, AccountId)> {
        let sender = blinded_id(&self.sender)?;
        let recipient = blinded_id(&self.recipient)?;
        Ok(session_protocol::decode_community_inbox(
            own,
            server_pk,
            &sender,
            &recipient,
            &self.message,
        )?)
    }
}

/// `DELETE /inbox` answer.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct InboxDeleted {
    /// How many were deleted.
    pub deleted: i64,
}

/// `POST /room/T/file` answer.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct FileUploaded {
    /// The file id (for `files` of a post and the attachment URL).
    pub id: u64,
}

json_answer!(
    Capabilities,
    Vec<Room>,
    Room,
    PollInfo,
    Vec<RoomMessage>,
    RoomMessage,
    Empty,
    ReactionAdded,
    ReactionRemoved,
    ReactionsCleared,
    Vec<Reactor>,
    Pinned,
    Unpinned,
    UnpinnedAll,
    InboxSent,
    InboxDeleted,
    FileUploaded,
);

/// Percent-encodes everything but RFC 3986 unreserved characters.
#[must_use]
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Query options of message polls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct MessagesQuery {
    /// At most this many (1..=256; the server default is 100).
    pub limit: Option<u16>,
    /// Reactors listed per emoji (0..=20; the server default is 4).
    pub reactors: Option<u8>,
    /// `since` polls: include reaction-only updates (`t=r`).
    pub reaction_updates: bool,
}

impl Default for MessagesQuery {
    /// What session-desktop sends: `t=r&reactors=5`.
    fn default() -> Self {
        Self {
            limit: None,
            reactors: Some(5),
            reaction_updates: true,
        }
    }
}

impl MessagesQuery {
    fn query(&self, since: bool) -> String {
        let mut q = Vec::new();
        if since && self.reaction_updates {
            q.push("t=r".to_owned());
        }
        if let Some(r) = self.reactors {
            q.push(format!("reactors={r}"));
        }
        if let Some(l) = self.limit {
            q.push(format!("limit={}", l.clamp(1, MAX_LIMIT)));
        }
        if q.is_empty() {
            String::new()
        } else {
            format!("?{}", q.join("&"))
        }
    }
}

fn get<T>(path: String) -> ApiRequest<T> {
    ApiRequest::new(Request::new(Method::Get, path))
}

fn with_json<T>(method: Method, path: String, body: &Value) -> ApiRequest<T> {
    ApiRequest::new(Request::new(method, path).with_json(body))
}

fn check_emoji(emoji: &str) -> Result<String> {
    let n = emoji.chars().count();
    if (1..=12).contains(&n) {
        Ok(percent_encode(emoji))
    } else {
        Err(Error::InvalidReaction)
    }
}

/// `GET /capabilities[?required=a,b]`.
#[must_use]
pub fn capabilities(required: &[&str]) -> ApiRequest<Capabilities> {
    if required.is_empty() {
        get("/capabilities".into())
    } else {
        let list: Vec<String> = required.iter().map(|c| percent_encode(c)).collect();
        get(format!("/capabilities?required={}", list.join(",")))
    }
}

/// `GET /rooms`.
#[must_use]
pub fn rooms() -> ApiRequest<Vec<Room>> {
    get("/rooms".into())
}

/// `GET /room/T`.
#[must_use]
pub fn room(token: &RoomToken) -> ApiRequest<Room> {
    get(format!("/room/{token}"))
}

/// `GET /room/T/pollInfo/<info_updates>`.
#[must_use]
pub fn poll_info(token: &RoomToken, info_updates: i64) -> ApiRequest<PollInfo> {
    get(format!("/room/{token}/pollInfo/{info_updates}"))
}

/// `GET /room/T/messages/since/<seqno>` (oldest first; start with 0).
#[must_use]
pub fn messages_since(
    token: &RoomToken,
    seqno: i64,
    query: MessagesQuery,
) -> ApiRequest<Vec<RoomMessage>> {
    get(format!(
        "/room/{token}/messages/since/{seqno}{}",
        query.query(true)
    ))
}

/// `GET /room/T/messages/recent` (newest first).
#[must_use]
pub fn messages_recent(token: &RoomToken, query: MessagesQuery) -> ApiRequest<Vec<RoomMessage>> {
    get(format!(
        "/room/{token}/messages/recent{}",
        query.query(false)
    ))
}

/// `GET /room/T/messages/before/<id>` (newest first).
#[must_use]
pub fn messages_before(
    token: &RoomToken,
    id: i64,
    query: MessagesQuery,
) -> ApiRequest<Vec<RoomMessage>> {
    get(format!(
        "/room/{token}/messages/before/{id}{}",
        query.query(false)
    ))
}

/// `GET /room/T/message/<id>`.
#[must_use]
pub fn message(token: &RoomToken, id: i64) -> ApiRequest<RoomMessage> {
    get(format!("/room/{token}/message/{id}"))
}

/// `POST /room/T/message` (201 with the message object).
#[must_use]
pub fn post_message(token: &RoomToken, post: &NewPost) -> ApiRequest<RoomMessage> {
    with_json(
        Method::Post,
        format!("/room/{token}/message"),
        &post.to_json(),
    )
}

/// `PUT /room/T/message/<id>` (author only; `whisper_*` ignored).
#[must_use]
pub fn edit_message(token: &RoomToken, id: i64, post: &NewPost) -> ApiRequest<Empty> {
    let mut body = post.to_json();
    if let Value::Object(m) = &mut body {
        m.remove("whisper_to");
        m.remove("whisper_mods");
    }
    with_json(Method::Put, format!("/room/{token}/message/{id}"), &body)
}

/// `DELETE /room/T/message/<id>`.
#[must_use]
pub fn delete_message(token: &RoomToken, id: i64) -> ApiRequest<Empty> {
    ApiRequest::new(Request::new(
        Method::Delete,
        format!("/room/{token}/message/{id}"),
    ))
}

/// `PUT /room/T/reaction/<id>/<emoji>` (emoji percent-encoded in the path).
///
/// # Errors
/// [`Error::InvalidReaction`] unless the emoji is 1–12 code points.
pub fn add_reaction(token: &RoomToken, id: i64, emoji: &str) -> Result<ApiRequest<ReactionAdded>> {
    let e = check_emoji(emoji)?;
    Ok(with_json(
        Method::Put,
        format!("/room/{token}/reaction/{id}/{e}"),
        &Value::Object(Map::new()),
    ))
}

/// `DELETE /room/T/reaction/<id>/<emoji>`.
///
/// # Errors
/// [`Error::InvalidReaction`] unless the emoji is 1–12 code points.
pub fn remove_reaction(
    token: &RoomToken,
    id: i64,
    emoji: &str,
) -> Result<ApiRequest<ReactionRemoved>> {
    let e = check_emoji(emoji)?;
    Ok(ApiRequest::new(Request::new(
        Method::Delete,
        format!("/room/{token}/reaction/{id}/{e}"),
    )))
}

/// `DELETE /room/T/reactions/<id>[/<emoji>]` (moderators).
///
/// # Errors
/// [`Error::InvalidReaction`] unless the emoji (if given) is 1–12 code points.
pub fn clear_reactions(
    token: &RoomToken,
    id: i64,
    emoji: Option<&str>,
) -> Result<ApiRequest<ReactionsCleared>> {
    let path = match emoji {
        Some(e) => format!("/room/{token}/reactions/{id}/{}", check_emoji(e)?),
        None => format!("/room/{token}/reactions/{id}"),
    };
    Ok(ApiRequest::new(Request::new(Method::Delete, path)))
}

/// `GET /room/T/reactors/<id>/<emoji>[?limit=n]`.
///
/// # Errors
/// [`Error::InvalidReaction`] unless the emoji is 1–12 code points.
pub fn reactors(
    token: &RoomToken,
    id: i64,
    emoji: &str,
    limit: Option<u16>,
) -> Result<ApiRequest<Vec<Reactor>>> {
    let e = check_emoji(emoji)?;
    let q = limit.map(|l| format!("?limit={l}")).unwrap_or_default();
    Ok(get(format!("/room/{token}/reactors/{id}/{e}{q}")))
}

/// `POST /room/T/pin/<id>` (admins).
#[must_use]
pub fn pin(token: &RoomToken, id: i64) -> ApiRequest<Pinned> {
    with_json(
        Method::Post,
        format!("/room/{token}/pin/{id}"),
        &Value::Object(Map::new()),
    )
}

/// `POST /room/T/unpin/<id>` (admins).
#[must_use]
pub fn unpin(token: &RoomToken, id: i64) -> ApiRequest<Unpinned> {
    with_json(
        Method::Post,
        format!("/room/{token}/unpin/{id}"),
        &Value::Object(Map::new()),
    )
}

/// `POST /room/T/unpin/all` (admins).
#[must_use]
pub fn unpin_all(token: &RoomToken) -> ApiRequest<UnpinnedAll> {
    with_json(
        Method::Post,
        format!("/room/{token}/unpin/all"),
        &Value::Object(Map::new()),
    )
}

/// `POST /batch`: subrequests run independently; the answer lists one [`BatchItem`] each, in
/// order. Parse each with the [`ApiRequest::parse_batch_item`] of the request it came from.
#[must_use]
pub fn batch(subrequests: &[SubRequest]) -> ApiRequest<Vec<BatchItem>> {
    let list = Value::Array(subrequests.iter().map(SubRequest::to_json).collect());
    with_json(Method::Post, "/batch".into(), &list)
}

/// `POST /sequence`: like [`batch`], but runs in order and stops after the first non-2xx
/// (a 304 included).
#[must_use]
pub fn sequence(subrequests: &[SubRequest]) -> ApiRequest<Vec<BatchItem>> {
    let list = Value::Array(subrequests.iter().map(SubRequest::to_json).collect());
    with_json(Method::Post, "/sequence".into(), &list)
}

/// `POST /inbox/<15 id>` with a blinded ciphertext (from
/// `session_protocol::encode_for_community_inbox`, already base64).
#[must_use]
pub fn send_inbox(recipient: &Blinded15Id, message_b64: &str) -> ApiRequest<InboxSent> {
    let mut m = Map::new();
    m.insert("message".into(), Value::from(message_b64));
    with_json(
        Method::Post,
        format!("/inbox/{recipient}"),
        &Value::Object(m),
    )
}

fn dm_path(which: &str, since: Option<i64>, limit: Option<u16>) -> String {
    let s = since.map(|i| format!("/since/{i}")).unwrap_or_default();
    let q = limit
        .map(|l| format!("?limit={}", l.clamp(1, MAX_LIMIT)))
        .unwrap_or_default();
    format!("/{which}{s}{q}")
}

/// `GET /inbox` or `GET /inbox/since/<id>` (15 key only; oldest first; 304 = `[]`).
#[must_use]
pub fn inbox(since: Option<i64>, limit: Option<u16>) -> ApiRequest<Vec<DirectMessage>> {
    get(dm_path("inbox", since, limit))
}

/// `GET /outbox` or `GET /outbox/since/<id>`.
#[must_use]
pub fn outbox(since: Option<i64>, limit: Option<u16>) -> ApiRequest<Vec<DirectMessage>> {
    get(dm_path("outbox", since, limit))
}

/// `DELETE /inbox`.
#[must_use]
pub fn delete_inbox() -> ApiRequest<InboxDeleted> {
    ApiRequest::new(Request::new(Method::Delete, "/inbox"))
}

/// `POST /room/T/file`: raw bytes (room attachments are not encrypted), with the file name in
/// `Content-Disposition` when given.
#[must_use]
pub fn upload_file(
    token: &RoomToken,
    bytes: Vec<u8>,
    filename: Option<&str>,
) -> ApiRequest<FileUploaded> {
    let mut r =
        Request::new(Method::Post, format!("/room/{token}/file")).with_body(bytes, OCTET_STREAM);
    if let Some(name) = filename {
        r.set_header(
            "Content-Disposition",
            &format!("attachment; filename*=UTF-8''{}", percent_encode(name)),
        );
    }
    ApiRequest::new(r)
}

/// `GET /room/T/file/<id>`: the raw bytes.
#[must_use]
pub fn download_file(token: &RoomToken, id: u64) -> ApiRequest<Vec<u8>> {
    get(format!("/room/{token}/file/{id}"))
}

/// The attachment URL a post's `AttachmentPointer` carries for a room file
/// (`<base URL>/room/<T>/file/<id>`).
#[must_use]
pub fn file_url(base: &BaseUrl, token: &RoomToken, id: u64) -> String {
    base.url_for(&format!("/room/{token}/file/{id}"))
}

/// The file id of a room attachment URL (its last path segment), if it is one.
#[must_use]
pub fn file_id_from_url(url: &str) -> Option<u64> {
    let path = url.split(['?', '#']).next()?;
    let mut seg = path.rsplit('/');
    let id = seg.next()?.parse().ok()?;
    (seg.next()? == "file").then_some(id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::{AuthPolicy, ReceivedRequest, Stateless, verify_request};
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    const SEED: u64 = 0xc0ffee;

    fn room() -> RoomToken {
        "lounge".parse().unwrap()
    }

    fn server() -> X25519PublicKey {
        X25519PublicKey::from_bytes(&[0x33; 32])
    }

    fn verify(r: &Request) -> Option<SessionId> {
        let h: Vec<(&str, &str)> = r
            .headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let req = ReceivedRequest {
            method: r.method.as_str(),
            path_and_query: &r.path,
            body: r.body_bytes(),
            headers: &h,
        };
        verify_request(&server(), &req, 1000, AuthPolicy::default(), &mut Stateless)
            .unwrap()
            .map(|u| u.session_id)
    }

    #[test]
    fn endpoint_shapes() {
        let t = room();
        let q = MessagesQuery {
            limit: Some(999),
            reactors: None,
            reaction_updates: false,
        };
        let cases: Vec<(Request, Method, &str)> = vec![
            (capabilities(&[]).request, Method::Get, "/capabilities"),
            (
                capabilities(&["sogs", "blind"]).request,
                Method::Get,
                "/capabilities?required=sogs,blind",
            ),
            (rooms().request, Method::Get, "/rooms"),
            (super::room(&t).request, Method::Get, "/room/lounge"),
            (
                poll_info(&t, 7).request,
                Method::Get,
                "/room/lounge/pollInfo/7",
            ),
            (
                messages_since(&t, 3, q).request,
                Method::Get,
                "/room/lounge/messages/since/3?limit=256",
            ),
            (
                messages_recent(&t, MessagesQuery::default()).request,
                Method::Get,
                "/room/lounge/messages/recent?reactors=5",
            ),
            (
                messages_before(&t, 9, q).request,
                Method::Get,
                "/room/lounge/messages/before/9?limit=256",
            ),
            (
                message(&t, 9).request,
                Method::Get,
                "/room/lounge/message/9",
            ),
            (
                delete_message(&t, 9).request,
                Method::Delete,
                "/room/lounge/message/9",
            ),
            (
                add_reaction(&t, 9, "🎂").unwrap().request,
                Method::Put,
                "/room/lounge/reaction/9/%F0%9F%8E%82",
            ),
            (
                remove_reaction(&t, 9, "+").unwrap().request,
                Method::Delete,
                "/room/lounge/reaction/9/%2B",
            ),
            (
                clear_reactions(&t, 9, None).unwrap().request,
                Method::Delete,
                "/room/lounge/reactions/9",
            ),
            (
                reactors(&t, 9, "x", Some(3)).unwrap().request,
                Method::Get,
                "/room/lounge/reactors/9/x?limit=3",
            ),
            (pin(&t, 9).request, Method::Post, "/room/lounge/pin/9"),
            (unpin(&t, 9).request, Method::Post, "/room/lounge/unpin/9"),
            (
                unpin_all(&t).request,
                Method::Post,
                "/room/lounge/unpin/all",
            ),
            (inbox(None, None).request, Method::Get, "/inbox"),
            (
                inbox(Some(4), Some(0)).request,
                Method::Get,
                "/inbox/since/4?limit=1",
            ),
            (
                outbox(Some(4), None).request,
                Method::Get,
                "/outbox/since/4",
            ),
            (delete_inbox().request, Method::Delete, "/inbox"),
            (
                download_file(&t, 42).request,
                Method::Get,
                "/room/lounge/file/42",
            ),
        ];
        for (r, m, p) in cases {
            assert_eq!((r.method, r.path.as_str()), (m, p));
            // Bodies only where the server reads one.
            assert_eq!(
                r.body.is_some(),
                matches!(m, Method::Post | Method::Put),
                "{p}"
            );
        }
        assert_eq!(add_reaction(&t, 1, ""), Err(Error::InvalidReaction));
        assert!(add_reaction(&t, 1, &"a".repeat(13)).is_err());
        assert!(add_reaction(&t, 1, &"a".repeat(12)).is_ok());
    }

    impl<T> PartialEq for ApiRequest<T> {
        fn eq(&self, other: &Self) -> bool {
            self.request == other.request
        }
    }

    #[test]
    fn post_sign_verify_and_answer() {
        let mut rng = ChaCha20Rng::seed_from_u64(SEED);
        let me = Ed25519KeyPair::generate(&mut rng);
        let signer = RequestSigner::blind15(&me, &server());
        let mut post = NewPost::new(&mut rng, &signer, &me, &Content::text("hi", 1)).unwrap();
        post.files = vec![4, 5];
        let r = post_message(&room(), &post).signed(&signer, 1000, &[1; 16]);
        assert_eq!(verify(&r.request), Some(signer.session_id()), "seed {SEED}");
        let body: Value = serde_json::from_slice(r.request.body_bytes()).unwrap();
        assert_eq!(body["files"], serde_json::json!([4, 5]));
        assert_eq!(r.request.header("content-type"), Some(JSON));
        // The server echoes the message; it verifies and decodes.
        let answer = serde_json::json!({
            "id": 12, "seqno": 30, "posted": 1000.25,
            "session_id": signer.session_id().to_string(),
            "data": b64_encode(&post.data),
            "signature": b64_encode(&post.signature),
            "reactions": {}
        });
        let m = r
            .parse_response(201, answer.to_string().as_bytes())
            .unwrap();
        match m.verify() {
            Ok(MessageUpdate::Post(p)) => {
                assert_eq!(p.content, Content::text("hi", 1));
                assert_eq!(p.author, signer.session_id());
                assert_eq!((p.id, p.seqno), (12, 30));
            }
            other => panic!("{other:?}"),
        }
        // Edit keeps data and signature, drops whisper fields.
        post.whisper_mods = true;
        let e = edit_message(&room(), 12, &post);
        let body: Value = serde_json::from_slice(e.request.body_bytes()).unwrap();
        assert!(body.get("whisper_mods").is_none());
        assert_eq!(e.parse_response(200, b"{}").unwrap(), Empty {});
        // 25 signers cannot sign posts; unblinded ones sign with XEd25519.
        let s25 = RequestSigner::blind25(&me, &server());
        assert_eq!(
            NewPost::new(&mut rng, &s25, &me, &Content::text("x", 1)),
            Err(Error::InvalidPrefix)
        );
        let s00 = RequestSigner::unblinded(&me, &server());
        let p00 = NewPost::new(&mut rng, &s00, &me, &Content::text("x", 1)).unwrap();
        let m00 = RoomMessage {
            id: 1,
            seqno: 1,
            session_id: Some(me.account_id().to_string()),
            data: Some(b64_encode(&p00.data)),
            signature: Some(b64_encode(&p00.signature)),
            ..Default::default()
        };
        assert!(matches!(m00.verify(), Ok(MessageUpdate::Post(_))));
    }

    #[test]
    fn forged_posts_are_dropped_and_reported() {
        let mut rng = ChaCha20Rng::seed_from_u64(SEED);
        let alice = Ed25519KeyPair::generate(&mut rng);
        let mallory = Ed25519KeyPair::generate(&mut rng);
        let sa = RequestSigner::blind15(&alice, &server());
        let sm = RequestSigner::blind15(&mallory, &server());
        let post = NewPost::new(&mut rng, &sa, &alice, &Content::text("real", 1)).unwrap();
        let good = RoomMessage {
            id: 1,
            seqno: 5,
            session_id: Some(sa.session_id().to_string()),
            data: Some(b64_encode(&post.data)),
            signature: Some(b64_encode(&post.signature)),
            ..Default::default()
        };
        let impersonated = RoomMessage {
            id: 2,
            seqno: 6,
            session_id: Some(sm.session_id().to_string()),
            ..good.clone()
        };
        let mut tampered_data = post.data.clone();
        tampered_data[3] ^= 1;
        let tampered = RoomMessage {
            id: 3,
            seqno: 7,
            data: Some(b64_encode(&tampered_data)),
            ..good.clone()
        };
        let unsigned = RoomMessage {
            id: 4,
            seqno: 8,
            signature: None,
            ..good.clone()
        };
        let deleted: RoomMessage =
            serde_json::from_str(r#"{"id":5,"seqno":9,"data":null,"deleted":true}"#).unwrap();
        let reacted: RoomMessage = serde_json::from_str(
            r#"{"id":1,"seqno":10,"reactions":{"👍":{"index":0,"count":2,"reactors":["a"],"you":true}}}"#,
        )
        .unwrap();
        let checked = check_messages(&[good, impersonated, tampered, unsigned, deleted, reacted]);
        assert_eq!(checked.max_seqno, Some(10));
        assert_eq!(checked.updates.len(), 3);
        assert!(matches!(checked.updates[0], MessageUpdate::Post(ref p) if p.id == 1));
        assert_eq!(
            checked.updates[1],
            MessageUpdate::Deleted { id: 5, seqno: 9 }
        );
        assert!(matches!(
            &checked.updates[2],
            MessageUpdate::Reactions { reactions, .. } if reactions["👍"].you
        ));
        let rejected: Vec<(i64, &Error)> =
            checked.rejected.iter().map(|r| (r.id, &r.reason)).collect();
        assert_eq!(rejected.len(), 3);
        assert_eq!(rejected[0], (2, &Error::SignatureInvalid));
        assert_eq!(rejected[1], (3, &Error::SignatureInvalid));
        assert_eq!(rejected[2].0, 4);
    }

    #[test]
    fn answers_and_errors() {
        let caps = capabilities(&["x"]);
        let e = caps
            .parse_response(412, br#"{"capabilities":["sogs"],"missing":["x"]}"#)
            .unwrap_err();
        let Error::Server(se) = e else { panic!() };
        assert_eq!(
            (se.kind, se.missing.clone()),
            (ServerErrorKind::PreconditionFailed, vec!["x".to_owned()])
        );
        assert!(!se.is_retryable());
        let ok = caps
            .parse_response(200, br#"{"capabilities":["blind","reactions","sogs"]}"#)
            .unwrap();
        assert!(ok.requires_blinding() && ok.has("sogs"));
        for (status, kind) in [
            (400, ServerErrorKind::BadRequest),
            (401, ServerErrorKind::Unauthorized),
            (403, ServerErrorKind::Forbidden),
            (404, ServerErrorKind::NotFound),
            (425, ServerErrorKind::TooEarly),
            (429, ServerErrorKind::RateLimited),
            (502, ServerErrorKind::Internal),
            (418, ServerErrorKind::Other),
        ] {
            let Err(Error::Server(e)) = rooms().parse_response(status, &[0xff; 400]) else {
                panic!("{status}")
            };
            assert_eq!(e.kind, kind);
            assert!(e.text.chars().count() <= MAX_ERROR_TEXT);
        }
        assert!(matches!(
            rooms().parse_response(200, b"{}"),
            Err(Error::MalformedResponse(_))
        ));
        assert_eq!(
            inbox(Some(3), None).parse_response(304, b"").unwrap(),
            vec![]
        );
        let r = super::room(&room())
            .parse_response(
                200,
                br#"{"token":"lounge","name":"L","info_updates":3,"message_sequence":9,
                "created":1.5,"active_users":2,"active_users_cutoff":60,"read":true,
                "write":true,"upload":false,"moderators":["15aa"],"admins":[],
                "pinned_messages":[{"id":1,"pinned_at":2.0,"pinned_by":"15aa"}],"image_id":7}"#,
            )
            .unwrap();
        assert_eq!(
            (r.info_updates, r.image_id, r.pinned_messages.len()),
            (3, Some(7), 1)
        );
        assert!(r.read && !r.upload && !r.moderator);
        let p = poll_info(&room(), 3)
            .parse_response(200, br#"{"token":"lounge","active_users":2,"read":true}"#)
            .unwrap();
        assert!(p.details.is_none());
        let m: RoomMessage =
            serde_json::from_str(r#"{"id":1,"seqno":2,"whisper":true,"whisper_mods":1}"#).unwrap();
        assert!(m.whisper && m.whisper_mods);
    }

    #[test]
    fn batch_round_trip() {
        let subs = vec![
            capabilities(&[]).request.to_subrequest(),
            pin(&room(), 3).request.to_subrequest(),
            upload_file(&room(), vec![1, 2, 3], Some("a b.png"))
                .request
                .to_subrequest(),
        ];
        assert_eq!(subs[1].body, SubBody::Json(serde_json::json!({})));
        assert_eq!(subs[2].body, SubBody::Bytes(vec![1, 2, 3]));
        assert_eq!(
            subs[2]
                .headers
                .get("Content-Disposition")
                .map(String::as_str),
            Some("attachment; filename*=UTF-8''a%20b.png")
        );
        let b = batch(&subs);
        assert_eq!(b.request.path, "/batch");
        assert_eq!(parse_batch_request(b.request.body_bytes()).unwrap(), subs);
        assert_eq!(
            subs[2].body_and_type(),
            (vec![1, 2, 3], Some(OCTET_STREAM.into()))
        );
        // Signed requests lose their auth headers as subrequests.
        let signer = RequestSigner::blind15(&Ed25519KeyPair::from_seed(&[1; 32]), &server());
        let signed = rooms().signed(&signer, 1, &[0; 16]);
        assert!(signed.request.is_signed());
        assert!(signed.request.to_subrequest().headers.is_empty());

        // Server-side rules.
        for bad in [
            &br#"{}"#[..],
            br#"[{"method":"get","path":"/x"}]"#,
            br#"[{"method":"GET","path":"x"}]"#,
            br#"[{"method":"POST","path":"/x"}]"#,
            br#"[{"method":"POST","path":"/x","json":1,"b64":""}]"#,
            br#"[{"method":"GET","path":"/x","json":1}]"#,
            br#"[{"method":"PUT","path":"/x","bytes":1}]"#,
            br#"[{"method":"GET","path":"/x","headers":{"a":1}}]"#,
            br#"[1]"#,
        ] {
            assert!(
                parse_batch_request(bad).is_err(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
        let lenient =
            parse_batch_request(br#"[{"method":"POST","path":"/x","b64":"!!"}]"#).unwrap();
        assert_eq!(lenient[0].body, SubBody::Bytes(vec![]));

        // Answers: JSON embedded, bytes base64, 304 empty.
        let items = vec![
            BatchItem::new(200, Some(JSON), br#"{"capabilities":["sogs"]}"#),
            BatchItem::new(200, Some(OCTET_STREAM), &[9, 9]),
            BatchItem::new(304, None, b""),
        ];
        let text = serde_json::to_vec(&items).unwrap();
        let parsed = b.parse_response(200, &text).unwrap();
        assert_eq!(parsed, items);
        assert_eq!(
            capabilities(&[])
                .parse_batch_item(&parsed[0])
                .unwrap()
                .capabilities,
            vec!["sogs"]
        );
        assert_eq!(
            download_file(&room(), 1)
                .parse_batch_item(&parsed[1])
                .unwrap(),
            vec![9, 9]
        );
        assert_eq!(
            inbox(Some(1), None).parse_batch_item(&parsed[2]).unwrap(),
            vec![]
        );
    }

    #[test]
    fn v4_round_trip() {
        let signer = RequestSigner::blind15(&Ed25519KeyPair::from_seed(&[2; 32]), &server());
        let r = add_reaction(&room(), 4, "🎂")
            .unwrap()
            .signed(&signer, 1000, &[3; 16]);
        let parsed = parse_v4_request(&r.request.to_v4()).unwrap();
        assert_eq!(parsed.method, Method::Put);
        assert_eq!(parsed.path, r.request.path);
        assert_eq!(parsed.body, r.request.body);
        assert_eq!(verify(&parsed), Some(signer.session_id()));
        let none = parse_v4_request(&rooms().request.to_v4()).unwrap();
        assert_eq!(none.body, None);
        for bad in [
            &b"le"[..],
            b"l2:{}e",
            br#"l30:{"method":"GET","endpoint":"x"}e"#,
            br#"l31:{"method":"get","endpoint":"/x"}e"#,
            br#"l34:{"method":"GET","endpoint":"/%FF"}e"#,
            br#"l47:{"method":"GET","endpoint":"/x","headers":[1]}e"#,
        ] {
            assert!(
                parse_v4_request(bad).is_err(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
        // Replies.
        let reply = session_onion::encode_v4_response(
            201,
            &Map::new(),
            br#"{"id":3,"posted_at":1.0,"expires_at":2.0,"sender":"15aa","recipient":"15bb"}"#,
        );
        let id: Blinded15Id = format!("15{}", "ab".repeat(32)).parse().unwrap();
        assert_eq!(
            send_inbox(&id, "AA==")
                .parse_v4_response(&reply)
                .unwrap()
                .id,
            3
        );
        assert!(matches!(
            rooms().parse_v4_response(b"x"),
            Err(Error::MalformedV4(_))
        ));
    }

    #[test]
    fn direct_frame_round_trip() {
        use session_onion::{EncType, IncomingLayer, NodeKeys};
        let mut rng = ChaCha20Rng::seed_from_u64(SEED);
        let server_keys = Ed25519KeyPair::generate(&mut rng);
        let node = NodeKeys::from_ed25519_keypair(&server_keys);
        for enc in [EncType::AesGcm, EncType::XChaCha20] {
            let req = rooms();
            let (frame, pending) = req
                .request
                .to_direct_frame(&mut rng, node.public_key(), enc)
                .unwrap();
            let layer = IncomingLayer::parse_frame(&frame).unwrap();
            let (plain, reply_key) = node.open(&layer).unwrap();
            let inner = parse_v4_request(&plain).unwrap();
            assert_eq!((inner.method, inner.path.as_str()), (Method::Get, "/rooms"));
            let reply = session_onion::encode_v4_response(200, &Map::new(), br#"[{"token":"t"}]"#);
            let sealed = reply_key.encrypt(&mut rng, &reply);
            let rooms = req.parse_direct_reply(pending, 200, &sealed).unwrap();
            assert_eq!(rooms[0].token, "t");
        }
        let (_, pending) = rooms()
            .request
            .to_direct_frame(&mut rng, node.public_key(), EncType::AesGcm)
            .unwrap();
        assert!(matches!(
            rooms().parse_direct_reply(pending, 200, b"garbage"),
            Err(Error::MalformedV4(_))
        ));
    }

    #[test]
    fn inbox_dm_round_trip() {
        let mut rng = ChaCha20Rng::seed_from_u64(SEED);
        let alice = Ed25519KeyPair::generate(&mut rng);
        let bob = Ed25519KeyPair::generate(&mut rng);
        let a15 = alice.blind15(&server()).blinded_id();
        let b15 = bob.blind15(&server()).blinded_id();
        let ct = session_protocol::encode_for_community_inbox(
            &mut rng,
            &alice,
            &server(),
            &BlindedId::Blinded15(b15),
            &Content::text("psst", 1),
        )
        .unwrap();
        let send = send_inbox(&b15, &ct);
        assert_eq!(send.request.path, format!("/inbox/{b15}"));
        let dm = DirectMessage {
            id: 1,
            posted_at: 1.0,
            expires_at: 2.0,
            sender: a15.to_string(),
            recipient: b15.to_string(),
            message: ct,
        };
        let (content, from) = dm.decode(&bob, &server()).unwrap();
        assert_eq!(
            (content, from),
            (Content::text("psst", 1), alice.account_id())
        );
        // The sender reads it back from the outbox.
        assert!(dm.decode(&alice, &server()).is_ok());
        let wrong = DirectMessage {
            sender: bob.account_id().to_string(),
            ..dm
        };
        assert_eq!(wrong.decode(&bob, &server()), Err(Error::InvalidPrefix));
    }

    #[test]
    fn file_urls() {
        let base: BaseUrl = "http://127.0.0.2:8080".parse().unwrap();
        let u = file_url(&base, &room(), 42);
        assert_eq!(u, "http://127.0.0.2:8080/room/lounge/file/42");
        assert_eq!(file_id_from_url(&u), Some(42));
        assert_eq!(file_id_from_url("http://h/room/x/files/42"), None);
        assert_eq!(file_id_from_url("http://h/room/x/file/4x"), None);
        assert_eq!(
            upload_file(&room(), vec![], None)
                .request
                .header("content-type"),
            Some(OCTET_STREAM)
        );
    }
}
