//! Find an Account ID's swarm in a node list, pick an onion path, sign a retrieve and wrap it
//! in an onion request for a swarm member.
//!
//! ```sh
//! cargo run --example swarm                         # a generated 16-node local network
//! cargo run --example swarm -- testnet.json         # any node list (oxend, get_swarm, array)
//! ```

use std::net::Ipv4Addr;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Context as _;
use rand_core::OsRng;
use session_stack::identity::Ed25519KeyPair;
use session_stack::onion::{self, Destination, OnionRequestBuilder};
use session_stack::swarm::auth::Auth;
use session_stack::swarm::node::parse_node_list;
use session_stack::swarm::{
    Namespace, NodePool, PoolConfig, Retrieve, ServiceNode, SwarmId, SwarmTable,
};

/// A local network: 16 nodes on 127.0.0.2.., 4 evenly spaced swarms.
fn local_network() -> anyhow::Result<Vec<ServiceNode>> {
    (0..16u8)
        .map(|i| {
            let key = Ed25519KeyPair::generate(&mut OsRng).public_key();
            let swarm = SwarmId::new(u64::from(i % 4) * (u64::MAX / 4));
            let ip = Ipv4Addr::new(127, 0, 0, i + 2);
            Ok(ServiceNode::new(
                key,
                ip,
                22100 + u16::from(i),
                22200 + u16::from(i),
                swarm,
            )?)
        })
        .collect()
}

fn main() -> anyhow::Result<()> {
    let nodes = match std::env::args().nth(1) {
        Some(path) => {
            let text = std::fs::read(&path).with_context(|| format!("reading {path}"))?;
            parse_node_list(&text)?
        }
        None => local_network()?,
    };
    println!("{} nodes", nodes.len());

    // 1. Which swarm serves my Account ID?
    let me = Ed25519KeyPair::generate(&mut OsRng);
    let auth = Auth::session_id(&me);
    let table = SwarmTable::from_nodes(&nodes);
    let swarm = table
        .lookup(auth.account_id())
        .context("no swarms in the node list")?;
    println!(
        "account {} -> swarm {} ({} members)",
        me.account_id(),
        swarm.id,
        swarm.nodes.len()
    );

    // 2. A pool, two onion paths, and a swarm member as destination.
    let now_ms = u64::try_from(SystemTime::now().duration_since(UNIX_EPOCH)?.as_millis())?;
    let mut pool = NodePool::new(PoolConfig::default());
    pool.apply_seed_answer(nodes, now_ms, &mut OsRng)?;
    pool.ensure_paths(&mut OsRng)?;
    let destination = pool.random_swarm_member(auth.account_id(), None, &mut OsRng)?;
    let path = match pool.path_for(Some(&destination), &mut OsRng) {
        Some(p) => p.clone(),
        None => {
            let id = pool.build_path(&mut OsRng)?;
            pool.path(id).context("path just built")?.clone()
        }
    };
    for (i, hop) in path.nodes().iter().enumerate() {
        println!("hop {i}: {} {}", hop.ed25519_pk(), hop.ip());
    }
    println!(
        "destination: {} {}",
        destination.ed25519_pk(),
        destination.ip()
    );

    // 3. A signed retrieve of namespace 0, then the onion request carrying it.
    let request = Retrieve {
        namespace: Namespace::DEFAULT,
        ..Default::default()
    }
    .sign(&auth, now_ms)?;
    println!("request: {}", request.to_json_string());
    let hops: Vec<onion::Hop> = path.nodes().iter().map(Into::into).collect();
    let dest = onion::Hop::from(&destination);
    let (body, _pending) = OnionRequestBuilder::new(
        hops,
        Destination::ServiceNode(dest),
        request.to_json_string().into_bytes(),
    )
    .build(&mut OsRng)?;
    println!("onion request for the guard: {} bytes", body.len());
    Ok(())
}
