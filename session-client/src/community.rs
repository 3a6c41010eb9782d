//! Communities (Session Open Group Servers) on the network: a room handle that polls, posts,
//! reacts and deletes, and the blinded-DM inbox of a server (`community.md`).
//!
//! Everything protocol-shaped — join URLs, `X-SOGS-*` signing, post signatures and their
//! checks, typed requests and answers, the batch poller — is `session-community`'s; this
//! module only carries its requests: by default inside onion requests through a 3-hop path of
//! the client's pool to the server's `/oxen/v4/lsrpc` (what the Session apps do), or
//! [`Via::Direct`] as the same encrypted v4 frame POSTed straight to the server.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use futures_util::Stream;
use http_body_util::Full;
use hyper_util::rt::TokioIo;
use rand_core::OsRng;
use rustls::pki_types::ServerName;
use session_community::api::{self, ApiRequest, Capabilities, FromResponse, MessageUpdate};
use session_community::auth::KeyKind;
use session_community::poll::{PollOutcome, Poller, Start};
use session_community::url::Scheme;
use session_community::{BaseUrl, Community, Request, RequestSigner, RoomToken};
use session_identity::{AccountId, Blinded15Id, SessionId};
use session_onion::{Protocol, ServerDestination};
use session_protocol::BlindedId;
use session_protocol::proto::{Content, LokiProfile};
use tokio_rustls::TlsConnector;
use tracing::Instrument as _;

use crate::client::{Client, Polled, poll_stream};
use crate::error::{Error, Result, TransportError};

pub use session_community::api::{
    PollInfo, Reaction, RejectedMessage, Room as RoomInfo, ServerError, ServerErrorKind,
};

/// Largest answer read from a server directly.
const MAX_DIRECT_ANSWER: usize = 16 * 1024 * 1024;
/// Timeout of one direct request.
const DIRECT_TIMEOUT: Duration = Duration::from_secs(20);

/// How requests reach a community server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Via {
    /// Inside onion requests through a 3-hop path of the client's pool to the server's
    /// `/oxen/v4/lsrpc` (the default, what the Session apps do): the server never sees the
    /// client's address and the nodes never see the request.
    #[default]
    Onion,
    /// Directly, for servers the user runs: the same encrypted v4 frame POSTed to
    /// `<base URL>/oxen/v4/lsrpc` (`community.md` §5 "direct frame"), over HTTP or HTTPS as
    /// the URL says. The request's content is hidden from observers even over plain HTTP, but
    /// not the client's address. HTTPS certificates are checked against the system's roots
    /// (`SSL_CERT_FILE` overrides the file) or [`RoomOptions::tls_config`].
    Direct,
}

/// Options of [`Client::community_with`].
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct RoomOptions {
    /// How requests travel (default: onion paths).
    pub via: Via,
    /// The key that authenticates requests; `None` (default) = 15-blinded when the server has
    /// the `blind` capability, else the unblinded key (`community.md` §4.3).
    pub key: Option<KeyKind>,
    /// Where reading starts (default: the most recent messages, then everything newer).
    pub start: Start,
    /// The TLS configuration of [`Via::Direct`] to an `https://` server (default: the
    /// system's roots), e.g. `session_net::roots_client_config(own_ca_pem)`.
    pub tls: Option<Arc<rustls::ClientConfig>>,
}

impl RoomOptions {
    /// Requests go directly to the server ([`Via::Direct`]).
    #[must_use]
    pub fn direct(mut self) -> Self {
        self.via = Via::Direct;
        self
    }
    /// Authenticate with this kind of key instead of the server's preference.
    #[must_use]
    pub fn key(mut self, key: KeyKind) -> Self {
        self.key = Some(key);
        self
    }
    /// Start reading here ([`Start::Seqno`]`(0)` = the room's whole history).
    #[must_use]
    pub fn start(mut self, start: Start) -> Self {
        self.start = start;
        self
    }
    /// Direct requests to an `https://` server check its certificate with this configuration
    /// instead of the system's roots.
    #[must_use]
    pub fn tls_config(mut self, config: Arc<rustls::ClientConfig>) -> Self {
        self.tls = Some(config);
        self
    }
}

/// What names a community: a join URL (`http://host:port/room?public_key=…`) or a parsed
/// [`Community`].
pub trait ToCommunity {
    /// The community.
    ///
    /// # Errors
    /// [`Error::Community`] with `InvalidUrl` for a malformed join URL.
    fn to_community(&self) -> Result<Community>;
}

impl ToCommunity for str {
    fn to_community(&self) -> Result<Community> {
        Ok(self.parse()?)
    }
}

impl ToCommunity for String {
    fn to_community(&self) -> Result<Community> {
        self.as_str().to_community()
    }
}

impl ToCommunity for Community {
    fn to_community(&self) -> Result<Community> {
        Ok(self.clone())
    }
}

/// A post in a room whose signature verified against its author (`community.md` §3.3).
/// `Debug` omits the text and content (user data).
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct RoomMessage {
    /// Room-wide message id.
    pub id: i64,
    /// The room's sequence number of this change (post or edit).
    pub seqno: i64,
    /// The author: a `15…` blinded id (or `05…` on servers without blinding), authenticated
    /// by the post's signature.
    pub author: SessionId,
    /// Post time (unix seconds).
    pub posted: f64,
    /// Edit time, if edited.
    pub edited: Option<f64>,
    /// The text (`DataMessage.body`), if any.
    pub text: Option<String>,
    /// The author's display name, if the post carries one.
    pub display_name: Option<String>,
    /// The whole decoded `Content`.
    pub content: Content,
    /// Reactions by emoji.
    pub reactions: BTreeMap<String, Reaction>,
}

impl std::fmt::Debug for RoomMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RoomMessage")
            .field("id", &self.id)
            .field("seqno", &self.seqno)
            .field("author", &self.author)
            .field("posted", &self.posted)
            .field("reactions", &self.reactions.len())
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for InboxMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InboxMessage")
            .field("id", &self.id)
            .field("sender", &self.sender)
            .field("sender_account", &self.sender_account)
            .field("posted", &self.posted)
            .finish_non_exhaustive()
    }
}

impl From<api::VerifiedPost> for RoomMessage {
    fn from(p: api::VerifiedPost) -> Self {
        let data = p.content.data_message.as_ref();
        Self {
            id: p.id,
            seqno: p.seqno,
            author: p.author,
            posted: p.posted,
            edited: p.edited,
            text: p.content.text_body().map(str::to_owned),
            display_name: data
                .and_then(|d| d.profile.as_ref())
                .and_then(|p| p.display_name.clone()),
            reactions: p.reactions,
            content: p.content,
        }
    }
}

/// Everything one poll of a room brought.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct RoomUpdates {
    /// New and edited posts, authentic ones only, oldest first.
    pub messages: Vec<RoomMessage>,
    /// Ids of deleted messages.
    pub deleted: Vec<i64>,
    /// Reaction-only changes: message id and its reactions now.
    pub reactions: Vec<(i64, BTreeMap<String, Reaction>)>,
    /// Posts dropped because their signature did not verify (or they did not decode): never
    /// shown as authentic, reported here.
    pub rejected: Vec<RejectedMessage>,
    /// The room's `pollInfo` (with `details` when the room's info changed).
    pub info: Option<PollInfo>,
}

/// A blinded DM received in a server's inbox (`community.md` §3.7, `protocol.md` §2).
/// `Debug` omits the text and content (user data).
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct InboxMessage {
    /// Server-wide DM id.
    pub id: i64,
    /// The sender's blinded id on this server (answer to it with [`Inbox::send`]).
    pub sender: Blinded15Id,
    /// The sender's Account ID, authenticated by the ciphertext.
    pub sender_account: AccountId,
    /// Post time (unix seconds).
    pub posted: f64,
    /// The text, if any.
    pub text: Option<String>,
    /// The whole decoded `Content`.
    pub content: Content,
}

/// One community server as this client talks to it: where, with which key, by which route.
struct Server {
    client: Client,
    community: Community,
    signer: RequestSigner,
    via: Via,
    destination: ServerDestination,
    capabilities: Capabilities,
    /// For direct requests to an `https://` server.
    tls: Option<TlsConnector>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("base_url", &self.community.base_url.to_string())
            .field("key", &self.signer.kind())
            .field("via", &self.via)
            .finish_non_exhaustive()
    }
}

impl Server {
    /// Fetches the capabilities and picks the key: `force` if given, else 15-blinded when the
    /// server has `blind` and unblinded otherwise.
    async fn connect(
        client: &Client,
        community: Community,
        via: Via,
        force: Option<KeyKind>,
        tls: Option<Arc<rustls::ClientConfig>>,
    ) -> Result<Self> {
        let pk = community.server_x25519;
        let base = &community.base_url;
        let tls = match (via, base.scheme()) {
            (Via::Direct, Scheme::Https) => {
                let config = match tls {
                    Some(c) => c,
                    None => session_net::system_roots_client_config()
                        .map_err(|e| Error::TlsConfig(e.to_string()))?,
                };
                Some(TlsConnector::from(config))
            }
            _ => None,
        };
        let protocol = match base.scheme() {
            Scheme::Http => Protocol::Http,
            _ => Protocol::Https,
        };
        let destination = ServerDestination::new(base.host(), pk)
            .protocol(protocol)
            .port(base.port());
        let mut server = Self {
            client: client.clone(),
            signer: RequestSigner::blind15(client.identity(), &pk),
            community,
            via,
            destination,
            capabilities: Capabilities {
                capabilities: Vec::new(),
                missing: None,
            },
            tls,
        };
        // Anonymous, as the apps do before they know which key the server wants.
        server.capabilities = server.call(&api::capabilities(&[]), false).await?;
        let kind = force.unwrap_or(if server.capabilities.requires_blinding() {
            KeyKind::Blind15
        } else {
            KeyKind::Unblinded
        });
        server.signer = RequestSigner::new(kind, client.identity(), &pk);
        Ok(server)
    }

    fn now_s(&self) -> u64 {
        self.client.network_now_ms() / 1000
    }

    /// Sends `request` (signed with a fresh nonce for every attempt when `sign`) and parses
    /// the answer.
    async fn call<T: FromResponse>(&self, request: &ApiRequest<T>, sign: bool) -> Result<T> {
        let (status, body) = self.exchange(&request.request, sign).await?;
        Ok(request.parse_response(status, &body)?)
    }

    /// Sends `request` by the server's route; returns the status and body of the server's
    /// answer.
    async fn exchange(&self, request: &Request, sign: bool) -> Result<(u16, Vec<u8>)> {
        self.client.check_open()?;
        // Paths carry user data (blinded ids, message ids): the span names the method only.
        let span = tracing::debug_span!(
            "community",
            method = request.method.as_str(),
            via = ?self.via
        );
        self.exchange_inner(request, sign).instrument(span).await
    }

    async fn exchange_inner(&self, request: &Request, sign: bool) -> Result<(u16, Vec<u8>)> {
        let prepare = || {
            let mut r = request.clone();
            if sign {
                r.sign_with_rng(&mut OsRng, &self.signer, self.now_s());
            }
            r
        };
        match self.via {
            Via::Onion => {
                self.client
                    .server_request(&self.destination, || prepare().to_v4())
                    .await
            }
            Via::Direct => {
                let (frame, pending) = prepare().to_direct_frame(
                    &mut OsRng,
                    &self.community.server_x25519,
                    self.client.enc_type(),
                )?;
                let (status, body) =
                    post_direct(&self.community.base_url, self.tls.as_ref(), frame).await?;
                let reply = pending.open_reply(status, &body)?;
                Ok((reply.code, reply.body))
            }
        }
    }
}

/// `POST <base>/oxen/v4/lsrpc` over HTTP, or HTTPS with `tls` (one connection per request).
async fn post_direct(
    base: &BaseUrl,
    tls: Option<&TlsConnector>,
    frame: Vec<u8>,
) -> Result<(u16, Vec<u8>)> {
    let tls = match (base.scheme(), tls) {
        (Scheme::Http, _) => None,
        (_, Some(t)) => Some(t),
        (_, None) => {
            return Err(Error::InvalidInput(
                "an https:// server needs a TLS configuration".into(),
            ));
        }
    };
    let host = match base.explicit_port() {
        Some(p) => format!("{}:{p}", base.host()),
        None => base.host().to_owned(),
    };
    let request = hyper::Request::post("/oxen/v4/lsrpc")
        .header(hyper::header::HOST, host)
        .header(hyper::header::CONTENT_TYPE, "application/octet-stream")
        .body(Full::new(Bytes::from(frame)))
        .map_err(|e| Error::InvalidInput(format!("bad server address: {e}")))?;
    let exchange = async {
        let tcp = tokio::net::TcpStream::connect((base.host(), base.port()))
            .await
            .map_err(TransportError::Connect)?;
        let _ = tcp.set_nodelay(true);
        match tls {
            None => send_on(TokioIo::new(tcp), request).await,
            Some(connector) => {
                let name = ServerName::try_from(base.host().to_owned())
                    .map_err(|_| TransportError::Resolve(base.host().to_owned()))?;
                let stream = connector
                    .connect(name, tcp)
                    .await
                    .map_err(TransportError::Tls)?;
                send_on(TokioIo::new(stream), request).await
            }
        }
    };
    Ok(tokio::time::timeout(DIRECT_TIMEOUT, exchange)
        .await
        .map_err(|_| TransportError::Timeout)??)
}

/// One HTTP/1.1 exchange on a fresh connection.
async fn send_on<IO>(
    io: IO,
    request: hyper::Request<Full<Bytes>>,
) -> std::result::Result<(u16, Vec<u8>), TransportError>
where
    IO: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let (mut sender, connection) = hyper::client::conn::http1::handshake(io)
        .await
        .map_err(TransportError::Http)?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::trace!(error = %e, "community connection closed");
        }
    });
    let response = sender
        .send_request(request)
        .await
        .map_err(TransportError::Http)?;
    let status = response.status().as_u16();
    let body = crate::transport::read_body(response.into_body(), MAX_DIRECT_ANSWER).await?;
    Ok((status, body.to_vec()))
}

/// A room of a community server, joined with [`Client::community`]. Cheap to clone; clones
/// share the reading position.
///
/// ```no_run
/// # async fn demo(client: session_client::Client) -> Result<(), session_client::Error> {
/// let room = client
///     .community("http://127.0.0.2:8080/lounge?public_key=a03c383cf63c3c4efe67acc52112a6dd734b3a946b9545f488aaa93da7991238")
///     .await?;
/// let id = room.post("hello room").await?;
/// for m in room.poll().await? {
///     println!("{} {}: {:?}", m.id, m.author, m.text);
/// }
/// room.react(id, "👍").await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Room {
    server: Arc<Server>,
    poller: Arc<Mutex<Poller>>,
    rejected: Arc<AtomicU64>,
}

impl Polled for Room {
    type Item = RoomMessage;
    fn is_open(&self) -> bool {
        self.server.client.check_open().is_ok()
    }
    fn poll_round(&self) -> impl Future<Output = Result<Vec<RoomMessage>>> + Send {
        self.poll()
    }
}

impl std::fmt::Debug for Room {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Room")
            .field("room", &self.token().as_str())
            .field("server", &self.server)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Joins a room: fetches the server's capabilities (picking the 15-blinded key when it has
    /// `blind`) and the room, through onion paths. `url`: a join URL or a [`Community`].
    ///
    /// # Errors
    /// [`Error::Community`] for a malformed URL or the server's refusal (404 for an unknown
    /// room …); the network errors of [`Client::send`].
    pub async fn community(&self, url: &(impl ToCommunity + ?Sized)) -> Result<Room> {
        self.community_with(url, RoomOptions::default()).await
    }

    /// [`Client::community`] with options (direct transport, key kind, start position).
    ///
    /// # Errors
    /// As [`Client::community`].
    pub async fn community_with(
        &self,
        url: &(impl ToCommunity + ?Sized),
        options: RoomOptions,
    ) -> Result<Room> {
        let community = url.to_community()?;
        let token = community.room.clone();
        let server =
            Server::connect(self, community, options.via, options.key, options.tls).await?;
        let room = Room {
            server: Arc::new(server),
            poller: Arc::new(Mutex::new(Poller::new(false))),
            rejected: Arc::new(AtomicU64::new(0)),
        };
        room.info().await?;
        room.poller().add_room(token, options.start);
        Ok(room)
    }

    /// The blinded-DM inbox of a community's server (always with the 15-blinded key: inboxes
    /// need one). `url`: a join URL or a [`Community`] (its room is not used).
    ///
    /// # Errors
    /// As [`Client::community`].
    pub async fn community_inbox(&self, url: &(impl ToCommunity + ?Sized)) -> Result<Inbox> {
        self.community_inbox_with(url, RoomOptions::default()).await
    }

    /// [`Client::community_inbox`] with options (the route and TLS configuration; the key is
    /// always the 15-blinded one, the start position does not apply).
    ///
    /// # Errors
    /// As [`Client::community`].
    pub async fn community_inbox_with(
        &self,
        url: &(impl ToCommunity + ?Sized),
        options: RoomOptions,
    ) -> Result<Inbox> {
        let community = url.to_community()?;
        let key = Some(KeyKind::Blind15);
        let server = Server::connect(self, community, options.via, key, options.tls).await?;
        Ok(Inbox::new(Arc::new(server)))
    }
}

impl Room {
    fn poller(&self) -> MutexGuard<'_, Poller> {
        self.poller.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn token(&self) -> &RoomToken {
        &self.server.community.room
    }

    /// The community (server and room).
    #[must_use]
    pub fn community(&self) -> &Community {
        &self.server.community
    }

    /// This account's id in the room (`15…` on servers with blinding): the `author` of its
    /// posts.
    #[must_use]
    pub fn session_id(&self) -> SessionId {
        self.server.signer.session_id()
    }

    /// The server's capabilities when the room was joined.
    #[must_use]
    pub fn capabilities(&self) -> &Capabilities {
        &self.server.capabilities
    }

    /// The seqno read up to (`None` before the first poll of a [`Start::Recent`] room).
    #[must_use]
    pub fn seqno(&self) -> Option<i64> {
        self.poller().seqno(self.token())
    }

    /// Reads from here on: the next poll returns every change after `seqno` (`0` = the
    /// room's whole history; the room's `message_sequence` = only what comes next).
    pub fn since(&self, seqno: i64) {
        let mut p = self.poller();
        p.remove_room(self.token());
        p.add_room(self.token().clone(), Start::Seqno(seqno));
    }

    /// Posts dropped so far because their signature did not verify.
    #[must_use]
    pub fn rejected_count(&self) -> u64 {
        self.rejected.load(Ordering::Relaxed)
    }

    /// The room (`GET /room/T`): name, description, `message_sequence`, permissions, ….
    ///
    /// # Errors
    /// [`Error::Community`] with the server's refusal; the network errors.
    pub async fn info(&self) -> Result<RoomInfo> {
        self.server.call(&api::room(self.token()), true).await
    }

    /// One poll (one `/batch` with `pollInfo` and the messages since the last seqno): new and
    /// edited posts (each post's signature verified; failing ones dropped and reported),
    /// deletions, reaction changes. Advances the reading position.
    ///
    /// # Errors
    /// [`Error::Community`] when the server refuses the batch or the room's messages (403
    /// without read permission …); the network errors.
    pub async fn poll_updates(&self) -> Result<RoomUpdates> {
        let round = self.poller().round();
        let (status, body) = self.server.exchange(&round.request.request, true).await?;
        let outcome: PollOutcome = self.poller().handle(&round, status, &body)?;
        let messages_failed = outcome
            .errors
            .into_iter()
            .find(|(what, _)| what.starts_with("messages"));
        if let Some((_, e)) = messages_failed {
            return Err(e.into());
        }
        let mut updates = RoomUpdates::default();
        for news in outcome.rooms {
            updates.info = news.info;
            for u in news.messages.updates {
                match u {
                    MessageUpdate::Post(p) => updates.messages.push(RoomMessage::from(*p)),
                    MessageUpdate::Deleted { id, .. } => updates.deleted.push(id),
                    MessageUpdate::Reactions { id, reactions, .. } => {
                        updates.reactions.push((id, reactions));
                    }
                    _ => {}
                }
            }
            for r in &news.messages.rejected {
                tracing::warn!(id = r.id, reason = %r.reason, "dropped a post that is not authentic");
            }
            self.rejected.fetch_add(
                u64::try_from(news.messages.rejected.len()).unwrap_or(u64::MAX),
                Ordering::Relaxed,
            );
            updates.rejected.extend(news.messages.rejected);
        }
        Ok(updates)
    }

    /// One poll: the new and edited posts whose signature verified (see
    /// [`Room::poll_updates`] for deletions, reactions and the dropped posts; their count is
    /// in [`Room::rejected_count`]).
    ///
    /// # Errors
    /// As [`Room::poll_updates`].
    pub async fn poll(&self) -> Result<Vec<RoomMessage>> {
        Ok(self.poll_updates().await?.messages)
    }

    /// A stream of new posts, polling every `interval`; a failed round yields the error and
    /// the stream goes on; it ends after [`Client::shutdown`].
    pub fn messages(
        &self,
        interval: Duration,
    ) -> impl Stream<Item = Result<RoomMessage>> + Send + 'static {
        poll_stream(self.clone(), interval)
    }

    /// Posts a text (with the client's display name); returns the message id.
    ///
    /// # Errors
    /// As [`Room::post_text`].
    pub async fn post(&self, text: &str) -> Result<i64> {
        Ok(self.post_text(text).await?.id)
    }

    /// Posts a text (with the client's display name); returns the post as the server stored
    /// it (id, seqno, time), its signature checked.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for an empty text; as [`Room::post_content`].
    pub async fn post_text(&self, text: &str) -> Result<RoomMessage> {
        if text.is_empty() {
            return Err(Error::InvalidInput("empty message".into()));
        }
        let content = text_content(&self.server.client, text);
        self.post_content(&content).await
    }

    /// Posts any `Content` (padded and signed as the apps do); returns the post as the server
    /// stored it, its signature checked.
    ///
    /// # Errors
    /// [`Error::Community`]: the server's refusal (403 without write permission, 429 when
    /// posting too fast …) or an answer whose signature does not verify; the network errors.
    pub async fn post_content(&self, content: &Content) -> Result<RoomMessage> {
        let client = &self.server.client;
        let post = api::NewPost::new(&mut OsRng, &self.server.signer, client.identity(), content)?;
        let stored = self
            .server
            .call(&api::post_message(self.token(), &post), true)
            .await?;
        match stored.verify() {
            Ok(MessageUpdate::Post(p)) => Ok(RoomMessage::from(*p)),
            Ok(_) => Err(session_community::Error::MalformedResponse(
                "the posted message came back without content".into(),
            )
            .into()),
            Err(r) => Err(r.reason.into()),
        }
    }

    /// Adds a reaction (1–12 code points) to a message; `false` if it was there already.
    ///
    /// # Errors
    /// [`Error::Community`] with `InvalidReaction` or the server's refusal; the network errors.
    pub async fn react(&self, id: i64, emoji: &str) -> Result<bool> {
        let request = api::add_reaction(self.token(), id, emoji)?;
        Ok(self.server.call(&request, true).await?.added)
    }

    /// Removes this account's reaction; `false` if there was none.
    ///
    /// # Errors
    /// As [`Room::react`].
    pub async fn unreact(&self, id: i64, emoji: &str) -> Result<bool> {
        let request = api::remove_reaction(self.token(), id, emoji)?;
        Ok(self.server.call(&request, true).await?.removed)
    }

    /// Deletes a message (own posts; any post for moderators).
    ///
    /// # Errors
    /// [`Error::Community`] with 403 (not the author) or 404; the network errors.
    pub async fn delete(&self, id: i64) -> Result<()> {
        self.server
            .call(&api::delete_message(self.token(), id), true)
            .await?;
        Ok(())
    }

    /// Sends any request of `session_community::api` this handle does not wrap (edit, pins,
    /// files, reactors, other rooms …), signed with this room's key and by its route, and
    /// parses the answer.
    ///
    /// ```no_run
    /// # async fn demo(room: session_client::Room) -> Result<(), session_client::Error> {
    /// use session_community::api;
    /// let rooms = room.request(&api::rooms()).await?;
    /// println!("{} rooms on this server", rooms.len());
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::Community`] with the server's refusal or a malformed answer; the network
    /// errors.
    pub async fn request<T: FromResponse>(&self, request: &ApiRequest<T>) -> Result<T> {
        self.server.call(request, true).await
    }

    /// The blinded-DM inbox of this room's server, by the same route (needs the 15-blinded
    /// key: a room joined with another key gets a 15-blinded inbox of its own).
    #[must_use]
    pub fn inbox(&self) -> Inbox {
        let s = &self.server;
        if s.signer.kind() == KeyKind::Blind15 {
            return Inbox::new(Arc::clone(s));
        }
        let pk = s.community.server_x25519;
        Inbox::new(Arc::new(Server {
            client: s.client.clone(),
            community: s.community.clone(),
            signer: RequestSigner::blind15(s.client.identity(), &pk),
            via: s.via,
            destination: s.destination.clone(),
            capabilities: s.capabilities.clone(),
            tls: s.tls.clone(),
        }))
    }
}

/// A text `Content` (`Content::text`) with the client's display name, as the apps post it.
fn text_content(client: &Client, text: &str) -> Content {
    let mut content = Content::text(text, client.network_now_ms());
    if let (Some(name), Some(data)) = (client.display_name(), content.data_message.as_mut()) {
        data.profile = Some(LokiProfile {
            display_name: Some(name.to_owned()),
            profile_picture: None,
        });
    }
    content
}

/// The blinded-DM inbox of one community server ([`Client::community_inbox`],
/// [`Room::inbox`]). Cheap to clone; clones share the reading position.
#[derive(Clone)]
pub struct Inbox {
    server: Arc<Server>,
    since: Arc<Mutex<Option<i64>>>,
    rejected: Arc<AtomicU64>,
}

impl Polled for Inbox {
    type Item = InboxMessage;
    fn is_open(&self) -> bool {
        self.server.client.check_open().is_ok()
    }
    fn poll_round(&self) -> impl Future<Output = Result<Vec<InboxMessage>>> + Send {
        self.poll()
    }
}

impl std::fmt::Debug for Inbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inbox")
            .field("server", &self.server)
            .finish_non_exhaustive()
    }
}

impl Inbox {
    fn new(server: Arc<Server>) -> Self {
        Self {
            server,
            since: Arc::new(Mutex::new(None)),
            rejected: Arc::new(AtomicU64::new(0)),
        }
    }

    /// DMs dropped so far because they did not come from a `15…` sender or did not decrypt
    /// and authenticate (each is also logged as a warning); never shown as messages.
    #[must_use]
    pub fn rejected_count(&self) -> u64 {
        self.rejected.load(Ordering::Relaxed)
    }

    fn position(&self) -> MutexGuard<'_, Option<i64>> {
        self.since.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// This account's 15-blinded id on the server (where others send DMs).
    #[must_use]
    pub fn blinded_id(&self) -> SessionId {
        self.server.signer.session_id()
    }

    /// The DMs that arrived since the last poll (all kept ones on the first), decrypted, each
    /// with the sender's blinded id and Account ID. DMs that do not decrypt and authenticate
    /// are dropped, logged and counted in [`Inbox::rejected_count`].
    ///
    /// # Errors
    /// [`Error::Community`] with the server's refusal; the network errors.
    pub async fn poll(&self) -> Result<Vec<InboxMessage>> {
        let since = *self.position();
        let dms = self.server.call(&api::inbox(since, None), true).await?;
        if let Some(max) = dms.iter().map(|d| d.id).max() {
            let mut pos = self.position();
            *pos = Some(pos.map_or(max, |p| p.max(max)));
        }
        let own = self.server.client.identity();
        let server_pk = &self.server.community.server_x25519;
        let mut out = Vec::with_capacity(dms.len());
        for dm in dms {
            let sender = match dm.sender.parse::<SessionId>() {
                Ok(SessionId::Blinded15Id(b)) => b,
                _ => {
                    tracing::warn!(
                        id = dm.id,
                        "dropped a DM from a sender that is not 15-blinded"
                    );
                    self.rejected.fetch_add(1, Ordering::Relaxed);
                    continue;
                }
            };
            match dm.decode(own, server_pk) {
                Ok((content, account)) => {
                    let text = content.text_body().map(str::to_owned);
                    out.push(InboxMessage {
                        id: dm.id,
                        sender,
                        sender_account: account,
                        posted: dm.posted_at,
                        text,
                        content,
                    });
                }
                Err(e) => {
                    tracing::warn!(id = dm.id, error = %e, "dropped a DM that does not decrypt");
                    self.rejected.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
        Ok(out)
    }

    /// A stream of new DMs, polling every `interval` (the first round at once: all kept DMs
    /// when nothing was polled yet); a failed round yields the error and the stream goes on;
    /// it ends after [`Client::shutdown`].
    ///
    /// ```no_run
    /// use futures_util::StreamExt as _;
    /// # async fn demo(inbox: session_client::Inbox) {
    /// let mut dms = std::pin::pin!(inbox.messages(std::time::Duration::from_secs(5)));
    /// while let Some(dm) = dms.next().await {
    ///     match dm {
    ///         Ok(m) => println!("{} from {}: {:?}", m.id, m.sender_account, m.text),
    ///         Err(e) => eprintln!("poll failed: {e}"),
    ///     }
    /// }
    /// # }
    /// ```
    pub fn messages(
        &self,
        interval: Duration,
    ) -> impl Stream<Item = Result<InboxMessage>> + Send + 'static {
        poll_stream(self.clone(), interval)
    }

    /// Sends a text DM to a blinded id (a room message's `author`); returns its DM id.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for an empty text; [`Error::Community`] with 404 when the
    /// recipient never used this server; the network errors.
    pub async fn send(&self, to: &Blinded15Id, text: &str) -> Result<i64> {
        if text.is_empty() {
            return Err(Error::InvalidInput("empty message".into()));
        }
        let content = text_content(&self.server.client, text);
        self.send_content(to, &content).await
    }

    /// Sends any `Content` as a blinded DM (`protocol.md` §2); returns its DM id.
    ///
    /// # Errors
    /// As [`Inbox::send`].
    pub async fn send_content(&self, to: &Blinded15Id, content: &Content) -> Result<i64> {
        let message = session_protocol::encode_for_community_inbox(
            &mut OsRng,
            self.server.client.identity(),
            &self.server.community.server_x25519,
            &BlindedId::Blinded15(*to),
            content,
        )?;
        let sent = self
            .server
            .call(&api::send_inbox(to, &message), true)
            .await?;
        Ok(sent.id)
    }

    /// Sends a text DM to an Account ID: to the first of its two 15-blinded candidates, and on
    /// 404 to the other (`community.md` §3.7).
    ///
    /// # Errors
    /// As [`Inbox::send`]; 404 on both when the account never used this server.
    pub async fn send_to_account(&self, to: &AccountId, text: &str) -> Result<i64> {
        let candidates =
            session_identity::blinding::blind15_ids(to, &self.server.community.server_x25519)
                .map_err(|e| Error::InvalidInput(format!("not a valid Account ID: {e}")))?;
        let mut last = None;
        for id in &candidates {
            match self.send(id, text).await {
                Err(Error::Community(session_community::Error::Server(e)))
                    if e.kind == ServerErrorKind::NotFound =>
                {
                    last = Some(Error::Community(e.into()));
                }
                other => return other,
            }
        }
        Err(last.unwrap_or(Error::InvalidInput("no candidate id".into())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use session_protocol::proto::DataMessage;

    const URL: &str = "http://127.0.0.2:8080/lounge?public_key=\
        a03c383cf63c3c4efe67acc52112a6dd734b3a946b9545f488aaa93da7991238";

    #[test]
    fn join_urls_and_communities_name_a_room() {
        let c = URL.to_community().unwrap();
        assert_eq!(c.room.as_str(), "lounge");
        assert_eq!(c.to_community().unwrap(), c);
        assert_eq!(URL.to_owned().to_community().unwrap(), c);
        let bad = "http://127.0.0.2:8080/lounge?public_key=zz".to_community();
        assert_eq!(bad.unwrap_err().kind(), ErrorKind::InvalidInput);
    }

    #[test]
    fn options_default_to_onion_and_server_preference() {
        let o = RoomOptions::default();
        assert_eq!((o.via, o.key, o.start), (Via::Onion, None, Start::Recent));
        let o = RoomOptions::default()
            .direct()
            .key(KeyKind::Unblinded)
            .start(Start::Seqno(3));
        assert_eq!(
            (o.via, o.key, o.start),
            (Via::Direct, Some(KeyKind::Unblinded), Start::Seqno(3))
        );
    }

    #[test]
    fn server_errors_have_kinds() {
        let e = |status| -> Error {
            session_community::Error::Server(ServerError::from_response(status, b"x")).into()
        };
        assert_eq!(e(403).kind(), ErrorKind::Refused);
        assert_eq!(e(404).kind(), ErrorKind::Refused);
        assert!(e(429).is_retryable());
        assert!(e(502).is_retryable());
        assert_eq!(e(425).kind(), ErrorKind::ClockOutOfSync);
        let emoji: Error = session_community::Error::InvalidReaction.into();
        assert_eq!(emoji.kind(), ErrorKind::InvalidInput);
    }

    #[test]
    fn verified_posts_become_room_messages() {
        let content = Content {
            data_message: Some(DataMessage {
                body: Some("secret words".into()),
                profile: Some(LokiProfile {
                    display_name: Some("Ann".into()),
                    profile_picture: None,
                }),
                ..Default::default()
            }),
            ..Default::default()
        };
        let author: SessionId = format!("15{}", "ab".repeat(32)).parse().unwrap();
        let p = api::VerifiedPost {
            id: 4,
            seqno: 9,
            author,
            posted: 1.5,
            edited: None,
            content: content.clone(),
            reactions: BTreeMap::new(),
            whisper: false,
            whisper_mods: false,
            whisper_to: None,
        };
        let m = RoomMessage::from(p);
        assert_eq!(
            (m.id, m.seqno, m.text.as_deref(), m.display_name.as_deref()),
            (4, 9, Some("secret words"), Some("Ann"))
        );
        assert!(!format!("{m:?}").contains("secret"));
        assert_eq!((m.author, m.content), (author, content));
    }

    #[tokio::test]
    async fn direct_https_without_tls_is_refused_before_any_io() {
        let base: BaseUrl = "https://127.0.0.1:1".parse().unwrap();
        let e = post_direct(&base, None, vec![1]).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
    }
}
