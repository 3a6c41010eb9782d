//! A node's view of the network: the node list, grouped into swarms, and its own swarm.

use std::collections::HashMap;

use session_identity::Ed25519PublicKey;
use session_swarm::{ServiceNode, SwarmId, SwarmPubkey, SwarmTable};

/// The node list as one node sees it.
#[derive(Debug, Clone)]
pub(crate) struct View {
    nodes: Vec<ServiceNode>,
    table: SwarmTable,
    by_key: HashMap<Ed25519PublicKey, usize>,
    me: Ed25519PublicKey,
    my_swarm: SwarmId,
}

impl View {
    /// The view of `me` over `nodes`; `my_swarm` is the swarm `me` believes it is in (normally
    /// its entry's swarm id).
    pub(crate) fn new(nodes: Vec<ServiceNode>, me: Ed25519PublicKey, my_swarm: SwarmId) -> Self {
        let table = SwarmTable::from_nodes(&nodes);
        let by_key = nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (*n.ed25519_pk(), i))
            .collect();
        Self {
            nodes,
            table,
            by_key,
            me,
            my_swarm,
        }
    }

    pub(crate) fn nodes(&self) -> &[ServiceNode] {
        &self.nodes
    }

    pub(crate) fn node(&self, key: &Ed25519PublicKey) -> Option<&ServiceNode> {
        self.by_key.get(key).and_then(|&i| self.nodes.get(i))
    }

    /// The swarm serving `account` (id and members).
    pub(crate) fn swarm_of(&self, account: &SwarmPubkey) -> (SwarmId, Vec<ServiceNode>) {
        match self.table.lookup(account) {
            Some(s) => (s.id, s.nodes.to_vec()),
            None => (session_swarm::INVALID_SWARM_ID, Vec::new()),
        }
    }

    /// Whether `account` belongs to this node's swarm.
    pub(crate) fn is_ours(&self, account: &SwarmPubkey) -> bool {
        self.table
            .lookup(account)
            .is_some_and(|s| s.id == self.my_swarm)
    }

    /// The other members of this node's swarm.
    pub(crate) fn peers(&self) -> Vec<ServiceNode> {
        self.table
            .members(self.my_swarm)
            .unwrap_or_default()
            .iter()
            .filter(|n| *n.ed25519_pk() != self.me)
            .cloned()
            .collect()
    }
}
