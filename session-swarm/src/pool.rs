//! The client's service-node pool, swarm cache and onion paths (spec §3.1, libsession's
//! numbers and rules), as a sans-IO state machine: the caller performs the network requests
//! this asks for and feeds back what happened, with the current time and an RNG.
//!
//! * Bootstrap: [`NodePool::bootstrap_step`] says whether to fetch from a seed (pool smaller
//!   than the minimum), refresh from 3 random pool nodes (cache older than 2 h), or nothing.
//! * Paths: 3 hops (guard + 2), 2 paths kept, no two nodes with the same IPv4 address in a path
//!   or across paths (exact-address rule), destination's IP never in the path used to reach it.
//!   With [`PoolConfig::subnet_diversity`] (newer libsession, session-desktop) the same rules
//!   hold for /24 subnets instead of addresses.
//! * Failures: node and path thresholds of 3; "Next node not found" replaces the node;
//!   back-off `min(5 s, 100 ms · 2^failures)`.

use std::collections::{HashMap, HashSet};
use std::net::Ipv4Addr;

use rand_core::{CryptoRng, RngCore};
use session_identity::Ed25519PublicKey;

use crate::error::{Error, Result};
use crate::node::{ServiceNode, SwarmAnswer};
use crate::response::next_node_not_found;
use crate::space::{SwarmId, SwarmPubkey};
use crate::table::SwarmTable;

/// Pool cache lifetime before a background refresh: 2 h.
pub const CACHE_LIFETIME_MS: u64 = 2 * 3_600_000;
/// Minimum usable pool size (libsession `min_snode_cache_count`).
pub const MIN_POOL_SIZE: usize = 12;
/// Nodes asked (and intersected) when refreshing from the pool.
pub const REFRESH_NODE_COUNT: usize = 3;
/// Hops per onion path, guard included.
pub const PATH_LENGTH: usize = 3;
/// Paths kept (per path type) in normal mode.
pub const PATH_COUNT: usize = 2;
/// Failures after which a path is dropped.
pub const PATH_FAILURE_THRESHOLD: u32 = 3;
/// Failures after which a node is no longer used.
pub const NODE_FAILURE_THRESHOLD: u32 = 3;
/// Largest back-off delay.
pub const MAX_RETRY_DELAY_MS: u64 = 5_000;

/// Session Desktop's numbers, for comparison (its pool rules differ: /24 subnet diversity,
/// agreement of 3 nodes on at least 24 entries).
pub mod desktop {
    /// Minimum pool size: `1 · (3 + 1) · 2 = 8` (its comment says 12).
    pub const MIN_POOL_SIZE: usize = 8;
    /// Pool size under which it refreshes from nodes.
    pub const REFRESH_THRESHOLD: usize = 16;
    /// Nodes that must be common to 3 random nodes' lists (12 on a local devnet).
    pub const AGREEMENT_COUNT: usize = 24;
    /// Minimum swarm size before asking for the swarm again.
    pub const MIN_SWARM_SIZE: usize = 3;
    /// Guards wanted.
    pub const DESIRED_GUARDS: usize = 2;
}

/// libsession's retry back-off: `min(5000 ms, 100 ms · 2^failures)`.
#[must_use]
pub fn retry_delay_ms(failures: u32) -> u64 {
    1u64.checked_shl(failures)
        .and_then(|p| p.checked_mul(100))
        .map_or(MAX_RETRY_DELAY_MS, |d| d.min(MAX_RETRY_DELAY_MS))
}

/// The minimum pool size after a seed fetch of `seed_count` nodes:
/// `min(max(3, seed_count − 3), 12)`.
#[must_use]
pub fn min_pool_after_seed(seed_count: usize) -> usize {
    seed_count.saturating_sub(3).clamp(3, MIN_POOL_SIZE)
}

/// Pool and path parameters (defaults: libsession's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct PoolConfig {
    /// Minimum usable pool before a seed fetch.
    pub min_pool_size: usize,
    /// Cache lifetime, ms.
    pub cache_lifetime_ms: u64,
    /// Nodes asked on a refresh from the pool.
    pub refresh_node_count: usize,
    /// Hops per path (guard included).
    pub path_length: usize,
    /// Paths kept.
    pub path_count: usize,
    /// Path failure threshold.
    pub path_failure_threshold: u32,
    /// Node failure threshold.
    pub node_failure_threshold: u32,
    /// Single-path mode: 1 path, and the destination's IP may be in it.
    pub single_path_mode: bool,
    /// Diversity by /24 subnet instead of by exact address: no two hops of all paths in one
    /// /24, and a path is used for a destination only if no hop shares its /24 (newer
    /// libsession's default, `disable_subnet_diversity` off; session-desktop's
    /// `getWeightedSingleSnodePerSubnet`). Off by default: the exact-IPv4 rule of the
    /// libsession the spec describes (swarm.md §3.2, §3.3).
    pub subnet_diversity: bool,
}

impl Default for PoolConfig {
    fn default() -> Self {
        Self {
            min_pool_size: MIN_POOL_SIZE,
            cache_lifetime_ms: CACHE_LIFETIME_MS,
            refresh_node_count: REFRESH_NODE_COUNT,
            path_length: PATH_LENGTH,
            path_count: PATH_COUNT,
            path_failure_threshold: PATH_FAILURE_THRESHOLD,
            node_failure_threshold: NODE_FAILURE_THRESHOLD,
            single_path_mode: false,
            subnet_diversity: false,
        }
    }
}

impl PoolConfig {
    /// libsession's single-path mode (1 path; destinations may share its IPs).
    #[must_use]
    pub fn single_path() -> Self {
        Self {
            path_count: 1,
            single_path_mode: true,
            ..Self::default()
        }
    }

    /// The defaults with [`PoolConfig::subnet_diversity`] on (one node per /24 subnet).
    #[must_use]
    pub fn subnet_diverse() -> Self {
        Self {
            subnet_diversity: true,
            ..Self::default()
        }
    }
}

/// What the pool needs next.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BootstrapStep {
    /// The pool is usable and fresh.
    Ready,
    /// Too few usable nodes: fetch the node list from a seed (QUIC `oxend_request` with
    /// [`crate::rpc::seed_bootstrap_bt_body`], or HTTPS JSON-RPC with
    /// [`crate::rpc::seed_bootstrap_request`]), then call [`NodePool::apply_seed_answer`].
    FetchFromSeed,
    /// The cache is stale: ask these nodes for `get_service_nodes`
    /// ([`crate::rpc::oxend_get_service_nodes`]) and call [`NodePool::apply_refresh_answers`].
    RefreshFrom(Vec<ServiceNode>),
}

/// Identifier of a path within its pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PathId(u64);

/// An onion path: guard first, then the other hops.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnionPath {
    id: PathId,
    nodes: Vec<ServiceNode>,
    failures: u32,
}

impl OnionPath {
    /// The path's id.
    #[must_use]
    pub const fn id(&self) -> PathId {
        self.id
    }
    /// The hops, guard first.
    #[must_use]
    pub fn nodes(&self) -> &[ServiceNode] {
        &self.nodes
    }
    /// The guard (first hop).
    #[must_use]
    pub fn guard(&self) -> Option<&ServiceNode> {
        self.nodes.first()
    }
    /// Consecutive failures counted against this path.
    #[must_use]
    pub const fn failures(&self) -> u32 {
        self.failures
    }
    /// Whether any hop has address `ip`.
    #[must_use]
    pub fn contains_ip(&self, ip: Ipv4Addr) -> bool {
        self.nodes.iter().any(|n| n.ip() == ip)
    }
}

/// What a failure did to the path it was sent on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FailureOutcome {
    /// The error is the caller's (400, 401, 403, 404, 406, 425): no penalty, do not retry.
    NoPenalty,
    /// The path was penalised and is still usable; retry after the delay.
    Penalised {
        /// Back-off before retrying, ms.
        retry_after_ms: u64,
    },
    /// A hop was missing and has been replaced; retry after the delay.
    NodeReplaced {
        /// Back-off before retrying, ms.
        retry_after_ms: u64,
    },
    /// The path was dropped; build another ([`NodePool::ensure_paths`]) and retry.
    PathDropped {
        /// Back-off before retrying, ms.
        retry_after_ms: u64,
    },
}

/// What to do after a 421 from a swarm member.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WrongSwarmAction {
    /// Retry on this other member of the (updated) swarm.
    RetryOn(ServiceNode),
    /// Refresh the pool (swarm view is stale), then retry.
    RefreshPool,
    /// Give up: treat as an ordinary error.
    GiveUp,
}

/// The node pool, swarm view and paths of one client.
#[derive(Debug, Clone)]
pub struct NodePool {
    config: PoolConfig,
    nodes: Vec<ServiceNode>,
    min_size: usize,
    refreshed_at_ms: Option<u64>,
    node_failures: HashMap<Ed25519PublicKey, u32>,
    table: SwarmTable,
    swarm_cache: HashMap<SwarmPubkey, (SwarmId, Vec<ServiceNode>)>,
    paths: Vec<OnionPath>,
    next_path_id: u64,
    refresh_failures: u32,
}

fn uniform(rng: &mut (impl CryptoRng + RngCore), n: usize) -> usize {
    // Rejection sampling: unbiased index in 0..n (n > 0).
    let n64 = n as u64;
    let zone = u64::MAX - (u64::MAX % n64);
    loop {
        let v = rng.next_u64();
        if v < zone {
            return usize::try_from(v % n64).unwrap_or(0);
        }
    }
}

fn shuffle<T>(items: &mut [T], rng: &mut (impl CryptoRng + RngCore)) {
    for i in (1..items.len()).rev() {
        let j = uniform(rng, i + 1);
        items.swap(i, j);
    }
}

impl NodePool {
    /// An empty pool.
    #[must_use]
    pub fn new(config: PoolConfig) -> Self {
        Self {
            min_size: config.min_pool_size,
            config,
            nodes: Vec::new(),
            refreshed_at_ms: None,
            node_failures: HashMap::new(),
            table: SwarmTable::default(),
            swarm_cache: HashMap::new(),
            paths: Vec::new(),
            next_path_id: 0,
            refresh_failures: 0,
        }
    }

    /// The configuration.
    #[must_use]
    pub const fn config(&self) -> &PoolConfig {
        &self.config
    }
    /// Every node of the pool.
    #[must_use]
    pub fn nodes(&self) -> &[ServiceNode] {
        &self.nodes
    }
    /// The swarm table of the pool.
    #[must_use]
    pub const fn table(&self) -> &SwarmTable {
        &self.table
    }
    /// The current paths.
    #[must_use]
    pub fn paths(&self) -> &[OnionPath] {
        &self.paths
    }
    /// The current minimum pool size (lowered after a small seed answer).
    #[must_use]
    pub const fn min_size(&self) -> usize {
        self.min_size
    }
    /// A node's failure count.
    #[must_use]
    pub fn node_failures(&self, node: &Ed25519PublicKey) -> u32 {
        self.node_failures.get(node).copied().unwrap_or(0)
    }

    fn is_usable(&self, n: &ServiceNode) -> bool {
        self.node_failures(n.ed25519_pk()) < self.config.node_failure_threshold
    }

    /// Nodes below the failure threshold.
    pub fn usable_nodes(&self) -> impl Iterator<Item = &ServiceNode> {
        self.nodes.iter().filter(|n| self.is_usable(n))
    }

    fn set_nodes(
        &mut self,
        mut nodes: Vec<ServiceNode>,
        now_ms: u64,
        rng: &mut (impl CryptoRng + RngCore),
    ) {
        shuffle(&mut nodes, rng);
        self.table = SwarmTable::from_nodes(&nodes);
        self.nodes = nodes;
        self.refreshed_at_ms = Some(now_ms);
        self.node_failures.clear();
        self.swarm_cache.clear();
        self.refresh_failures = 0;
    }

    /// Loads a saved pool (e.g. libsession's disk cache) that was last refreshed at
    /// `refreshed_at_ms`.
    pub fn load_cache(
        &mut self,
        nodes: Vec<ServiceNode>,
        refreshed_at_ms: u64,
        rng: &mut (impl CryptoRng + RngCore),
    ) {
        self.set_nodes(nodes, refreshed_at_ms, rng);
    }

    /// What to do next at `now_ms` (seed fetch, refresh from pool nodes, or nothing).
    pub fn bootstrap_step(
        &self,
        now_ms: u64,
        rng: &mut (impl CryptoRng + RngCore),
    ) -> BootstrapStep {
        let mut usable: Vec<ServiceNode> = self.usable_nodes().cloned().collect();
        if usable.len() < self.min_size || usable.len() < self.config.refresh_node_count {
            return BootstrapStep::FetchFromSeed;
        }
        let stale = self
            .refreshed_at_ms
            .is_none_or(|t| now_ms.saturating_sub(t) >= self.config.cache_lifetime_ms);
        if !stale {
            return BootstrapStep::Ready;
        }
        shuffle(&mut usable, rng);
        usable.truncate(self.config.refresh_node_count);
        BootstrapStep::RefreshFrom(usable)
    }

    /// Installs a seed's node list (trusted as is); the minimum pool size becomes
    /// [`min_pool_after_seed`] of its length. Clears failures and the swarm cache.
    ///
    /// # Errors
    /// [`Error::NotEnoughNodes`] for an empty list (the pool is left unchanged).
    pub fn apply_seed_answer(
        &mut self,
        nodes: Vec<ServiceNode>,
        now_ms: u64,
        rng: &mut (impl CryptoRng + RngCore),
    ) -> Result<()> {
        if nodes.is_empty() {
            self.refresh_failures = self.refresh_failures.saturating_add(1);
            return Err(Error::NotEnoughNodes);
        }
        self.min_size = min_pool_after_seed(nodes.len()).min(self.config.min_pool_size);
        self.set_nodes(nodes, now_ms, rng);
        Ok(())
    }

    /// Installs the result of a refresh from pool nodes: the intersection of all answers
    /// (same key, address, ports, version and swarm). If any answer is empty, the refresh is
    /// abandoned and the old pool kept (`Ok(false)`).
    ///
    /// # Errors
    /// [`Error::NotEnoughNodes`] if fewer answers than [`PoolConfig::refresh_node_count`] are
    /// given.
    pub fn apply_refresh_answers(
        &mut self,
        answers: &[Vec<ServiceNode>],
        now_ms: u64,
        rng: &mut (impl CryptoRng + RngCore),
    ) -> Result<bool> {
        if answers.len() < self.config.refresh_node_count {
            return Err(Error::NotEnoughNodes);
        }
        if answers.iter().any(Vec::is_empty) {
            self.refresh_failures = self.refresh_failures.saturating_add(1);
            return Ok(false);
        }
        let mut rest = answers
            .iter()
            .skip(1)
            .map(|a| a.iter().collect::<HashSet<_>>());
        let sets: Vec<HashSet<&ServiceNode>> = rest.by_ref().collect();
        let first = answers.first().map(Vec::as_slice).unwrap_or_default();
        let common: Vec<ServiceNode> = first
            .iter()
            .filter(|n| sets.iter().all(|s| s.contains(n)))
            .cloned()
            .collect();
        self.set_nodes(common, now_ms, rng);
        Ok(true)
    }

    /// Records a failed pool fetch (seed or refresh request); returns the back-off before the
    /// next attempt.
    pub fn refresh_failed(&mut self) -> u64 {
        self.refresh_failures = self.refresh_failures.saturating_add(1);
        retry_delay_ms(self.refresh_failures)
    }

    // ---- swarms -------------------------------------------------------------------------

    /// The swarm serving `id` and its usable members: from the swarm cache (filled by 421
    /// answers), else computed from the pool with the closest-swarm rule.
    #[must_use]
    pub fn swarm_for(&self, id: &SwarmPubkey) -> Option<(SwarmId, Vec<ServiceNode>)> {
        if let Some((sid, nodes)) = self.swarm_cache.get(id) {
            return Some((
                *sid,
                nodes
                    .iter()
                    .filter(|n| self.is_usable(n))
                    .cloned()
                    .collect(),
            ));
        }
        let s = self.table.lookup(id)?;
        Some((
            s.id,
            s.nodes
                .iter()
                .filter(|n| self.is_usable(n))
                .cloned()
                .collect(),
        ))
    }

    /// A random usable member of `id`'s swarm, other than `exclude`.
    ///
    /// # Errors
    /// [`Error::NoSwarms`] without swarms, [`Error::NotEnoughNodes`] if no member is left.
    pub fn random_swarm_member(
        &self,
        id: &SwarmPubkey,
        exclude: Option<&Ed25519PublicKey>,
        rng: &mut (impl CryptoRng + RngCore),
    ) -> Result<ServiceNode> {
        let (_, members) = self.swarm_for(id).ok_or(Error::NoSwarms)?;
        let members: Vec<ServiceNode> = members
            .into_iter()
            .filter(|n| Some(n.ed25519_pk()) != exclude)
            .collect();
        if members.is_empty() {
            return Err(Error::NotEnoughNodes);
        }
        members
            .get(uniform(rng, members.len()))
            .cloned()
            .ok_or(Error::NotEnoughNodes)
    }

    /// A member of `id`'s swarm answered 421 (attempt number `attempt`, from 1) and possibly
    /// named the right swarm. The answer (if it lists members) replaces the cached swarm of
    /// `id` (without one, the failed member is dropped from the cached swarm); then: 1st time → retry on another member; 2nd → refresh the pool; later → give
    /// up (libsession's rule).
    pub fn on_wrong_swarm(
        &mut self,
        id: &SwarmPubkey,
        failed_member: &Ed25519PublicKey,
        answer: Option<&SwarmAnswer>,
        attempt: u32,
        rng: &mut (impl CryptoRng + RngCore),
    ) -> WrongSwarmAction {
        if let Some(a) = answer.filter(|a| !a.nodes.is_empty() && !a.swarm_id.is_invalid()) {
            self.swarm_cache.insert(*id, (a.swarm_id, a.nodes.clone()));
            self.table.apply_swarm_answer(a);
        } else {
            // No usable answer: stop asking that member for this id (Session Desktop drops it
            // from the cached swarm).
            let members = match self.swarm_cache.remove(id) {
                Some(cached) => Some(cached),
                None => self.table.lookup(id).map(|s| (s.id, s.nodes.to_vec())),
            };
            if let Some((sid, mut nodes)) = members {
                nodes.retain(|n| n.ed25519_pk() != failed_member);
                self.swarm_cache.insert(*id, (sid, nodes));
            }
        }
        match attempt {
            0 | 1 => match self.random_swarm_member(id, Some(failed_member), rng) {
                Ok(n) => WrongSwarmAction::RetryOn(n),
                Err(_) => WrongSwarmAction::RefreshPool,
            },
            2 => {
                self.swarm_cache.remove(id);
                WrongSwarmAction::RefreshPool
            }
            _ => WrongSwarmAction::GiveUp,
        }
    }

    // ---- paths --------------------------------------------------------------------------

    /// What two hops must not share: the IPv4 address, or its /24 subnet with
    /// [`PoolConfig::subnet_diversity`].
    fn site(&self, node: &ServiceNode) -> u32 {
        let ip = u32::from(node.ip());
        if self.config.subnet_diversity {
            ip & 0xffff_ff00
        } else {
            ip
        }
    }

    fn used_sites(&self) -> HashSet<u32> {
        self.paths
            .iter()
            .flat_map(|p| p.nodes.iter().map(|n| self.site(n)))
            .collect()
    }

    /// Usable nodes whose IP (or /24) is in no path: the candidates for new hops.
    fn unused_nodes(&self) -> Vec<ServiceNode> {
        let used = self.used_sites();
        self.usable_nodes()
            .filter(|n| !used.contains(&self.site(n)))
            .cloned()
            .collect()
    }

    /// Builds one new path: a random guard, then hops popped from the shuffled unused nodes,
    /// skipping any whose IP is already in the path (or in another path).
    ///
    /// # Errors
    /// [`Error::NotEnoughNodes`] if there are not enough distinct-IP usable nodes (retry after
    /// [`retry_delay_ms`] and possibly a pool refresh).
    pub fn build_path(&mut self, rng: &mut (impl CryptoRng + RngCore)) -> Result<PathId> {
        let used = self.used_sites();
        // Partial Fisher–Yates over the pool: draw nodes in random order until the path is
        // full, skipping failed nodes and IPs already in use (here or in another path).
        let mut order: Vec<usize> = (0..self.nodes.len()).collect();
        let mut hops: Vec<ServiceNode> = Vec::with_capacity(self.config.path_length);
        for i in 0..order.len() {
            if hops.len() == self.config.path_length {
                break;
            }
            let j = i + uniform(rng, order.len() - i);
            order.swap(i, j);
            let Some(n) = order.get(i).and_then(|&k| self.nodes.get(k)) else {
                break;
            };
            let site = self.site(n);
            if self.is_usable(n)
                && !used.contains(&site)
                && hops.iter().all(|h| self.site(h) != site)
            {
                hops.push(n.clone());
            }
        }
        if hops.len() < self.config.path_length {
            return Err(Error::NotEnoughNodes);
        }
        let id = PathId(self.next_path_id);
        self.next_path_id += 1;
        self.paths.push(OnionPath {
            id,
            nodes: hops,
            failures: 0,
        });
        Ok(id)
    }

    /// Builds paths until [`PoolConfig::path_count`] exist.
    ///
    /// # Errors
    /// [`Error::NotEnoughNodes`] as for [`NodePool::build_path`] (paths built so far are kept).
    pub fn ensure_paths(&mut self, rng: &mut (impl CryptoRng + RngCore)) -> Result<()> {
        while self.paths.len() < self.config.path_count {
            self.build_path(rng)?;
        }
        Ok(())
    }

    /// The path with id `id`.
    #[must_use]
    pub fn path(&self, id: PathId) -> Option<&OnionPath> {
        self.paths.iter().find(|p| p.id == id)
    }

    /// A path to reach `destination` (uniformly random among valid ones): one with no hop at
    /// the destination's IP (any path in single-path mode). `None` if no valid path exists
    /// (build one with [`NodePool::build_path`]).
    pub fn path_for(
        &self,
        destination: Option<&ServiceNode>,
        rng: &mut (impl CryptoRng + RngCore),
    ) -> Option<&OnionPath> {
        let valid: Vec<&OnionPath> = self
            .paths
            .iter()
            .filter(|p| {
                self.config.single_path_mode
                    || destination
                        .is_none_or(|d| p.nodes.iter().all(|n| self.site(n) != self.site(d)))
            })
            .collect();
        if valid.is_empty() {
            return None;
        }
        valid.get(uniform(rng, valid.len())).copied()
    }

    /// A request on path `id` succeeded: its consecutive-failure count restarts at 0.
    pub fn on_success(&mut self, id: PathId) {
        if let Some(p) = self.paths.iter_mut().find(|p| p.id == id) {
            p.failures = 0;
        }
    }

    fn drop_path(&mut self, id: PathId) {
        self.paths.retain(|p| p.id != id);
    }

    /// A node could not be reached (e.g. QUIC handshake timeout to a guard): its failure count
    /// is set to the threshold, and any path through it is dropped.
    pub fn on_node_unreachable(&mut self, node: &Ed25519PublicKey) {
        self.node_failures
            .insert(*node, self.config.node_failure_threshold);
        self.paths
            .retain(|p| p.nodes.iter().all(|n| n.ed25519_pk() != node));
    }

    /// Removes a node from the pool, its swarm and any path.
    pub fn drop_node(&mut self, node: &Ed25519PublicKey) {
        self.on_node_unreachable(node);
        self.nodes.retain(|n| n.ed25519_pk() != node);
        self.table = SwarmTable::from_nodes(&self.nodes);
        for (_, members) in self.swarm_cache.values_mut() {
            members.retain(|n| n.ed25519_pk() != node);
        }
    }

    /// A request on path `id` failed with HTTP `status` (if known) and `body` (libsession's
    /// `handle_errors`, without the 421 case — see [`NodePool::on_wrong_swarm`]):
    ///
    /// * 400, 401, 403, 404, 406, 425 → the caller's problem, no penalty;
    /// * `"Next node not found: <ed25519>"` naming a hop → that node's count is set to the
    ///   threshold and it is replaced by an unused node (a guard, or no replacement, drops the
    ///   path);
    /// * anything else → path count +1; at the threshold every hop gets +1, the guard is set
    ///   to the threshold, and the path is dropped.
    pub fn on_failure(
        &mut self,
        id: PathId,
        status: Option<u16>,
        body: &[u8],
        rng: &mut (impl CryptoRng + RngCore),
    ) -> FailureOutcome {
        let status = status.or_else(|| crate::response::status_from_body(body));
        if matches!(status, Some(400 | 401 | 403 | 404 | 406 | 425)) {
            return FailureOutcome::NoPenalty;
        }
        let Some(pos) = self.paths.iter().position(|p| p.id == id) else {
            return FailureOutcome::PathDropped {
                retry_after_ms: retry_delay_ms(0),
            };
        };
        let threshold = self.config.node_failure_threshold;
        if let Some(missing) = next_node_not_found(body) {
            let hop = self
                .paths
                .get(pos)
                .and_then(|p| p.nodes.iter().position(|n| *n.ed25519_pk() == missing));
            if let Some(hop) = hop {
                self.node_failures.insert(missing, threshold);
                let failures = self.paths.get(pos).map_or(0, |p| p.failures);
                if hop == 0 {
                    self.drop_path(id);
                    return FailureOutcome::PathDropped {
                        retry_after_ms: retry_delay_ms(failures),
                    };
                }
                let path_sites: HashSet<u32> = self
                    .paths
                    .get(pos)
                    .map(|p| {
                        p.nodes
                            .iter()
                            .filter(|n| *n.ed25519_pk() != missing)
                            .map(|n| self.site(n))
                            .collect()
                    })
                    .unwrap_or_default();
                let mut spare: Vec<ServiceNode> = self
                    .unused_nodes()
                    .into_iter()
                    .filter(|n| !path_sites.contains(&self.site(n)))
                    .collect();
                if spare.is_empty() {
                    self.drop_path(id);
                    return FailureOutcome::PathDropped {
                        retry_after_ms: retry_delay_ms(failures),
                    };
                }
                let pick = uniform(rng, spare.len());
                let replacement = spare.swap_remove(pick);
                if let Some(slot) = self.paths.get_mut(pos).and_then(|p| p.nodes.get_mut(hop)) {
                    *slot = replacement;
                }
                return FailureOutcome::NodeReplaced {
                    retry_after_ms: retry_delay_ms(failures),
                };
            }
        }
        let Some(path) = self.paths.get_mut(pos) else {
            return FailureOutcome::PathDropped {
                retry_after_ms: retry_delay_ms(0),
            };
        };
        path.failures += 1;
        let failures = path.failures;
        if failures < self.config.path_failure_threshold {
            return FailureOutcome::Penalised {
                retry_after_ms: retry_delay_ms(failures),
            };
        }
        let hops: Vec<Ed25519PublicKey> = path.nodes.iter().map(|n| *n.ed25519_pk()).collect();
        for (i, k) in hops.iter().enumerate() {
            let c = self.node_failures.entry(*k).or_insert(0);
            *c = if i == 0 {
                threshold
            } else {
                c.saturating_add(1)
            };
        }
        self.drop_path(id);
        FailureOutcome::PathDropped {
            retry_after_ms: retry_delay_ms(failures),
        }
    }
}

#[cfg(test)]
mod tests {
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;
    use session_identity::Ed25519KeyPair;

    use super::*;

    /// `n` nodes in 4 swarms, node `i` at address `ip(i)`.
    fn nodes_at(n: u8, ip: impl Fn(u8) -> Ipv4Addr) -> Vec<ServiceNode> {
        (0..n)
            .map(|i| {
                let pk = Ed25519KeyPair::from_seed(&[i; 32]).public_key();
                let swarm = SwarmId::new(u64::from(i % 4) << 62);
                ServiceNode::new(pk, ip(i), 443, 20200, swarm).unwrap()
            })
            .collect()
    }

    pub(crate) fn nodes(n: u8, distinct_ips: u8) -> Vec<ServiceNode> {
        nodes_at(n, |i| Ipv4Addr::new(10, 0, 0, i % distinct_ips))
    }

    fn ip_rule_holds(pool: &NodePool) -> bool {
        let mut seen = HashSet::new();
        pool.paths()
            .iter()
            .flat_map(|p| p.nodes())
            .all(|n| seen.insert(n.ip()))
    }

    #[test]
    fn bootstrap_and_paths() {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let mut pool = NodePool::new(PoolConfig::default());
        assert_eq!(
            pool.bootstrap_step(0, &mut rng),
            BootstrapStep::FetchFromSeed
        );
        pool.apply_seed_answer(nodes(20, 20), 0, &mut rng).unwrap();
        assert_eq!(pool.min_size(), 12);
        assert_eq!(pool.bootstrap_step(1000, &mut rng), BootstrapStep::Ready);
        let BootstrapStep::RefreshFrom(ask) = pool.bootstrap_step(CACHE_LIFETIME_MS, &mut rng)
        else {
            panic!("expected a refresh")
        };
        assert_eq!(ask.len(), 3);
        pool.ensure_paths(&mut rng).unwrap();
        assert_eq!(pool.paths().len(), 2);
        assert!(pool.paths().iter().all(|p| p.nodes().len() == 3));
        assert!(ip_rule_holds(&pool));
        let dest = pool.paths()[0].nodes()[1].clone();
        let p = pool.path_for(Some(&dest), &mut rng).unwrap();
        assert!(!p.contains_ip(dest.ip()));
    }

    #[test]
    fn same_ip_nodes_cannot_make_two_paths() {
        let mut rng = ChaCha20Rng::seed_from_u64(2);
        let mut pool = NodePool::new(PoolConfig::default());
        pool.apply_seed_answer(nodes(30, 5), 0, &mut rng).unwrap();
        pool.build_path(&mut rng).unwrap();
        assert!(matches!(
            pool.build_path(&mut rng),
            Err(Error::NotEnoughNodes)
        ));
        assert!(ip_rule_holds(&pool));
        assert_eq!(min_pool_after_seed(5), 3);
        assert_eq!(min_pool_after_seed(10), 7);
        assert_eq!(min_pool_after_seed(100), 12);
    }

    /// Nodes at 10.0.(i % subnets).i: `n` distinct addresses in `subnets` /24 subnets.
    fn nodes_in_subnets(n: u8, subnets: u8) -> Vec<ServiceNode> {
        nodes_at(n, |i| Ipv4Addr::new(10, 0, i % subnets, i))
    }

    fn subnet_rule_holds(pool: &NodePool) -> bool {
        let mut seen = HashSet::new();
        pool.paths()
            .iter()
            .flat_map(|p| p.nodes())
            .all(|n| seen.insert(n.ip().octets()[..3].to_vec()))
    }

    #[test]
    fn subnet_diversity() {
        // 12 addresses in 4 subnets: two 3-hop paths by address, only one by subnet.
        let mut rng = ChaCha20Rng::seed_from_u64(4);
        let mut by_ip = NodePool::new(PoolConfig::default());
        by_ip
            .apply_seed_answer(nodes_in_subnets(12, 4), 0, &mut rng)
            .unwrap();
        by_ip.ensure_paths(&mut rng).unwrap();
        assert!(ip_rule_holds(&by_ip));
        assert!(
            !subnet_rule_holds(&by_ip),
            "two paths over 4 subnets share one"
        );

        let mut pool = NodePool::new(PoolConfig::subnet_diverse());
        pool.apply_seed_answer(nodes_in_subnets(12, 4), 0, &mut rng)
            .unwrap();
        let id = pool.build_path(&mut rng).unwrap();
        assert!(matches!(
            pool.build_path(&mut rng),
            Err(Error::NotEnoughNodes)
        ));
        assert!(subnet_rule_holds(&pool));

        // A destination at another address of a hop's subnet, not itself in the path: only the
        // address rule lets the path reach it.
        let neighbour = |pool: &NodePool, id: PathId| {
            let path = pool.path(id).unwrap();
            let hop = path.nodes()[1].ip().octets();
            pool.nodes()
                .iter()
                .find(|n| n.ip().octets()[..3] == hop[..3] && !path.contains_ip(n.ip()))
                .expect("a neighbour outside the path (fixed seed)")
                .clone()
        };
        let dest = neighbour(&pool, id);
        assert!(pool.path_for(Some(&dest), &mut rng).is_none());
        let mut exact = NodePool::new(PoolConfig::default());
        exact
            .apply_seed_answer(pool.nodes().to_vec(), 0, &mut rng)
            .unwrap();
        let eid = exact.build_path(&mut rng).unwrap();
        let dest = neighbour(&exact, eid);
        assert!(exact.path_for(Some(&dest), &mut rng).is_some());

        // A lost hop is replaced from the one subnet no hop uses.
        let lost = *pool.path(id).unwrap().nodes()[2].ed25519_pk();
        let body = format!("502 Bad Gateway\n\nNext node not found: {lost}");
        assert!(matches!(
            pool.on_failure(id, None, body.as_bytes(), &mut rng),
            FailureOutcome::NodeReplaced { .. }
        ));
        assert!(subnet_rule_holds(&pool));
    }

    #[test]
    fn failures_drop_and_replace() {
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        let mut pool = NodePool::new(PoolConfig::default());
        pool.apply_seed_answer(nodes(20, 20), 0, &mut rng).unwrap();
        let id = pool.build_path(&mut rng).unwrap();
        assert_eq!(
            pool.on_failure(id, Some(406), b"", &mut rng),
            FailureOutcome::NoPenalty
        );
        assert_eq!(
            pool.on_failure(id, Some(500), b"", &mut rng),
            FailureOutcome::Penalised {
                retry_after_ms: 200
            }
        );
        let hop = *pool.path(id).unwrap().nodes()[2].ed25519_pk();
        let body = format!("502 Bad Gateway\n\nNext node not found: {hop}");
        assert!(matches!(
            pool.on_failure(id, None, body.as_bytes(), &mut rng),
            FailureOutcome::NodeReplaced { .. }
        ));
        assert_eq!(pool.node_failures(&hop), 3);
        assert!(
            pool.path(id)
                .unwrap()
                .nodes()
                .iter()
                .all(|n| *n.ed25519_pk() != hop)
        );
        assert!(matches!(
            pool.on_failure(id, None, b"boom", &mut rng),
            FailureOutcome::Penalised { .. }
        ));
        let guard = *pool.path(id).unwrap().nodes()[0].ed25519_pk();
        assert!(matches!(
            pool.on_failure(id, None, b"boom", &mut rng),
            FailureOutcome::PathDropped { .. }
        ));
        assert!(pool.path(id).is_none());
        assert_eq!(pool.node_failures(&guard), 3);
        assert_eq!(retry_delay_ms(0), 100);
        assert_eq!(retry_delay_ms(3), 800);
        assert_eq!(retry_delay_ms(10), 5000);
        assert_eq!(retry_delay_ms(200), 5000);
    }

    #[test]
    fn wrong_swarm_and_refresh() {
        let mut rng = ChaCha20Rng::seed_from_u64(4);
        let mut pool = NodePool::new(PoolConfig::default());
        let all = nodes(20, 20);
        pool.apply_seed_answer(all.clone(), 0, &mut rng).unwrap();
        let id = SwarmPubkey::from_parts(5, &[0u8; 32]);
        let (sid, members) = pool.swarm_for(&id).unwrap();
        assert_eq!(sid, SwarmId::new(0));
        let failed = *members[0].ed25519_pk();
        let answer = SwarmAnswer {
            swarm_id: SwarmId::new(1 << 62),
            nodes: all
                .iter()
                .filter(|n| n.swarm_id() == SwarmId::new(1 << 62))
                .cloned()
                .collect(),
            node_time: None,
        };
        match pool.on_wrong_swarm(&id, &failed, Some(&answer), 1, &mut rng) {
            WrongSwarmAction::RetryOn(n) => assert_eq!(n.swarm_id(), SwarmId::new(1 << 62)),
            other => panic!("{other:?}"),
        }
        assert_eq!(pool.swarm_for(&id).unwrap().0, SwarmId::new(1 << 62));
        assert_eq!(
            pool.on_wrong_swarm(&id, &failed, None, 2, &mut rng),
            WrongSwarmAction::RefreshPool
        );
        assert_eq!(
            pool.on_wrong_swarm(&id, &failed, None, 3, &mut rng),
            WrongSwarmAction::GiveUp
        );

        let a = all[..15].to_vec();
        let b = all[3..].to_vec();
        let c = all.clone();
        assert!(
            pool.apply_refresh_answers(&[a, b, c.clone()], 10, &mut rng)
                .unwrap()
        );
        assert_eq!(pool.nodes().len(), 12);
        assert!(
            !pool
                .apply_refresh_answers(&[c.clone(), c, vec![]], 20, &mut rng)
                .unwrap()
        );
        assert_eq!(pool.nodes().len(), 12);
    }
}
