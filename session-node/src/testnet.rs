//! A whole network on loopback, in one process (`local-network.md` §5).

use std::net::{IpAddr, Ipv4Addr, SocketAddr, SocketAddrV4};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::json;
use session_community::server::ModRole;
use session_identity::SessionId;
use session_swarm::{ServiceNode, SwarmId};
use tracing::info;

use crate::community::CommunityServer;
use crate::error::{Error, Result, io};
use crate::node::{Node, NodeConfig, bind, node_key};
use crate::peer::PeerClient;

/// The port a node tries first.
pub const DEFAULT_PORT: u16 = 22021;
/// Default number of nodes.
pub const DEFAULT_NODES: usize = 12;
/// Default swarm size.
pub const DEFAULT_SWARM_SIZE: usize = 4;
/// Most nodes one local network may have (127.0.0.2 … 127.0.0.254).
pub const MAX_NODES: usize = 253;

/// How to start a local network. Counts left `None` take the values stored in an existing
/// directory, else the defaults (12 nodes, swarms of 4).
#[derive(Debug, Clone)]
pub struct TestnetConfig {
    /// The directory holding `testnet.json`, `layout.json` and `node-<i>/`.
    pub dir: PathBuf,
    /// Number of nodes.
    pub nodes: Option<usize>,
    /// Nodes per swarm (swarms = nodes / swarm size, at least 1).
    pub swarm_size: Option<usize>,
    /// Room tokens of a community server to start beside the nodes (`None`: no server). Its
    /// address (the first loopback address after the nodes'), port and X25519 key
    /// (`DIR/community/x25519.key`) are kept in `DIR` for restarts; its posts live in memory
    /// only. See [`CommunityServer`] (not a production server).
    pub community: Option<Vec<String>>,
    /// Global admins of that community server (Account IDs, which also cover their
    /// 15-blinded ids, or 15 ids); not kept in `DIR`, give them at every start.
    pub community_admins: Vec<SessionId>,
}

impl TestnetConfig {
    /// A configuration for `dir` with the stored or default counts.
    #[must_use]
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self {
            dir: dir.into(),
            nodes: None,
            swarm_size: None,
            community: None,
            community_admins: Vec::new(),
        }
    }
    /// Sets the node count.
    #[must_use]
    pub fn nodes(mut self, n: usize) -> Self {
        self.nodes = Some(n);
        self
    }
    /// Sets the swarm size.
    #[must_use]
    pub fn swarm_size(mut self, n: usize) -> Self {
        self.swarm_size = Some(n);
        self
    }
    /// Makes `id` a global admin of the community server (see
    /// [`TestnetConfig::community_admins`]).
    #[must_use]
    pub fn community_admin(mut self, id: SessionId) -> Self {
        self.community_admins.push(id);
        self
    }
    /// Also starts a community server with these rooms (see [`TestnetConfig::community`]).
    #[must_use]
    pub fn community(mut self, rooms: &[&str]) -> Self {
        self.community = Some(rooms.iter().map(|r| (*r).to_owned()).collect());
        self
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Layout {
    nodes: usize,
    swarm_size: usize,
    entries: Vec<LayoutEntry>,
    /// Where the community server listens (once one was started in this directory).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    community: Option<CommunityEntry>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct CommunityEntry {
    ip: Ipv4Addr,
    port: u16,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct LayoutEntry {
    ip: Ipv4Addr,
    port: u16,
    swarm_id: u64,
}

/// Swarm `k` of `s` has id `k · ⌊2^64 / s⌋`.
#[must_use]
pub fn swarm_id_of(k: usize, swarms: usize) -> SwarmId {
    let s = swarms.max(1) as u128;
    let step = (1u128 << 64) / s;
    SwarmId::new(u64::try_from((k as u128 % s) * step).unwrap_or(0))
}

fn node_ip(i: usize) -> Result<Ipv4Addr> {
    let last = u8::try_from(i + 2)
        .ok()
        .filter(|&b| b < 255)
        .ok_or_else(|| Error::Config(format!("at most {MAX_NODES} nodes")))?;
    Ok(Ipv4Addr::new(127, 0, 0, last))
}

/// Writes `bytes` to `path` atomically (temporary file, then rename).
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, bytes).map_err(io(format!("writing {}", tmp.display())))?;
    std::fs::rename(&tmp, path).map_err(io(format!("renaming to {}", path.display())))
}

struct Slot {
    config: NodeConfig,
    node: Option<Node>,
    stale: bool,
}

/// A running local network: every node in this process, each on its own loopback address.
///
/// See the crate docs for an example.
pub struct Testnet {
    dir: PathBuf,
    layout: Layout,
    list: Vec<ServiceNode>,
    slots: Vec<Slot>,
    community: Option<CommunityServer>,
}

impl std::fmt::Debug for Testnet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Testnet")
            .field("dir", &self.dir)
            .field("nodes", &self.list.len())
            .field("community", &self.community)
            .finish_non_exhaustive()
    }
}

impl Testnet {
    /// Starts (or restarts, with the same directory) a local network and writes
    /// `DIR/testnet.json` once every node answers `GET /get_stats/v1`.
    ///
    /// # Errors
    /// [`Error::Config`] for bad counts or counts that differ from an existing directory's;
    /// [`Error::Bind`] when an address cannot be bound; key, TLS or database errors;
    /// [`Error::NotReady`] if a node does not come up within 10 s.
    pub async fn start(config: TestnetConfig) -> Result<Self> {
        let dir = config.dir.clone();
        std::fs::create_dir_all(&dir).map_err(io(format!("creating {}", dir.display())))?;
        let layout_path = dir.join("layout.json");
        let stored: Option<Layout> = if layout_path.exists() {
            let text = std::fs::read(&layout_path)
                .map_err(io(format!("reading {}", layout_path.display())))?;
            Some(serde_json::from_slice(&text).map_err(|e| Error::Malformed {
                path: layout_path.clone(),
                why: e.to_string(),
            })?)
        } else {
            None
        };
        if let Some(l) = &stored {
            for (given, have, what) in [
                (config.nodes, l.nodes, "--nodes"),
                (config.swarm_size, l.swarm_size, "--swarm-size"),
            ] {
                if given.is_some_and(|g| g != have) {
                    return Err(Error::Config(format!(
                        "{} was made with {what} {have}; use that value or another directory",
                        dir.display()
                    )));
                }
            }
        }
        let n = stored
            .as_ref()
            .map_or(config.nodes.unwrap_or(DEFAULT_NODES), |l| l.nodes);
        let size = stored
            .as_ref()
            .map_or(config.swarm_size.unwrap_or(DEFAULT_SWARM_SIZE), |l| {
                l.swarm_size
            });
        if n == 0 || n > MAX_NODES || size == 0 {
            return Err(Error::Config(format!(
                "need 1 to {MAX_NODES} nodes and a swarm size of at least 1"
            )));
        }
        let swarms = (n / size).max(1);
        let mut listeners = Vec::with_capacity(n);
        let mut entries = Vec::with_capacity(n);
        for i in 0..n {
            let (ip, port, swarm_id) = match stored.as_ref().and_then(|l| l.entries.get(i)) {
                Some(e) => (e.ip, e.port, e.swarm_id),
                None => (node_ip(i)?, 0, swarm_id_of(i % swarms, swarms).get()),
            };
            let listener = if port != 0 {
                bind(SocketAddrV4::new(ip, port)).await?
            } else {
                match bind(SocketAddrV4::new(ip, DEFAULT_PORT)).await {
                    Ok(l) => l,
                    Err(_) => bind(SocketAddrV4::new(ip, 0)).await?,
                }
            };
            let port = listener
                .local_addr()
                .map_err(io("listener address"))?
                .port();
            entries.push(LayoutEntry { ip, port, swarm_id });
            listeners.push(listener);
        }
        let mut layout = Layout {
            nodes: n,
            swarm_size: size,
            entries,
            community: stored.as_ref().and_then(|l| l.community),
        };
        let community = match &config.community {
            Some(rooms) => {
                let server = start_community(&dir, n, layout.community, rooms).await?;
                let admin = Some(ModRole {
                    admin: true,
                    visible: true,
                });
                for id in &config.community_admins {
                    server.with_state(|s| s.set_moderator(id, None, admin))?;
                }
                if let SocketAddr::V4(a) = server.addr() {
                    layout.community = Some(CommunityEntry {
                        ip: *a.ip(),
                        port: a.port(),
                    });
                }
                Some(server)
            }
            None => None,
        };
        write_atomic(
            &layout_path,
            &serde_json::to_vec_pretty(&layout).map_err(|e| Error::Config(e.to_string()))?,
        )?;
        let mut list = Vec::with_capacity(n);
        for (i, e) in layout.entries.iter().enumerate() {
            let key = node_key(&dir.join(format!("node-{i}")))?;
            list.push(
                ServiceNode::new(key.public_key(), e.ip, e.port, 0, SwarmId::new(e.swarm_id))?
                    .with_version(session_swarm::server::STORAGE_VERSION),
            );
        }
        let mut slots = Vec::with_capacity(n);
        for (i, (listener, e)) in listeners.into_iter().zip(&layout.entries).enumerate() {
            let config = NodeConfig {
                data_dir: dir.join(format!("node-{i}")),
                listen: SocketAddrV4::new(e.ip, e.port),
                nodes: list.clone(),
            };
            let node = Node::start_on(config.clone(), listener).await?;
            slots.push(Slot {
                config,
                node: Some(node),
                stale: false,
            });
        }
        let net = Self {
            dir,
            layout,
            list,
            slots,
            community,
        };
        net.wait_ready().await?;
        net.write_testnet_json()?;
        info!(dir = %net.dir.display(), nodes = n, swarms, "testnet up");
        Ok(net)
    }

    async fn wait_ready(&self) -> Result<()> {
        let client = PeerClient::new()?;
        for (i, slot) in self.slots.iter().enumerate() {
            if slot.node.is_none() {
                continue;
            }
            let Some(entry) = self.list.get(i) else {
                continue;
            };
            let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
            loop {
                if let Ok((200, _)) = client.get(entry, "/get_stats/v1").await {
                    break;
                }
                if tokio::time::Instant::now() > deadline {
                    return Err(Error::NotReady(format!(
                        "{}:{}",
                        entry.ip(),
                        entry.https_port()
                    )));
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
        Ok(())
    }

    fn write_testnet_json(&self) -> Result<()> {
        let nodes: Vec<_> = self
            .list
            .iter()
            .map(|n| {
                json!({
                    "pubkey_ed25519": n.ed25519_pk().to_string(),
                    "pubkey_x25519": n.x25519_pk().to_string(),
                    "public_ip": n.ip().to_string(),
                    "storage_port": n.https_port(),
                    "swarm_id": n.swarm_id().get(),
                })
            })
            .collect();
        let mut v = json!({"seeds": self.seeds(), "nodes": nodes});
        if let Some(c) = &self.community {
            let rooms: Vec<_> = c
                .rooms()
                .iter()
                .map(|r| json!({"token": r, "join_url": c.join_url(r)}))
                .collect();
            v["community"] = json!({
                "base_url": c.base_url(),
                "public_key": hex::encode(c.public_key().as_bytes()),
                "rooms": rooms,
            });
        }
        let text = serde_json::to_vec_pretty(&v).map_err(|e| Error::Config(e.to_string()))?;
        write_atomic(&self.testnet_json(), &text)
    }

    /// The directory.
    #[must_use]
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// `DIR/testnet.json`.
    #[must_use]
    pub fn testnet_json(&self) -> PathBuf {
        self.dir.join("testnet.json")
    }

    /// The seed URLs: the first three nodes, `https://IP:PORT`.
    #[must_use]
    pub fn seeds(&self) -> Vec<String> {
        self.list
            .iter()
            .take(3)
            .map(|n| format!("https://{}:{}", n.ip(), n.https_port()))
            .collect()
    }

    /// The community server started with [`TestnetConfig::community`], if any.
    #[must_use]
    pub fn community(&self) -> Option<&CommunityServer> {
        self.community.as_ref()
    }

    /// Every node (running or stopped) with its keys, address and swarm id.
    #[must_use]
    pub fn nodes(&self) -> &[ServiceNode] {
        &self.list
    }

    /// Number of nodes.
    #[must_use]
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// Whether there are no nodes (never, once started).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The swarm size the network was made with.
    #[must_use]
    pub fn swarm_size(&self) -> usize {
        self.layout.swarm_size
    }

    /// Whether node `i` is running.
    #[must_use]
    pub fn is_running(&self, i: usize) -> bool {
        self.slots.get(i).is_some_and(|s| s.node.is_some())
    }

    /// Number of messages node `i` holds (`None` when stopped or unknown).
    #[must_use]
    pub fn message_count(&self, i: usize) -> Option<u64> {
        self.slots.get(i)?.node.as_ref()?.message_count().ok()
    }

    fn slot(&mut self, i: usize) -> Result<&mut Slot> {
        self.slots
            .get_mut(i)
            .ok_or_else(|| Error::Config(format!("no node {i}")))
    }

    /// Stops node `i` (its address then refuses connections: relays report it as
    /// "currently unreachable"). Stopping a stopped node does nothing.
    ///
    /// # Errors
    /// [`Error::Config`] for an unknown index.
    pub async fn stop_node(&mut self, i: usize) -> Result<()> {
        if let Some(node) = self.slot(i)?.node.take() {
            node.stop().await;
        }
        Ok(())
    }

    /// Starts node `i` again on the same address and port with the same key and database, and
    /// waits (at most 10 s) until it has caught up from its swarm peers. Starting a running
    /// node does nothing.
    ///
    /// # Errors
    /// [`Error::Config`] for an unknown index; bind, TLS or database errors.
    pub async fn restart_node(&mut self, i: usize) -> Result<()> {
        let list = self.list.clone();
        let slot = self.slot(i)?;
        if slot.node.is_some() {
            return Ok(());
        }
        slot.config.nodes = list;
        let node = Node::start(slot.config.clone()).await?;
        node.caught_up(Duration::from_secs(10)).await;
        slot.node = Some(node);
        let stale = slot.stale;
        if stale {
            self.set_stale_view(i, true)?;
        }
        Ok(())
    }

    /// Adds a node on the next loopback address, in the existing swarm `index mod swarms`
    /// (by ascending id; the swarm count stays as it is), tells every node, rewrites `testnet.json` and `layout.json`, and
    /// returns the new node's index once it answers.
    ///
    /// # Errors
    /// As [`Testnet::start`].
    pub async fn add_node(&mut self) -> Result<usize> {
        let i = self.list.len();
        let ip = node_ip(i)?;
        let listener = match bind(SocketAddrV4::new(ip, DEFAULT_PORT)).await {
            Ok(l) => l,
            Err(_) => bind(SocketAddrV4::new(ip, 0)).await?,
        };
        let port = listener
            .local_addr()
            .map_err(io("listener address"))?
            .port();
        // Join the existing swarms in turn (their count stays as it is).
        let mut ids: Vec<u64> = self.list.iter().map(|n| n.swarm_id().get()).collect();
        ids.sort_unstable();
        ids.dedup();
        let swarm_id = SwarmId::new(ids.get(i % ids.len().max(1)).copied().unwrap_or(0));
        let data_dir = self.dir.join(format!("node-{i}"));
        let key = node_key(&data_dir)?;
        self.list.push(
            ServiceNode::new(key.public_key(), ip, port, 0, swarm_id)?
                .with_version(session_swarm::server::STORAGE_VERSION),
        );
        self.layout.entries.push(LayoutEntry {
            ip,
            port,
            swarm_id: swarm_id.get(),
        });
        self.layout.nodes = self.list.len();
        write_atomic(
            &self.dir.join("layout.json"),
            &serde_json::to_vec_pretty(&self.layout).map_err(|e| Error::Config(e.to_string()))?,
        )?;
        for idx in 0..self.slots.len() {
            self.refresh_view(idx);
        }
        let config = NodeConfig {
            data_dir,
            listen: SocketAddrV4::new(ip, port),
            nodes: self.list.clone(),
        };
        let node = Node::start_on(config.clone(), listener).await?;
        node.caught_up(Duration::from_secs(10)).await;
        self.slots.push(Slot {
            config,
            node: Some(node),
            stale: false,
        });
        self.wait_ready().await?;
        self.write_testnet_json()?;
        Ok(i)
    }

    fn refresh_view(&self, i: usize) {
        let Some(slot) = self.slots.get(i) else {
            return;
        };
        let Some(node) = &slot.node else { return };
        let Some(me) = self.list.get(i) else { return };
        let swarm = if slot.stale {
            self.stale_swarm(me.swarm_id())
        } else {
            me.swarm_id()
        };
        node.set_nodes(self.list.clone(), swarm);
    }

    /// The swarm after `id` (wrapping): where a node with a stale view believes it is.
    fn stale_swarm(&self, id: SwarmId) -> SwarmId {
        let mut ids: Vec<u64> = self.list.iter().map(|n| n.swarm_id().get()).collect();
        ids.sort_unstable();
        ids.dedup();
        let next = ids
            .iter()
            .copied()
            .find(|&x| x > id.get())
            .or_else(|| ids.first().copied())
            .unwrap_or(id.get());
        SwarmId::new(next)
    }

    /// Gives node `i` a stale view of the swarms (or restores it): with `stale`, the node
    /// believes it belongs to the *next* swarm (by id, wrapping), so for every account of its
    /// real swarm it answers 421 naming that swarm's members — what a client sees when its
    /// node list is out of date. (With a single swarm there is no other swarm to believe in
    /// and nothing changes.) The stale view survives [`Testnet::restart_node`].
    ///
    /// # Errors
    /// [`Error::Config`] for an unknown index.
    pub fn set_stale_view(&mut self, i: usize, stale: bool) -> Result<()> {
        self.slot(i)?.stale = stale;
        self.refresh_view(i);
        Ok(())
    }

    /// Stops every node (in-flight requests are dropped, databases closed) and the community
    /// server, if any.
    pub async fn stop(mut self) {
        if let Some(c) = self.community.take() {
            c.stop().await;
        }
        for slot in &mut self.slots {
            if let Some(node) = slot.node.take() {
                node.stop().await;
            }
        }
        info!(dir = %self.dir.display(), "testnet stopped");
    }
}

/// Starts the community server of a local network: on its stored address and port, else on
/// the first loopback address after the `n` nodes' (a free port); key from
/// `DIR/community/x25519.key`.
async fn start_community(
    dir: &Path,
    n: usize,
    stored: Option<CommunityEntry>,
    rooms: &[String],
) -> Result<CommunityServer> {
    let key_dir = dir.join("community");
    std::fs::create_dir_all(&key_dir).map_err(io(format!("creating {}", key_dir.display())))?;
    let key = crate::keys::load_or_create_x25519(&key_dir)?;
    let (ip, port) = match stored {
        Some(e) => (e.ip, e.port),
        None => (
            node_ip(n).map_err(|_| {
                Error::Config(format!(
                    "no loopback address left for the community server after {n} nodes"
                ))
            })?,
            0,
        ),
    };
    let rooms: Vec<&str> = rooms.iter().map(String::as_str).collect();
    CommunityServer::start_with_key(IpAddr::V4(ip), port, key, &rooms).await
}
