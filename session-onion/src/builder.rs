//! The client side: build an onion request through a path of service nodes to a service node
//! or an HTTP server (spec `onion.md` §3.3).

use std::collections::BTreeMap;

use rand_core::{CryptoRng, RngCore};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::frame::{encode_frame, sorted_json};
use crate::hop::{EncType, LayerKey};
use crate::node::{MAX_HOPS, MAX_REQUEST_SIZE, Protocol, is_target_allowed};
use crate::response::{PendingResponse, ReplyFormat};
use session_identity::{Ed25519PublicKey, X25519PublicKey, X25519SecretKey};

/// A service node as a path hop or destination: its Ed25519 identity (how the previous hop
/// addresses it) and its X25519 key (what its layer is encrypted to).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Hop {
    ed25519: Ed25519PublicKey,
    x25519: X25519PublicKey,
}

impl Hop {
    /// A node from both of its keys (oxend lists `pubkey_x25519`, or convert the Ed25519 key).
    #[must_use]
    pub fn new(ed25519: Ed25519PublicKey, x25519: X25519PublicKey) -> Self {
        Self { ed25519, x25519 }
    }
    /// A node from its Ed25519 identity alone, converting it to X25519 as clients do
    /// (libsodium `crypto_sign_ed25519_pk_to_curve25519`).
    ///
    /// # Errors
    /// [`Error::InvalidPoint`] when the key is not a valid Ed25519 point.
    pub fn from_ed25519(ed25519: Ed25519PublicKey) -> Result<Self> {
        Ok(Self {
            ed25519,
            x25519: ed25519.to_x25519()?,
        })
    }
    /// The Ed25519 identity.
    #[must_use]
    pub fn ed25519(&self) -> &Ed25519PublicKey {
        &self.ed25519
    }
    /// The X25519 key.
    #[must_use]
    pub fn x25519(&self) -> &X25519PublicKey {
        &self.x25519
    }
}

/// An HTTP server reached through the last hop (community server, file server, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerDestination {
    host: String,
    target: String,
    method: String,
    protocol: Protocol,
    port: u16,
    x25519: X25519PublicKey,
}

impl ServerDestination {
    /// `https://host:443/oxen/v4/lsrpc` with the server's published X25519 key; requests use
    /// `POST`.
    #[must_use]
    pub fn new(host: impl Into<String>, x25519: X25519PublicKey) -> Self {
        Self {
            host: host.into(),
            target: "/oxen/v4/lsrpc".into(),
            method: "POST".into(),
            protocol: Protocol::Https,
            port: 443,
            x25519,
        }
    }
    /// Sets the protocol and its default port (443 for https, 80 for http); call
    /// [`ServerDestination::port`] afterwards for another port.
    #[must_use]
    pub fn protocol(mut self, protocol: Protocol) -> Self {
        self.protocol = protocol;
        self.port = match protocol {
            Protocol::Http => 80,
            Protocol::Https => 443,
        };
        self
    }
    /// Sets the port.
    #[must_use]
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }
    /// Sets the target path (`/oxen/v4/lsrpc` by default; `/loki/v3/lsrpc` or `/oxen/v3/lsrpc`
    /// for the legacy v3 API). A target ending in `/v4/lsrpc` expects v4 replies, any other v3.
    #[must_use]
    pub fn target(mut self, target: impl Into<String>) -> Self {
        self.target = target.into();
        self
    }
    /// Sets the HTTP method the last hop is told to use (nodes always POST; informative).
    #[must_use]
    pub fn method(mut self, method: impl Into<String>) -> Self {
        self.method = method.into();
        self
    }
    fn format(&self) -> ReplyFormat {
        if self.target.ends_with("/v4/lsrpc") {
            ReplyFormat::ServerV4
        } else {
            ReplyFormat::ServerV3
        }
    }
}

/// Where the request ends.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Destination {
    /// A service node running a storage RPC request (payload: `{"method","params"}` JSON).
    ServiceNode(Hop),
    /// An HTTP server (payload: v4 bencoded or v3 JSON request, see [`crate::HttpRequest`]).
    Server(ServerDestination),
}

impl Destination {
    fn x25519(&self) -> &X25519PublicKey {
        match self {
            Destination::ServiceNode(n) => &n.x25519,
            Destination::Server(s) => &s.x25519,
        }
    }
}

/// Builds one onion request. Every layer gets its own fresh ephemeral X25519 key, used once and
/// dropped; only the destination layer's derived key is kept, in the [`PendingResponse`].
#[derive(Debug, Clone)]
pub struct OnionRequestBuilder {
    path: Vec<Hop>,
    destination: Destination,
    payload: Vec<u8>,
    enc_type: EncType,
    base64_reply: bool,
}

/// Secret values of one layer: ephemeral secret and nonce.
type LayerSecrets = (X25519SecretKey, Vec<u8>);

fn fresh_layer(rng: &mut (impl CryptoRng + RngCore), enc_type: EncType) -> LayerSecrets {
    let mut nonce = vec![0u8; enc_type.nonce_len()];
    rng.fill_bytes(&mut nonce);
    (X25519SecretKey::generate(rng), nonce)
}

impl OnionRequestBuilder {
    /// A request carrying `payload` to `destination` through `path` (guard node first), using
    /// xchacha20 like libsession (see [`OnionRequestBuilder::enc_type`]).
    #[must_use]
    pub fn new(path: Vec<Hop>, destination: Destination, payload: impl Into<Vec<u8>>) -> Self {
        Self {
            path,
            destination,
            payload: payload.into(),
            enc_type: EncType::XChaCha20,
            base64_reply: true,
        }
    }

    /// Chooses the cipher of every layer: [`EncType::XChaCha20`] (default) or
    /// [`EncType::AesGcm`] (what Session Desktop uses).
    #[must_use]
    pub fn enc_type(mut self, enc_type: EncType) -> Self {
        self.enc_type = enc_type;
        self
    }

    /// For a service-node destination: whether its encrypted reply comes base64-encoded (the
    /// default, needed over HTTPS) or as raw bytes (`"base64": false`, fine over QUIC). The
    /// [`PendingResponse`] reads either.
    #[must_use]
    pub fn base64_reply(mut self, base64: bool) -> Self {
        self.base64_reply = base64;
        self
    }

    fn check(&self) -> Result<()> {
        if self.enc_type == EncType::AesCbc {
            return Err(Error::UnsupportedEncType);
        }
        if self.path.is_empty() || self.path.len() > MAX_HOPS as usize {
            return Err(Error::TooManyHops);
        }
        if let Destination::Server(s) = &self.destination {
            if !is_target_allowed(&s.target) {
                return Err(Error::InvalidUrl);
            }
        }
        Ok(())
    }

    /// Builds the request body for the first hop (`LE32 ‖ C_1 ‖ {"enc_type","ephemeral_key"}`)
    /// and the state that reads the reply.
    ///
    /// # Errors
    /// [`Error::UnsupportedEncType`] for aes-cbc; [`Error::TooManyHops`] for an empty path or one
    /// longer than 15; [`Error::InvalidUrl`] for a server target nodes refuse;
    /// [`Error::TooLarge`] when the request would exceed 10 MiB; [`Error::InvalidPoint`] for a
    /// degenerate node key.
    pub fn build(
        &self,
        rng: &mut (impl CryptoRng + RngCore),
    ) -> Result<(Vec<u8>, PendingResponse)> {
        self.check()?;
        let t = self.enc_type;
        let destination = fresh_layer(rng, t);
        let path: Vec<LayerSecrets> = self.path.iter().map(|_| fresh_layer(rng, t)).collect();
        self.build_core(destination, path)
    }

    /// Deterministic core of [`OnionRequestBuilder::build`]: the destination layer's and each
    /// hop's (guard first) ephemeral secret and nonce are given.
    ///
    /// # Errors
    /// As [`OnionRequestBuilder::build`]; [`Error::InvalidLength`] when the number of hop
    /// secrets differs from the path length or a nonce has the wrong length.
    #[cfg(feature = "testing")]
    pub fn build_deterministic_for_testing(
        &self,
        destination: (X25519SecretKey, Vec<u8>),
        path: Vec<(X25519SecretKey, Vec<u8>)>,
    ) -> Result<(Vec<u8>, PendingResponse)> {
        self.check()?;
        self.build_core(destination, path)
    }

    fn build_core(
        &self,
        destination: LayerSecrets,
        path: Vec<LayerSecrets>,
    ) -> Result<(Vec<u8>, PendingResponse)> {
        if path.len() != self.path.len() {
            return Err(Error::InvalidLength);
        }
        let t = self.enc_type;
        let (d_secret, d_nonce) = destination;
        let (inner, mut route, format, dest_ed) = match &self.destination {
            Destination::ServiceNode(n) => {
                let mut headers = BTreeMap::new();
                headers.insert("headers", Value::from(""));
                if !self.base64_reply {
                    headers.insert("base64", Value::from(false));
                }
                let inner = encode_frame(&self.payload, &sorted_json(headers))?;
                let mut route = BTreeMap::new();
                route.insert("destination", Value::from(n.ed25519.to_string()));
                (inner, route, ReplyFormat::ServiceNode, Some(n.ed25519))
            }
            Destination::Server(s) => {
                let mut route = BTreeMap::new();
                route.insert("host", Value::from(s.host.clone()));
                route.insert("method", Value::from(s.method.clone()));
                route.insert("port", Value::from(s.port));
                route.insert("protocol", Value::from(s.protocol.as_str()));
                route.insert("target", Value::from(s.target.clone()));
                (self.payload.clone(), route, s.format(), None)
            }
        };
        let mut ephemeral = d_secret.public_key();
        let pending = PendingResponse::new(
            t,
            &d_secret,
            &ephemeral,
            self.destination.x25519(),
            format,
            dest_ed,
        )?;
        let mut ciphertext = pending.layer_key().seal(&d_nonce, &inner)?;
        drop(d_secret);
        for (hop, (secret, nonce)) in self.path.iter().zip(path).rev() {
            route.insert("enc_type", Value::from(t.as_str()));
            route.insert("ephemeral_key", Value::from(ephemeral.to_string()));
            let data = zeroize::Zeroizing::new(encode_frame(&ciphertext, &sorted_json(route))?);
            ephemeral = secret.public_key();
            let shared = secret.diffie_hellman(&hop.x25519)?;
            drop(secret);
            let key = LayerKey::from_shared(t, &shared, &ephemeral, &hop.x25519);
            ciphertext = key.seal(&nonce, &data)?;
            route = BTreeMap::new();
            route.insert("destination", Value::from(hop.ed25519.to_string()));
            if ciphertext.len() > MAX_REQUEST_SIZE {
                return Err(Error::TooLarge);
            }
        }
        let mut outer = BTreeMap::new();
        outer.insert("enc_type", Value::from(t.as_str()));
        outer.insert("ephemeral_key", Value::from(ephemeral.to_string()));
        let request = encode_frame(&ciphertext, &sorted_json(outer))?;
        if request.len() > MAX_REQUEST_SIZE {
            return Err(Error::TooLarge);
        }
        Ok((request, pending))
    }
}
