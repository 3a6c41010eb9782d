//! The swarm table: which swarm, and which nodes, serve an id — O(log n) lookups.

use crate::node::{ServiceNode, SwarmAnswer};
use crate::space::{SwarmId, SwarmPubkey, closest_swarm_index};

/// Swarms grouped from a node list, sorted by id, answering lookups by binary search.
///
/// Nodes carrying [`crate::INVALID_SWARM_ID`] (decommissioned, or lists without swarm ids)
/// belong to no swarm and are left out.
///
/// Lookups first narrow the search with a radix index over the top bits of the ids (about two
/// buckets per swarm), then binary-search the bucket: O(1) expected, O(log n) worst case.
#[derive(Debug, Clone, Default)]
pub struct SwarmTable {
    ids: Vec<u64>,
    members: Vec<Vec<ServiceNode>>,
    /// `radix[b]` = index of the first id whose top `bits` bits are ≥ `b`; `2^bits + 1` entries.
    radix: Vec<u32>,
    bits: u32,
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
        t.rebuild_index();
        t
    }

    fn rebuild_index(&mut self) {
        let n = self.ids.len();
        // About two buckets per swarm, at most 2^16 buckets.
        self.bits = (usize::BITS - n.leading_zeros() + 1).clamp(1, 16);
        let shift = 64 - self.bits;
        let buckets = 1usize << self.bits;
        self.radix.clear();
        self.radix.reserve(buckets + 1);
        let mut pos = 0usize;
        for b in 0..buckets {
            while self
                .ids
                .get(pos)
                .is_some_and(|&id| ((id >> shift) as usize) < b)
            {
                pos += 1;
            }
            self.radix.push(u32::try_from(pos).unwrap_or(u32::MAX));
        }
        self.radix.push(u32::try_from(n).unwrap_or(u32::MAX));
    }

    /// Index of the first id `>= x` (`ids.len()` if none), via the radix index.
    fn first_at_or_above(&self, x: u64) -> usize {
        let b = (x >> (64 - self.bits)) as usize;
        let (Some(&lo), Some(&hi)) = (self.radix.get(b), self.radix.get(b + 1)) else {
            return self.ids.partition_point(|&id| id < x);
        };
        let (lo, hi) = (lo as usize, hi as usize);
        match self.ids.get(lo..hi) {
            Some(bucket) => lo + bucket.partition_point(|&id| id < x),
            None => self.ids.partition_point(|&id| id < x),
        }
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
        let n = self.ids.len();
        let i = match n {
            0 => return None,
            1 => 0,
            _ => {
                let r = self.first_at_or_above(x);
                let r = if r == n { 0 } else { r };
                let l = if r == 0 { n - 1 } else { r - 1 };
                let (right, left) = (*self.ids.get(r)?, *self.ids.get(l)?);
                if right.wrapping_sub(x) < x.wrapping_sub(left) {
                    r
                } else {
                    l
                }
            }
        };
        Some(SwarmRef {
            id: SwarmId::new(*self.ids.get(i)?),
            nodes: self.members.get(i)?,
        })
    }

    /// The swarm serving `x` by plain binary search (no index); same answer as
    /// [`SwarmTable::swarm_for_position`].
    #[must_use]
    pub fn swarm_for_position_binary(&self, x: u64) -> Option<SwarmId> {
        closest_swarm_index(&self.ids, x)
            .and_then(|i| self.ids.get(i))
            .map(|&v| SwarmId::new(v))
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
                self.rebuild_index();
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
