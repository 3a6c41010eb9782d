//! The swarm table: which swarm, and which nodes, serve an id — O(log n) lookups.

use crate::node::{ServiceNode, SwarmAnswer};
use crate::space::{SwarmId, SwarmPubkey, closest_swarm_index};

/// Swarms grouped from a node list, sorted by id, answering lookups by binary search.
///
/// Nodes carrying [`crate::INVALID_SWARM_ID`] (decommissioned, or lists without swarm ids)
/// belong to no swarm and are left out.
#[derive(Debug, Clone, Default)]
pub struct SwarmTable {
    ids: Vec<u64>,
    members: Vec<Vec<ServiceNode>>,
}

/// One swarm of a [`SwarmTable`].
#[derive(Debug, Clone, Copy)]
pub struct SwarmRef<'a> {
    /// The swarm id.
    pub id: SwarmId,
    /// Its members, in list order.
    pub nodes: &'a [ServiceNode],
}

impl SwarmTable {
    /// Groups `nodes` by swarm id.
    #[must_use]
    pub fn from_nodes<'a>(nodes: impl IntoIterator<Item = &'a ServiceNode>) -> Self {
        let mut all: Vec<&ServiceNode> = nodes
            .into_iter()
            .filter(|n| !n.swarm_id().is_invalid())
            .collect();
        all.sort_by_key(|n| n.swarm_id());
        let mut t = Self::default();
        for n in all {
            let id = n.swarm_id().get();
            match (t.ids.last(), t.members.last_mut()) {
                (Some(&last), Some(m)) if last == id => m.push(n.clone()),
                _ => {
                    t.ids.push(id);
                    t.members.push(vec![n.clone()]);
                }
            }
        }
        t
    }

    /// Number of swarms.
    #[must_use]
    pub fn len(&self) -> usize {
        self.ids.len()
    }
    /// Whether there are no swarms.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
    /// The swarm ids, ascending.
    #[must_use]
    pub fn swarm_ids(&self) -> &[u64] {
        &self.ids
    }

    /// The swarm serving swarm-space position `x` (closest id, wrap-around, ties to the left).
    #[must_use]
    pub fn swarm_for_position(&self, x: u64) -> Option<SwarmRef<'_>> {
        let i = closest_swarm_index(&self.ids, x)?;
        Some(SwarmRef {
            id: SwarmId::new(*self.ids.get(i)?),
            nodes: self.members.get(i)?,
        })
    }

    /// The swarm serving `id` and its nodes; `None` only when the table is empty.
    #[must_use]
    pub fn lookup(&self, id: &SwarmPubkey) -> Option<SwarmRef<'_>> {
        self.swarm_for_position(id.swarm_space())
    }

    /// The members of swarm `id`, if known.
    #[must_use]
    pub fn members(&self, id: SwarmId) -> Option<&[ServiceNode]> {
        let i = self.ids.binary_search(&id.get()).ok()?;
        self.members.get(i).map(Vec::as_slice)
    }

    /// Replaces (or adds) one swarm's membership with what a node said in a `get_swarm` answer
    /// or a 421 body. An answer for [`crate::INVALID_SWARM_ID`] or without members is ignored.
    pub fn apply_swarm_answer(&mut self, answer: &SwarmAnswer) {
        if answer.swarm_id.is_invalid() || answer.nodes.is_empty() {
            return;
        }
        let nodes: Vec<ServiceNode> = answer
            .nodes
            .iter()
            .map(|n| n.clone().with_swarm_id(answer.swarm_id))
            .collect();
        match self.ids.binary_search(&answer.swarm_id.get()) {
            Ok(i) => {
                if let Some(m) = self.members.get_mut(i) {
                    *m = nodes;
                }
            }
            Err(i) => {
                self.ids.insert(i, answer.swarm_id.get());
                self.members.insert(i, nodes);
            }
        }
    }

    /// Every node of every swarm.
    pub fn nodes(&self) -> impl Iterator<Item = &ServiceNode> {
        self.members.iter().flatten()
    }
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use super::*;
    use crate::space::INVALID_SWARM_ID;

    fn node(i: u8, swarm: u64) -> ServiceNode {
        let pk = session_identity::Ed25519KeyPair::from_seed(&[i; 32]).public_key();
        ServiceNode::new(
            pk,
            Ipv4Addr::new(10, 0, 0, i),
            443,
            20200,
            SwarmId::new(swarm),
        )
        .unwrap()
    }

    #[test]
    fn groups_and_looks_up() {
        let nodes = vec![
            node(1, 500),
            node(2, 100),
            node(3, 500),
            node(4, u64::MAX),
            node(5, 100),
        ];
        let t = SwarmTable::from_nodes(&nodes);
        assert_eq!(t.swarm_ids(), &[100, 500]);
        assert_eq!(t.members(SwarmId::new(500)).unwrap().len(), 2);
        assert!(t.members(INVALID_SWARM_ID).is_none());
        let mut k = [0u8; 32];
        k[7] = 0xff;
        let id = SwarmPubkey::from_parts(5, &k);
        let s = t.lookup(&id).unwrap();
        assert_eq!(s.id, SwarmId::new(100));
        assert_eq!(s.nodes.len(), 2);
        assert!(SwarmTable::default().lookup(&id).is_none());
    }
}
