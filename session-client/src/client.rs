//! The client: IO around `session-swarm`'s `NodePool` (bootstrap, paths, failures, 421s) and
//! `session-onion`'s request builder; messaging on top.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use futures_util::Stream;
use rand_core::OsRng;
use rustls::pki_types::ServerName;
use session_identity::{AccountId, Ed25519KeyPair, Ed25519PublicKey};
use session_onion::{
    DestinationErrorKind, EncType, Hop, OnionRequestBuilder, PathErrorKind, Retry,
    ServerDestination,
};
use session_protocol::proto::{Content, DataMessage};
use session_protocol::{SendOptions, decode_from_storage, encode_for_recipient};
use session_swarm::pool::{BootstrapStep, FailureOutcome, PathId, WrongSwarmAction};
use session_swarm::response::{MemberOutcome, RetrieveResponse};
use session_swarm::rpc::{self, SEED_NODE_FIELDS_WITH_SWARM};
use session_swarm::{
    Auth, ExpireMode, Namespace, NodePool, PoolConfig, Request, Retrieve, ServiceNode, Store,
    SwarmPubkey, SwarmResponse, message_hash,
};
use tokio_rustls::TlsConnector;
use tracing::Instrument as _;

use crate::config_sync::{ConfigOptions, ConfigSync};
use crate::error::{Error, Result, TransportError};
use crate::message::{Message, MessageKind, SendReceipt};
use crate::network::{Network, SeedNode};
use crate::tls;
use crate::transport::{Endpoint, HttpResponse, Transport};

/// Default time to live of a sent message: 14 days (the public-namespace maximum).
pub const DEFAULT_TTL: Duration = Duration::from_secs(14 * 24 * 3600);
/// Default interval of [`Client::messages`]: 2 s (as `session poll --follow`).
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(2);
/// Attempts per request before giving up.
const MAX_ATTEMPTS: u32 = 8;
/// Attempts per request to an HTTP server (a community server that does not answer should
/// not keep a caller waiting for the whole back-off of [`MAX_ATTEMPTS`]).
const MAX_SERVER_ATTEMPTS: u32 = 4;
/// Pages of one retrieve (each up to the node's size limit).
const MAX_PAGES: usize = 20;
/// Hashes remembered for de-duplication.
const MAX_SEEN: usize = 100_000;

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// `05ab…cd`: ids are user data, logs get a short form.
fn short(s: &str) -> String {
    format!(
        "{}…{}",
        s.get(..4).unwrap_or(""),
        s.get(s.len().saturating_sub(4)..).unwrap_or("")
    )
}

/// Configures and builds a [`Client`].
#[derive(Debug)]
#[must_use]
pub struct ClientBuilder {
    identity: Option<Ed25519KeyPair>,
    network: Network,
    display_name: Option<String>,
    enc_type: EncType,
    ttl: Duration,
    connect_timeout: Duration,
    request_timeout: Duration,
    pool_config: PoolConfig,
    last_hashes: HashMap<Ed25519PublicKey, String>,
    lazy_pool: bool,
    pub(crate) config: ConfigOptions,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self {
            identity: None,
            network: Network::Mainnet,
            display_name: None,
            enc_type: EncType::XChaCha20,
            ttl: DEFAULT_TTL,
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(20),
            pool_config: PoolConfig::default(),
            last_hashes: HashMap::new(),
            lazy_pool: false,
            config: ConfigOptions::default(),
        }
    }
}

impl ClientBuilder {
    /// The account's key pair (e.g. `Seed::from_mnemonic(phrase)?.keypair()`). Required.
    pub fn identity(mut self, keypair: Ed25519KeyPair) -> Self {
        self.identity = Some(keypair);
        self
    }
    /// The network to join (default: [`Network::Mainnet`]).
    pub fn network(mut self, network: Network) -> Self {
        self.network = network;
        self
    }
    /// The display name sent with every message (in `DataMessage.profile`).
    pub fn display_name(mut self, name: impl Into<String>) -> Self {
        self.display_name = Some(name.into());
        self
    }
    /// The onion layers' cipher: XChaCha20-Poly1305 (default, libsession) or AES-GCM
    /// (Session Desktop).
    pub fn enc_type(mut self, enc_type: EncType) -> Self {
        self.enc_type = enc_type;
        self
    }
    /// Time to live of sent messages (default 14 days; nodes refuse more in namespace 0).
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }
    /// Timeouts: TCP+TLS connect, and a whole request (default 5 s and 20 s).
    pub fn timeouts(mut self, connect: Duration, request: Duration) -> Self {
        self.connect_timeout = connect;
        self.request_timeout = request;
        self
    }
    /// Pool and path rules (default: `session-swarm`'s, i.e. libsession's).
    pub fn pool_config(mut self, config: PoolConfig) -> Self {
        self.pool_config = config;
        self
    }
    /// The per-node `last_hash` of a previous run (see [`Client::last_hashes`]).
    pub fn last_hashes(mut self, hashes: HashMap<Ed25519PublicKey, String>) -> Self {
        self.last_hashes = hashes;
        self
    }

    /// Bootstrap the node pool on the first request that needs it (a swarm request, an onion
    /// request, a poll) instead of in [`build`](Self::build) (default: `false`). A client that
    /// only talks to community servers directly ([`RoomOptions::direct`]) then never contacts
    /// a seed; the bootstrap errors come from that first request instead of from `build`.
    ///
    /// ```no_run
    /// use session_client::{Client, RoomOptions};
    /// use session_identity::Seed;
    ///
    /// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
    /// let me = Seed::from_mnemonic("…13 words…")?.keypair();
    /// // No seed is contacted: the room's requests go straight to the server.
    /// let client = Client::builder().identity(me).lazy_pool(true).build().await?;
    /// let room = client
    ///     .community_with("http://127.0.0.1:8080/lobby?public_key=…", RoomOptions::default().direct())
    ///     .await?;
    /// room.post("hello").await?;
    /// # Ok(()) }
    /// ```
    ///
    /// [`RoomOptions::direct`]: crate::RoomOptions::direct
    pub fn lazy_pool(mut self, lazy: bool) -> Self {
        self.lazy_pool = lazy;
        self
    }

    /// Builds the client and bootstraps its node pool from a seed (unless
    /// [`lazy_pool`](Self::lazy_pool)).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] without an identity or with a TTL out of bounds;
    /// [`Error::TlsConfig`]; the bootstrap errors ([`Error::Bootstrap`],
    /// [`Error::SeedCertificate`], [`Error::NotEnoughNodes`]) unless the bootstrap is lazy.
    pub async fn build(self) -> Result<Client> {
        let identity = self
            .identity
            .ok_or_else(|| Error::InvalidInput("no identity given".into()))?;
        let ttl_ms = u64::try_from(self.ttl.as_millis()).unwrap_or(u64::MAX);
        Namespace::DEFAULT
            .check_ttl(ttl_ms)
            .map_err(|_| Error::InvalidInput("ttl must be between 10 s and 14 days".into()))?;
        let node_tls = TlsConnector::from(Arc::new(tls::node_config()?));
        let mut seeds = Vec::new();
        for seed in self.network.seeds()? {
            let connector = match seed.pin() {
                Some(pin) => TlsConnector::from(Arc::new(tls::pinned_config(pin)?)),
                None => node_tls.clone(),
            };
            seeds.push((seed, connector));
        }
        let auth = Auth::session_id(&identity);
        let account = identity.account_id();
        let config = ConfigSync::new(&identity, self.config)?;
        let client = Client {
            inner: Arc::new(Inner {
                config,
                account,
                swarm_key: SwarmPubkey::from(&identity.account_id()),
                identity,
                auth,
                display_name: self.display_name,
                enc_type: self.enc_type,
                ttl_ms,
                seeds,
                node_tls,
                transport: Transport::new(self.connect_timeout, self.request_timeout),
                state: Mutex::new(State {
                    stats: ClientStats::default(),
                    clock_offset_ms: 0,
                    pool: NodePool::new(self.pool_config),
                    last_hash: self.last_hashes,
                    seen: HashMap::new(),
                }),
                bootstrap: tokio::sync::Mutex::new(()),
                started: tokio::sync::OnceCell::new(),
                shut_down: AtomicBool::new(false),
            }),
        };
        if !self.lazy_pool {
            client.refresh_pool().await?;
            client.sync_clock(false).await;
            // Ignored: nothing else can have set it yet.
            let _ = client.inner.started.set(());
        }
        Ok(client)
    }
}

/// Counters of what the client did (for monitoring and tests).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClientStats {
    /// Onion requests sent (every attempt).
    pub onion_requests: u64,
    /// Onion requests answered successfully.
    pub successes: u64,
    /// Guards that could not be reached (connection refused, reset, TLS failure, timeout).
    pub unreachable_guards: u64,
    /// Path failures reported to the pool (a relay failed, timed out or was not found).
    pub path_failures: u64,
    /// Destinations that could not be reached through the path.
    pub unreachable_destinations: u64,
    /// 421 answers followed.
    pub wrong_swarm: u64,
    /// Node lists fetched from a seed.
    pub seed_fetches: u64,
    /// Pool refreshes from pool nodes (libsession's 3-node intersection).
    pub pool_refreshes: u64,
}

struct State {
    stats: ClientStats,
    /// Network clock − local clock, ms (from a node's `info`; 0 until measured).
    clock_offset_ms: i64,
    pool: NodePool,
    last_hash: HashMap<Ed25519PublicKey, String>,
    /// Hashes already returned, with their expiry (pruned once expired).
    seen: HashMap<String, u64>,
}

struct Inner {
    identity: Ed25519KeyPair,
    auth: Auth,
    account: AccountId,
    swarm_key: SwarmPubkey,
    display_name: Option<String>,
    enc_type: EncType,
    ttl_ms: u64,
    seeds: Vec<(SeedNode, TlsConnector)>,
    node_tls: TlsConnector,
    transport: Arc<Transport>,
    state: Mutex<State>,
    bootstrap: tokio::sync::Mutex<()>,
    /// Set once the pool was first bootstrapped and the clock measured (in `build`, or on the
    /// first request that needs the pool with [`ClientBuilder::lazy_pool`]).
    started: tokio::sync::OnceCell<()>,
    shut_down: AtomicBool,
    /// The account's user configs (`config_sync.rs`).
    config: ConfigSync,
}

/// A Session client: sends and receives messages through 3-hop onion paths. Cheap to clone
/// (an `Arc` inside), `Send + Sync`; clones share the pool, paths and connections.
///
/// ```no_run
/// use session_client::{Client, Network};
/// use session_identity::Seed;
///
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// let me = Seed::from_mnemonic("…13 words…")?.keypair();
/// let client = Client::builder()
///     .identity(me)
///     .network(Network::testnet_from_file("testnet/testnet.json")?)
///     .display_name("Alice")
///     .build()
///     .await?;
/// let bob = "05…".parse()?;
/// let receipt = client.send(&bob, "Hello Bob").await?;
/// println!("stored as {}", receipt.hash);
/// for message in client.poll().await? {
///     println!("{} {}: {:?}", message.timestamp_ms, message.sender, message.text);
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("account", &self.inner.account)
            .finish_non_exhaustive()
    }
}

/// The answer to an onion request, and how it travelled.
struct Routed {
    node: ServiceNode,
    path: Vec<Ed25519PublicKey>,
    body: Vec<u8>,
}

impl Client {
    /// A builder with the defaults (mainnet, XChaCha20 layers, 14-day TTL).
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The account's Account ID.
    #[must_use]
    pub fn account_id(&self) -> &AccountId {
        &self.inner.account
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.inner
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn check_open(&self) -> Result<()> {
        if self.inner.shut_down.load(Ordering::Acquire) {
            Err(Error::Shutdown)
        } else {
            Ok(())
        }
    }

    /// Stops the client: later calls fail with [`Error::Shutdown`], streams end, idle
    /// connections are closed.
    pub async fn shutdown(&self) {
        self.inner.shut_down.store(true, Ordering::Release);
        let _guard = self.inner.bootstrap.lock().await;
        let nodes: Vec<SocketAddr> = self.state().pool.nodes().iter().map(node_addr).collect();
        for a in nodes {
            self.inner.transport.forget(a);
        }
    }

    /// The swarm serving `account` in the current pool view (swarm id and members).
    #[must_use]
    pub fn swarm_of(&self, account: &AccountId) -> Option<(u64, Vec<ServiceNode>)> {
        self.state()
            .pool
            .swarm_for(&SwarmPubkey::from(account))
            .map(|(id, nodes)| (id.get(), nodes))
    }

    /// The current onion paths (guard first).
    #[must_use]
    pub fn paths(&self) -> Vec<Vec<ServiceNode>> {
        self.state()
            .pool
            .paths()
            .iter()
            .map(|p| p.nodes().to_vec())
            .collect()
    }

    /// What the client did so far.
    #[must_use]
    pub fn stats(&self) -> ClientStats {
        self.state().stats
    }

    /// The number of nodes in the pool.
    #[must_use]
    pub fn pool_size(&self) -> usize {
        self.state().pool.nodes().len()
    }

    /// The measured offset of the network's clock from the local clock, ms (signed requests
    /// and message timestamps use the network's time, so that a skewed local clock does not
    /// make nodes refuse them).
    #[must_use]
    pub fn clock_offset_ms(&self) -> i64 {
        self.state().clock_offset_ms
    }

    /// The account's key pair (for the community module's signers).
    pub(crate) fn identity(&self) -> &Ed25519KeyPair {
        &self.inner.identity
    }

    /// The display name given to the builder.
    pub(crate) fn display_name(&self) -> Option<&str> {
        self.inner.display_name.as_deref()
    }

    /// The onion layers' cipher.
    pub(crate) fn enc_type(&self) -> EncType {
        self.inner.enc_type
    }

    /// The account's config state (`config_sync.rs`).
    pub(crate) fn config_sync(&self) -> &ConfigSync {
        &self.inner.config
    }

    /// The account's storage authentication.
    pub(crate) fn auth(&self) -> &Auth {
        &self.inner.auth
    }

    /// The account as a swarm key.
    pub(crate) fn swarm_key(&self) -> &SwarmPubkey {
        &self.inner.swarm_key
    }

    /// The network's time, ms: the local clock corrected by [`Client::clock_offset_ms`].
    pub(crate) fn network_now_ms(&self) -> u64 {
        now_ms().saturating_add_signed(self.clock_offset_ms())
    }

    /// Measures the clock offset with an `info` request to a random pool node through an onion
    /// path (`swarm.md` §5.7). A failure leaves the offset as it was. `bootstrapping`: called
    /// from the first bootstrap of a lazy pool (see [`Client::request_with`]).
    async fn sync_clock(&self, bootstrapping: bool) {
        let node = self.state().pool.usable_nodes().next().cloned();
        let Some(node) = node else { return };
        let started = now_ms();
        // Best effort, bounded: a client that cannot measure keeps its local clock.
        let routed = tokio::time::timeout(
            Duration::from_secs(5),
            self.request_with(None, &rpc::info(), Some(node), bootstrapping),
        )
        .await;
        let arrived = now_ms();
        let info = routed
            .ok()
            .and_then(Result::ok)
            .and_then(|r| session_swarm::response::InfoResponse::parse(&r.body).ok());
        if let Some(info) = info {
            // The node read its clock about half-way through the round trip.
            let offset = info.clock_offset_ms(started + arrived.saturating_sub(started) / 2);
            tracing::debug!(offset_ms = offset, "network clock offset");
            self.state().clock_offset_ms = offset;
        }
    }

    /// The per-node `last_hash` of the own swarm (to keep between runs).
    #[must_use]
    pub fn last_hashes(&self) -> HashMap<Ed25519PublicKey, String> {
        self.state().last_hash.clone()
    }

    // ---- pool -----------------------------------------------------------------------------

    /// Bootstraps or refreshes the pool when `NodePool` asks for it, and builds missing paths;
    /// the first time for a lazy pool, also measures the clock.
    async fn ensure_pool(&self) -> Result<()> {
        self.check_open()?;
        if !self.inner.started.initialized() {
            // A failed first bootstrap leaves the cell empty: the next request tries again.
            self.inner
                .started
                .get_or_try_init(|| self.first_bootstrap())
                .await?;
            return Ok(());
        }
        self.refresh_pool().await
    }

    /// The lazy pool's first bootstrap: the pool, then the clock. Boxed: it sends a request,
    /// which calls [`Client::ensure_pool`] (the clock's request skips it, as the cell is not
    /// set yet).
    fn first_bootstrap(&self) -> Pin<Box<dyn Future<Output = Result<()>> + Send + '_>> {
        Box::pin(async move {
            self.refresh_pool().await?;
            self.sync_clock(true).await;
            Ok(())
        })
    }

    /// Bootstraps or refreshes the pool when `NodePool` asks for it, and builds missing paths.
    async fn refresh_pool(&self) -> Result<()> {
        self.check_open()?;
        let step = self.state().pool.bootstrap_step(now_ms(), &mut OsRng);
        match step {
            BootstrapStep::Ready => {}
            BootstrapStep::FetchFromSeed => {
                let _guard = self.inner.bootstrap.lock().await;
                // Another task may have done it meanwhile.
                let again = self.state().pool.bootstrap_step(now_ms(), &mut OsRng);
                if again == BootstrapStep::FetchFromSeed {
                    self.fetch_from_seeds().await?;
                }
            }
            BootstrapStep::RefreshFrom(nodes) => {
                let _guard = self.inner.bootstrap.lock().await;
                if let Err(e) = self.refresh_from_nodes(nodes).await {
                    tracing::debug!(error = %e, "pool refresh from nodes failed; asking a seed");
                    self.fetch_from_seeds().await?;
                }
            }
            _ => self.fetch_from_seeds().await?,
        }
        let mut state = self.state();
        match state.pool.ensure_paths(&mut OsRng) {
            Ok(()) => Ok(()),
            // One path is enough to work with; more are built as nodes allow.
            Err(_) if !state.pool.paths().is_empty() => Ok(()),
            Err(_) => Err(Error::NotEnoughNodes),
        }
    }

    /// `POST /json_rpc` `get_n_service_nodes` to the seeds in random order until one answers.
    async fn fetch_from_seeds(&self) -> Result<()> {
        let body =
            Bytes::from(rpc::seed_bootstrap_request_with(&SEED_NODE_FIELDS_WITH_SWARM).to_string());
        let mut order: Vec<usize> = (0..self.inner.seeds.len()).collect();
        for i in (1..order.len()).rev() {
            let j =
                usize::try_from(rand_core::RngCore::next_u32(&mut OsRng)).unwrap_or(0) % (i + 1);
            order.swap(i, j);
        }
        let mut failures = Vec::new();
        let mut refused = Vec::new();
        for i in order {
            let Some((seed, connector)) = self.inner.seeds.get(i) else {
                continue;
            };
            let span = tracing::debug_span!("seed", url = seed.url());
            let result = self
                .fetch_from_seed(seed, connector, body.clone())
                .instrument(span)
                .await;
            match result {
                Ok(nodes) => {
                    let n = nodes.len();
                    let mut state = self.state();
                    state.stats.seed_fetches += 1;
                    state.pool.apply_seed_answer(nodes, now_ms(), &mut OsRng)?;
                    drop(state);
                    tracing::debug!(nodes = n, seed = seed.url(), "pool bootstrapped");
                    return Ok(());
                }
                Err(Error::SeedCertificate { seed }) => refused.push(seed),
                Err(e) => failures.push(format!("{}: {e}", seed.url())),
            }
        }
        self.state().pool.refresh_failed();
        if failures.is_empty() {
            if let Some(seed) = refused.first() {
                return Err(Error::SeedCertificate { seed: seed.clone() });
            }
        }
        failures.extend(
            refused
                .into_iter()
                .map(|s| format!("{s}: certificate refused")),
        );
        Err(Error::Bootstrap(failures.join("; ")))
    }

    async fn fetch_from_seed(
        &self,
        seed: &SeedNode,
        connector: &TlsConnector,
        body: Bytes,
    ) -> Result<Vec<ServiceNode>> {
        let address = match seed.address() {
            Some(a) => a,
            None => tokio::net::lookup_host((seed.host(), seed.port()))
                .await
                .map_err(|_| TransportError::Resolve(seed.host().to_owned()))?
                .next()
                .ok_or_else(|| TransportError::Resolve(seed.host().to_owned()))?,
        };
        let server_name = ServerName::try_from(seed.host().to_owned())
            .map_err(|_| Error::NetworkFile(format!("bad seed host {}", seed.host())))?;
        let endpoint = Endpoint {
            address,
            server_name,
            host_header: format!("{}:{}", seed.host(), seed.port()),
            connector: connector.clone(),
        };
        let response = self
            .inner
            .transport
            .post(
                &endpoint,
                "/json_rpc",
                body,
                &[
                    ("content-type", "application/json"),
                    ("user-agent", "WhatsApp"),
                    ("accept-language", "en-us"),
                ],
            )
            .await
            .map_err(|e| {
                if seed.pin().is_some() && e.tls_error().is_some() {
                    Error::SeedCertificate {
                        seed: seed.url().to_owned(),
                    }
                } else {
                    Error::Transport(e)
                }
            })?;
        if response.status != 200 {
            return Err(Error::Bootstrap(format!(
                "seed answered status {}",
                response.status
            )));
        }
        let nodes = session_swarm::node::parse_seed_bootstrap_response(
            response.content_type.as_deref().unwrap_or_default(),
            &response.body,
        )?;
        Ok(nodes)
    }

    /// libsession's refresh: `get_service_nodes` from 3 pool nodes (through onion paths), the
    /// new pool being the intersection of the answers.
    /// (Boxed: it sends requests, which may refresh the pool.)
    fn refresh_from_nodes(
        &self,
        nodes: Vec<ServiceNode>,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<()>> + Send + '_>> {
        Box::pin(async move {
            let request = rpc::oxend_get_service_nodes(&SEED_NODE_FIELDS_WITH_SWARM);
            let mut answers = Vec::with_capacity(nodes.len());
            for node in nodes {
                let routed = self.request_with(None, &request, Some(node), true).await?;
                answers.push(session_swarm::node::parse_service_nodes(&routed.body)?);
            }
            let applied = {
                let mut state = self.state();
                state.stats.pool_refreshes += 1;
                state
                    .pool
                    .apply_refresh_answers(&answers, now_ms(), &mut OsRng)?
            };
            if applied {
                Ok(())
            } else {
                Err(Error::Bootstrap("a node listed no nodes".into()))
            }
        })
    }

    fn endpoint(&self, node: &ServiceNode) -> Endpoint {
        Endpoint {
            address: node_addr(node),
            server_name: ServerName::IpAddress(std::net::IpAddr::V4(node.ip()).into()),
            host_header: format!("{}:{}", node.ip(), node.https_port()),
            connector: self.inner.node_tls.clone(),
        }
    }

    // ---- onion requests -----------------------------------------------------------------

    /// Sends `request` through an onion path to a member of `account`'s swarm (or to `fixed`),
    /// retrying as `NodePool` and the onion error classification say.
    async fn request(
        &self,
        account: Option<&SwarmPubkey>,
        request: &Request,
        fixed: Option<ServiceNode>,
    ) -> Result<Routed> {
        self.request_with(account, request, fixed, false).await
    }

    /// `bootstrapping`: called while the pool is being refreshed (the bootstrap lock is held),
    /// so the pool is not refreshed again from here.
    async fn request_with(
        &self,
        account: Option<&SwarmPubkey>,
        request: &Request,
        fixed: Option<ServiceNode>,
        bootstrapping: bool,
    ) -> Result<Routed> {
        let span = tracing::debug_span!(
            "request",
            method = request.method().as_str(),
            account = account.map(|a| short(&a.to_hex())).unwrap_or_default()
        );
        self.request_inner(account, request, fixed, bootstrapping)
            .instrument(span)
            .await
    }

    async fn request_inner(
        &self,
        account: Option<&SwarmPubkey>,
        request: &Request,
        fixed: Option<ServiceNode>,
        bootstrapping: bool,
    ) -> Result<Routed> {
        let payload = request.to_json_string().into_bytes();
        let mut destination = fixed.clone();
        let mut wrong_swarm = 0u32;
        let mut decrypt_retried = false;
        let mut last: Option<Error> = None;
        for attempt in 0..MAX_ATTEMPTS {
            self.check_open()?;
            let ready = if bootstrapping {
                Ok(())
            } else {
                self.ensure_pool().await
            };
            if let Err(e) = ready {
                if !e.is_retryable() {
                    return Err(e);
                }
                last = Some(e);
                tokio::time::sleep(Duration::from_millis(session_swarm::pool::retry_delay_ms(
                    attempt,
                )))
                .await;
                continue;
            }
            // Destination and path, under the lock (no await).
            let picked = {
                let mut state = self.state();
                let dest = match (&destination, account) {
                    (Some(d), _) => Ok(d.clone()),
                    (None, Some(a)) => state
                        .pool
                        .random_swarm_member(a, None, &mut OsRng)
                        .map_err(Error::from),
                    (None, None) => Err(Error::InvalidInput("no destination".into())),
                };
                dest.and_then(|dest| {
                    if state.pool.path_for(Some(&dest), &mut OsRng).is_none() {
                        let _ = state.pool.build_path(&mut OsRng);
                    }
                    state
                        .pool
                        .path_for(Some(&dest), &mut OsRng)
                        .map(|p| (dest, p.id(), p.nodes().to_vec()))
                        .ok_or(Error::NotEnoughNodes)
                })
            };
            let (dest, path_id, hops) = match picked {
                Ok(p) => p,
                Err(e) if bootstrapping => return Err(e),
                Err(e) => {
                    // The swarm may be empty after failures: get a fresh node list.
                    tracing::debug!(error = %e, "no destination or path; refreshing the pool");
                    tokio::time::sleep(Duration::from_millis(session_swarm::pool::retry_delay_ms(
                        attempt,
                    )))
                    .await;
                    let guard = self.inner.bootstrap.lock().await;
                    let _ = self.fetch_from_seeds().await;
                    drop(guard);
                    last = Some(e);
                    continue;
                }
            };
            let Some(guard) = hops.first().cloned() else {
                continue;
            };
            let path_keys: Vec<Ed25519PublicKey> = hops.iter().map(|n| *n.ed25519_pk()).collect();
            let builder = OnionRequestBuilder::new(
                hops.iter().map(Hop::from).collect(),
                session_onion::Destination::ServiceNode(Hop::from(&dest)),
                payload.clone(),
            )
            .enc_type(self.inner.enc_type);
            let (frame, pending) = builder.build(&mut OsRng)?;
            tracing::trace!(
                guard = %short(&guard.ed25519_pk().to_string()),
                destination = %short(&dest.ed25519_pk().to_string()),
                attempt,
                "onion request"
            );
            let response = match self.send_to_guard(&guard, frame).await {
                Ok(r) => r,
                Err(e) => {
                    last = Some(Error::Transport(e));
                    continue;
                }
            };
            let status = response.status;
            let error = match pending.decrypt_response(status, &response.body) {
                Ok(r) => {
                    self.on_path_success(path_id);
                    return Ok(Routed {
                        node: dest,
                        path: path_keys,
                        body: r.body,
                    });
                }
                Err(e) => e,
            };
            tracing::debug!(error = %error, "onion request failed");
            match error.retry() {
                Retry::Never => return Err(refusal(error)),
                Retry::FixClock => return Err(refusal(error)),
                Retry::Once if !decrypt_retried => decrypt_retried = true,
                Retry::OtherSwarmMember => {
                    let wrong = match &error {
                        session_onion::Error::Destination(d)
                            if d.kind() == DestinationErrorKind::WrongSwarm =>
                        {
                            Some(d.response().body.clone())
                        }
                        _ => None,
                    };
                    match (wrong, account) {
                        (Some(body), Some(a)) => {
                            wrong_swarm += 1;
                            let answer = session_swarm::node::parse_swarm_answer(&body).ok();
                            let action = {
                                let mut state = self.state();
                                state.stats.wrong_swarm += 1;
                                state.pool.on_wrong_swarm(
                                    a,
                                    dest.ed25519_pk(),
                                    answer.as_ref(),
                                    wrong_swarm,
                                    &mut OsRng,
                                )
                            };
                            tracing::debug!(?action, "421 wrong swarm");
                            match action {
                                WrongSwarmAction::RetryOn(n) => destination = Some(n),
                                WrongSwarmAction::RefreshPool if !bootstrapping => {
                                    let _guard = self.inner.bootstrap.lock().await;
                                    let _ = self.fetch_from_seeds().await;
                                    destination = None;
                                }
                                _ => return Err(refusal(error)),
                            }
                        }
                        _ => {
                            // Destination unreachable or failing: another member.
                            if let session_onion::Error::Path(p) = &error {
                                if p.kind() == PathErrorKind::DestinationUnreachable {
                                    let mut state = self.state();
                                    state.stats.unreachable_destinations += 1;
                                    state.pool.on_node_unreachable(dest.ed25519_pk());
                                }
                            }
                            if fixed.is_some() && account.is_none() {
                                return Err(Error::Onion(error));
                            }
                            destination = None;
                        }
                    }
                }
                Retry::Later => {
                    tokio::time::sleep(Duration::from_millis(session_swarm::pool::retry_delay_ms(
                        attempt,
                    )))
                    .await;
                }
                _ => {
                    if !self.on_path_failure(path_id, status, &response.body).await {
                        return Err(refusal(error));
                    }
                }
            }
            last = Some(Error::Onion(error));
        }
        Err(Error::RetriesExhausted {
            attempts: MAX_ATTEMPTS,
            last: Box::new(last.unwrap_or(Error::NotEnoughNodes)),
        })
    }

    /// POSTs an onion request to its guard; a guard that cannot be reached has its
    /// connections forgotten and is reported to the pool.
    async fn send_to_guard(
        &self,
        guard: &ServiceNode,
        frame: Vec<u8>,
    ) -> std::result::Result<HttpResponse, TransportError> {
        self.state().stats.onion_requests += 1;
        let sent = self
            .inner
            .transport
            .post(
                &self.endpoint(guard),
                "/onion_req/v2",
                Bytes::from(frame),
                &[],
            )
            .await;
        if let Err(e) = &sent {
            tracing::debug!(error = %e, "guard unreachable");
            self.inner.transport.forget(node_addr(guard));
            let mut state = self.state();
            state.stats.unreachable_guards += 1;
            state.pool.on_node_unreachable(guard.ed25519_pk());
        }
        sent
    }

    /// A path that carried a request and its answer back.
    fn on_path_success(&self, path_id: PathId) {
        let mut state = self.state();
        state.stats.successes += 1;
        state.pool.on_success(path_id);
    }

    /// A path that failed (`status`, `body`: the edge's answer): penalise it as `NodePool`
    /// says and wait before the next attempt; `false` when the failure is not the path's (do
    /// not retry).
    async fn on_path_failure(&self, path_id: PathId, status: u16, body: &[u8]) -> bool {
        let outcome = {
            let mut state = self.state();
            state.stats.path_failures += 1;
            state.pool.on_failure(
                path_id,
                Some(status).filter(|s| *s != 200),
                body,
                &mut OsRng,
            )
        };
        tracing::debug!(?outcome, "path penalised");
        let delay = match outcome {
            FailureOutcome::NoPenalty => return false,
            FailureOutcome::Penalised { retry_after_ms }
            | FailureOutcome::NodeReplaced { retry_after_ms }
            | FailureOutcome::PathDropped { retry_after_ms } => retry_after_ms,
            _ => 100,
        };
        tokio::time::sleep(Duration::from_millis(delay.min(1_000))).await;
        true
    }

    /// Sends a request to an HTTP server (a community server) through an onion path of the
    /// pool (`onion.md` §3.3 step D, v4 target) and returns the server's status and body,
    /// whatever the status: the caller reads it. Failures on the way are retried on other
    /// paths as the pool says, each attempt with a fresh payload from `payload` (a signed
    /// request must never reuse its nonce).
    pub(crate) async fn server_request(
        &self,
        destination: &ServerDestination,
        mut payload: impl FnMut() -> Vec<u8> + Send,
    ) -> Result<(u16, Vec<u8>)> {
        let mut last: Option<Error> = None;
        for attempt in 0..MAX_SERVER_ATTEMPTS {
            self.check_open()?;
            let delay = Duration::from_millis(session_swarm::pool::retry_delay_ms(attempt));
            if let Err(e) = self.ensure_pool().await {
                if !e.is_retryable() {
                    return Err(e);
                }
                last = Some(e);
                tokio::time::sleep(delay).await;
                continue;
            }
            let picked = {
                let mut state = self.state();
                if state.pool.path_for(None, &mut OsRng).is_none() {
                    let _ = state.pool.build_path(&mut OsRng);
                }
                state
                    .pool
                    .path_for(None, &mut OsRng)
                    .map(|p| (p.id(), p.nodes().to_vec()))
            };
            let Some((path_id, hops)) = picked else {
                last = Some(Error::NotEnoughNodes);
                tokio::time::sleep(delay).await;
                continue;
            };
            let Some(guard) = hops.first().cloned() else {
                continue;
            };
            let (frame, pending) = OnionRequestBuilder::new(
                hops.iter().map(Hop::from).collect(),
                session_onion::Destination::Server(destination.clone()),
                payload(),
            )
            .enc_type(self.inner.enc_type)
            .build(&mut OsRng)?;
            let response = match self.send_to_guard(&guard, frame).await {
                Ok(r) => r,
                Err(e) => {
                    last = Some(Error::Transport(e));
                    continue;
                }
            };
            let error = match pending.decrypt_response(response.status, &response.body) {
                Ok(r) => {
                    self.on_path_success(path_id);
                    return Ok((r.status, r.body));
                }
                // The server answered (with an error status): the path worked.
                Err(session_onion::Error::Destination(d)) => {
                    self.on_path_success(path_id);
                    return Ok((d.status(), d.response().body.clone()));
                }
                Err(e) => e,
            };
            tracing::debug!(error = %error, "onion request to a server failed");
            match error.retry() {
                Retry::Never | Retry::FixClock => return Err(Error::Onion(error)),
                Retry::Later => tokio::time::sleep(delay).await,
                Retry::Once => {}
                _ => {
                    if !self
                        .on_path_failure(path_id, response.status, &response.body)
                        .await
                    {
                        return Err(Error::Onion(error));
                    }
                }
            }
            last = Some(Error::Onion(error));
        }
        Err(Error::RetriesExhausted {
            attempts: MAX_SERVER_ATTEMPTS,
            last: Box::new(last.unwrap_or(Error::NotEnoughNodes)),
        })
    }

    // ---- messaging ------------------------------------------------------------------------

    /// Sends a text message to `to`.
    ///
    /// ```no_run
    /// # async fn demo(client: session_client::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// let bob: session_identity::AccountId =
    ///     "0586584f2cbedb434506fc7203192c943ae2ee7d19f2607772985a93bf78a0bc26".parse()?;
    /// match client.send(&bob, "Hello").await {
    ///     Ok(receipt) => println!("stored as {} by {} nodes", receipt.hash, receipt.stored_by.len()),
    ///     Err(e) if e.is_retryable() => println!("network trouble, try again later: {e}"),
    ///     Err(e) => return Err(e.into()),
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for an empty text; otherwise as [`Client::send_content`].
    pub async fn send(&self, to: &AccountId, text: &str) -> Result<SendReceipt> {
        if text.is_empty() {
            return Err(Error::InvalidInput("empty message".into()));
        }
        let sent_ms = self.network_now_ms();
        let (profile, profile_key) = self.outgoing_profile(self.inner.display_name.as_deref());
        let content = Content {
            data_message: Some(DataMessage {
                body: Some(text.to_owned()),
                timestamp: Some(sent_ms),
                profile,
                profile_key,
                ..Default::default()
            }),
            ..Default::default()
        };
        self.send_content_at(to, &content, sent_ms).await
    }

    /// Sends any `Content` to `to`: padding, Session Protocol encryption, envelope, and an
    /// unsigned `store` to namespace 0 of the recipient's swarm, through an onion path.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a message too large to store; [`Error::Protocol`] for a
    /// recipient whose key is not a valid point; the request errors (network failures are
    /// [`Error::is_retryable`]).
    pub async fn send_content(&self, to: &AccountId, content: &Content) -> Result<SendReceipt> {
        self.send_content_at(to, content, self.network_now_ms())
            .await
    }

    async fn send_content_at(
        &self,
        to: &AccountId,
        content: &Content,
        sent_ms: u64,
    ) -> Result<SendReceipt> {
        let data = encode_for_recipient(
            &mut OsRng,
            &self.inner.identity,
            to,
            content,
            sent_ms,
            &SendOptions::default(),
        )?;
        let data = STANDARD
            .decode(data)
            .map_err(|_| Error::InvalidInput("encoding failed".into()))?;
        let recipient = SwarmPubkey::from(to);
        let hash = message_hash(&recipient, Namespace::DEFAULT, &data);
        let request = Store {
            namespace: Namespace::DEFAULT,
            data,
            timestamp_ms: sent_ms,
            ttl_ms: self.inner.ttl_ms,
        }
        .unsigned(&recipient)
        .map_err(|e| Error::InvalidInput(e.to_string()))?;
        let routed = self.request(Some(&recipient), &request, None).await?;
        let stored_by = confirmed_by(&request, &routed.body, &hash)?;
        Ok(SendReceipt {
            hash,
            timestamp_ms: sent_ms,
            to: *to,
            stored_by,
            entry_node: *routed.node.ed25519_pk(),
            path: routed.path,
        })
    }

    /// One round over the own swarm: a signed `retrieve` of namespace 0 from every member
    /// (each after its own `last_hash`), then unwrap, decrypt, authenticate and de-duplicate by
    /// hash. Returns the new messages ordered by timestamp. Messages that are not for this
    /// account or do not decrypt are skipped.
    ///
    /// # Errors
    /// The request errors, when no member could be read.
    pub async fn poll(&self) -> Result<Vec<Message>> {
        self.ensure_pool().await?;
        let swarm_members = || {
            self.state()
                .pool
                .swarm_for(&self.inner.swarm_key)
                .map(|(_, m)| m)
                .unwrap_or_default()
        };
        let mut members = swarm_members();
        if members.is_empty() {
            // Every member failed at some point (e.g. a network blip): a fresh node list from
            // a seed clears the failure counts.
            let guard = self.inner.bootstrap.lock().await;
            self.fetch_from_seeds().await?;
            drop(guard);
            members = swarm_members();
            if members.is_empty() {
                return Err(Error::NotEnoughNodes);
            }
        }
        // The account's configs alongside (best effort, see `config_sync.rs`).
        let (results, ()) = futures_util::future::join(
            futures_util::future::join_all(members.into_iter().map(|m| self.retrieve_from(m))),
            self.sync_on_poll(),
        )
        .await;
        let mut retrieved = Vec::new();
        let mut last_error = None;
        let mut any_ok = false;
        for r in results {
            match r {
                Ok(mut v) => {
                    any_ok = true;
                    retrieved.append(&mut v);
                }
                Err(e) => last_error = Some(e),
            }
        }
        if !any_ok {
            return Err(last_error.unwrap_or(Error::NotEnoughNodes));
        }
        let now = self.network_now_ms();
        let mut fresh = Vec::new();
        {
            let mut state = self.state();
            state.seen.retain(|_, expiry| *expiry > now);
            if state.seen.len() > MAX_SEEN {
                // Bounded memory: forget the hashes that expire first (the per-node
                // `last_hash` already keeps old messages from coming back).
                let mut expiries: Vec<u64> = state.seen.values().copied().collect();
                expiries.sort_unstable();
                let cut = expiries.get(MAX_SEEN / 2).copied().unwrap_or(0);
                state.seen.retain(|_, expiry| *expiry > cut);
            }
            for m in retrieved {
                if state.seen.contains_key(&m.hash) {
                    continue;
                }
                if !m.hash_matches(&self.inner.swarm_key, Namespace::DEFAULT) {
                    tracing::debug!("a node returned a message whose hash is not its data's");
                    continue;
                }
                state
                    .seen
                    .insert(m.hash.clone(), m.expiration.max(now + 60_000));
                fresh.push(m);
            }
        }
        let mut out: Vec<Message> = fresh
            .into_iter()
            .filter_map(|m| {
                match decode_from_storage(&self.inner.identity, &STANDARD.encode(&m.data)) {
                    Ok(r) => {
                        let data = r.content.data_message.as_ref();
                        Some(Message {
                            sender: r.sender,
                            sender_ed25519: r.sender_ed25519,
                            timestamp_ms: r.timestamp_ms,
                            hash: m.hash,
                            expiration_ms: m.expiration,
                            text: data.and_then(|d| d.body.clone()),
                            display_name: data
                                .and_then(|d| d.profile.as_ref())
                                .and_then(|p| p.display_name.clone()),
                            kind: MessageKind::of(&r.content),
                            content: r.content,
                        })
                    }
                    Err(e) => {
                        tracing::debug!(error = %e, "skipping a message that does not decrypt");
                        None
                    }
                }
            })
            .collect();
        out.sort_by(|a, b| (a.timestamp_ms, &a.hash).cmp(&(b.timestamp_ms, &b.hash)));
        Ok(out)
    }

    /// Every new message of one member, page by page, updating its `last_hash`.
    async fn retrieve_from(
        &self,
        member: ServiceNode,
    ) -> Result<Vec<session_swarm::response::RetrievedMessage>> {
        let mut out = Vec::new();
        let mut node = member;
        for _ in 0..MAX_PAGES {
            let last_hash = self.state().last_hash.get(node.ed25519_pk()).cloned();
            let request = Retrieve {
                namespace: Namespace::DEFAULT,
                last_hash,
                ..Default::default()
            }
            .sign(&self.inner.auth, self.network_now_ms())?;
            let routed = self
                .request(Some(&self.inner.swarm_key), &request, Some(node.clone()))
                .await?;
            let answer = RetrieveResponse::parse(&routed.body)?;
            node = routed.node;
            if let Some(last) = answer.messages.last() {
                self.state()
                    .last_hash
                    .insert(*node.ed25519_pk(), last.hash.clone());
            }
            let more = answer.more && !answer.messages.is_empty();
            out.extend(answer.messages);
            if !more {
                break;
            }
        }
        Ok(out)
    }

    /// A stream of new messages, polling every `interval` (e.g. [`DEFAULT_POLL_INTERVAL`]);
    /// for bots. A failed round yields the error and the stream goes on; it ends after
    /// [`Client::shutdown`].
    ///
    /// ```no_run
    /// use futures_util::StreamExt as _;
    /// use session_client::{Client, DEFAULT_POLL_INTERVAL};
    ///
    /// # async fn bot(client: Client) {
    /// let mut messages = std::pin::pin!(client.messages(DEFAULT_POLL_INTERVAL));
    /// while let Some(next) = messages.next().await {
    ///     match next {
    ///         Ok(m) => println!("{} says {:?}", m.sender, m.text),
    ///         Err(e) if e.is_retryable() => eprintln!("poll failed, trying again: {e}"),
    ///         Err(e) => break,
    ///     }
    /// }
    /// # }
    /// ```
    pub fn messages(
        &self,
        interval: Duration,
    ) -> impl Stream<Item = Result<Message>> + Send + 'static {
        poll_stream(self.clone(), interval)
    }

    /// Deletes own messages by hash from the own swarm; returns the hashes some member deleted.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for an empty or malformed hash list; the request errors.
    pub async fn delete(&self, hashes: &[String]) -> Result<Vec<String>> {
        let request = rpc::delete(&self.inner.auth, hashes, false)
            .map_err(|e| Error::InvalidInput(e.to_string()))?;
        self.own_swarm_hashes(&request, |outcome| match outcome {
            MemberOutcome::Deleted(list) => list.sorted_all(),
            _ => Vec::new(),
        })
        .await
    }

    /// Sets the expiry (unix ms) of own messages; returns the hashes some member updated.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for an empty or malformed hash list; the request errors.
    pub async fn expire(&self, hashes: &[String], expiry_ms: u64) -> Result<Vec<String>> {
        let request = rpc::expire(&self.inner.auth, hashes, &[expiry_ms], ExpireMode::Set)
            .map_err(|e| Error::InvalidInput(e.to_string()))?;
        self.own_swarm_hashes(&request, |outcome| match outcome {
            MemberOutcome::Expired { updated, .. } => updated.clone(),
            _ => Vec::new(),
        })
        .await
    }

    /// Sends a recursive request to the own swarm and collects (sorted, once each) the hashes
    /// that `hashes_of` finds in the verified member results.
    async fn own_swarm_hashes(
        &self,
        request: &Request,
        hashes_of: fn(&MemberOutcome) -> Vec<String>,
    ) -> Result<Vec<String>> {
        let routed = self
            .request(Some(&self.inner.swarm_key), request, None)
            .await?;
        let answer = SwarmResponse::parse(request, &routed.body)?;
        let hashes: std::collections::BTreeSet<String> = answer
            .successes()
            .flat_map(|(_, outcome)| hashes_of(outcome))
            .collect();
        Ok(hashes.into_iter().collect())
    }

    /// A signed `store` of `data` into one of the own account's namespaces (e.g. a config
    /// message in namespaces 2–5), through an onion path; `ttl` within the namespace's bounds.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a TTL out of bounds or data over 76,800 bytes; the request
    /// errors.
    pub async fn store_own(
        &self,
        namespace: Namespace,
        data: Vec<u8>,
        ttl: Duration,
    ) -> Result<SendReceipt> {
        let sent_ms = self.network_now_ms();
        let hash = message_hash(&self.inner.swarm_key, namespace, &data);
        let request = Store {
            namespace,
            data,
            timestamp_ms: sent_ms,
            ttl_ms: u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX),
        }
        .sign(&self.inner.auth)
        .map_err(|e| Error::InvalidInput(e.to_string()))?;
        let routed = self
            .request(Some(&self.inner.swarm_key), &request, None)
            .await?;
        let stored_by = confirmed_by(&request, &routed.body, &hash)?;
        Ok(SendReceipt {
            hash,
            timestamp_ms: sent_ms,
            to: self.inner.account,
            stored_by,
            entry_node: *routed.node.ed25519_pk(),
            path: routed.path,
        })
    }

    /// Every message of one of the own account's namespaces after `last_hash` (all of them
    /// with `None`), from one swarm member, page by page: the raw stored data, each message's
    /// hash checked against its data. For namespaces this client does not decode itself
    /// (config messages, ...).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a malformed `last_hash`; the request errors.
    pub async fn retrieve_own(
        &self,
        namespace: Namespace,
        last_hash: Option<String>,
    ) -> Result<Vec<session_swarm::response::RetrievedMessage>> {
        let mut last_hash = last_hash;
        let mut node = None;
        let mut out = Vec::new();
        for _ in 0..MAX_PAGES {
            let request = Retrieve {
                namespace,
                last_hash: last_hash.clone(),
                ..Default::default()
            }
            .sign(&self.inner.auth, self.network_now_ms())
            .map_err(|e| Error::InvalidInput(e.to_string()))?;
            let routed = self
                .request(Some(&self.inner.swarm_key), &request, node.clone())
                .await?;
            node = Some(routed.node);
            let answer = RetrieveResponse::parse(&routed.body)?;
            let more = answer.more && !answer.messages.is_empty();
            if let Some(last) = answer.messages.last() {
                last_hash = Some(last.hash.clone());
            }
            out.extend(
                answer
                    .messages
                    .into_iter()
                    .filter(|m| m.hash_matches(&self.inner.swarm_key, namespace)),
            );
            if !more {
                break;
            }
        }
        Ok(out)
    }

    /// Sends a storage request of one's own (built with `session_swarm::rpc`) through an onion
    /// path to a member of `account`'s swarm, and returns the body of the answer (for apps
    /// that need a method this client does not wrap).
    ///
    /// # Errors
    /// The request errors.
    pub async fn raw_request(&self, account: &AccountId, request: &Request) -> Result<Vec<u8>> {
        let routed = self
            .request(Some(&SwarmPubkey::from(account)), request, None)
            .await?;
        Ok(routed.body)
    }
}

/// The members whose signed store result names `hash` (at least one, else [`Error::NotStored`]).
fn confirmed_by(request: &Request, body: &[u8], hash: &str) -> Result<Vec<Ed25519PublicKey>> {
    let answer = SwarmResponse::parse(request, body)?;
    let stored_by: Vec<Ed25519PublicKey> = answer
        .successes()
        .filter(|(_, o)| matches!(o, MemberOutcome::Stored { hash: h, .. } if h == hash))
        .map(|(n, _)| *n)
        .collect();
    if stored_by.is_empty() {
        return Err(Error::NotStored);
    }
    Ok(stored_by)
}

fn node_addr(node: &ServiceNode) -> SocketAddr {
    SocketAddr::new(std::net::IpAddr::V4(node.ip()), node.https_port())
}

/// A non-retryable onion error as the client reports it.
fn refusal(error: session_onion::Error) -> Error {
    match &error {
        session_onion::Error::Destination(d) => {
            let status = d.status();
            if d.kind() == DestinationErrorKind::ClockOutOfSync {
                return Error::ClockOutOfSync { status };
            }
            let message: String = String::from_utf8_lossy(&d.response().body)
                .chars()
                .take(200)
                .collect();
            Error::Refused { status, message }
        }
        _ => Error::Onion(error),
    }
}

/// What [`poll_stream`] polls: a client's own swarm, or a community room.
pub(crate) trait Polled: Clone + Send + 'static {
    /// What one round returns a list of.
    type Item: Send + 'static;
    /// Whether the client behind it is still open.
    fn is_open(&self) -> bool;
    /// One polling round.
    fn poll_round(&self) -> impl Future<Output = Result<Vec<Self::Item>>> + Send;
}

impl Polled for Client {
    type Item = Message;
    fn is_open(&self) -> bool {
        self.check_open().is_ok()
    }
    fn poll_round(&self) -> impl Future<Output = Result<Vec<Message>>> + Send {
        self.poll()
    }
}

/// The items of `source`'s polling rounds one by one, a round every `interval` (the first at
/// once); a failed round yields its error and the stream goes on; it ends once the client is
/// shut down.
pub(crate) fn poll_stream<P: Polled>(
    source: P,
    interval: Duration,
) -> impl Stream<Item = Result<P::Item>> + Send + 'static {
    let state = (source, VecDeque::<P::Item>::new(), true);
    futures_util::stream::unfold(state, move |(source, mut queue, mut first)| async move {
        loop {
            if let Some(m) = queue.pop_front() {
                return Some((Ok(m), (source, queue, first)));
            }
            if !source.is_open() {
                return None;
            }
            if !first {
                tokio::time::sleep(interval).await;
            }
            first = false;
            match source.poll_round().await {
                Ok(v) => queue.extend(v),
                Err(Error::Shutdown) => return None,
                Err(e) => return Some((Err(e), (source, queue, first))),
            }
        }
    })
}
