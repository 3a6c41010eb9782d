//! An onion request from start to end, all in one process: the client builds a 3-hop request to
//! a service node, each node peels its layer, the destination answers, and the client decrypts
//! the answer. Prints what each party can and cannot see.
//!
//! ```sh
//! cargo run --example onion
//! ```

use rand_core::OsRng;
use session_stack::identity::Ed25519KeyPair;
use session_stack::onion::{
    Decision, Destination, EncType, Hop, IncomingLayer, NodeKeys, OnionRequestBuilder, ReplyBody,
    Route,
};

/// A short, log-safe form of a key: `ab12…ef`.
fn short(key: impl std::fmt::Display) -> String {
    let s = key.to_string();
    format!("{}…{}", &s[..4], &s[s.len() - 4..])
}

struct Node {
    name: String,
    keys: NodeKeys,
    public: Hop,
}

fn main() -> anyhow::Result<()> {
    let mut rng = OsRng;
    let mut nodes = Vec::new();
    for name in ["guard", "middle", "exit", "destination"] {
        let identity = Ed25519KeyPair::generate(&mut rng);
        let public = Hop::from_ed25519(identity.public_key())?;
        let keys = NodeKeys::from_ed25519_keypair(&identity);
        nodes.push(Node {
            name: format!("{name} {}", short(public.ed25519())),
            keys,
            public,
        });
    }
    let account = format!("05{}", "ab".repeat(32));
    let payload =
        format!(r#"{{"method":"retrieve","params":{{"pubkey":"{account}","namespace":0}}}}"#);

    // The client: one layer per hop, each with a fresh ephemeral key.
    let path = nodes[..3].iter().map(|n| n.public).collect();
    let destination = Destination::ServiceNode(nodes[3].public);
    let (frame, pending) = OnionRequestBuilder::new(path, destination, payload.clone())
        .enc_type(EncType::XChaCha20)
        .build(&mut rng)?;
    println!(
        "client: sends {} bytes to the {}",
        frame.len(),
        nodes[0].name
    );
    println!("        keeps only the destination layer's key for the reply");
    println!("        (layers are not padded: sizes hint at how many layers remain)\n");

    let mut layer = IncomingLayer::parse_frame(&frame)?;
    let mut previous = "the client".to_owned();
    let mut i = 0;
    let reply = loop {
        let node = &nodes[i];
        let peeled = node.keys.peel(&layer)?;
        println!("{} (hop {}):", node.name, peeled.hop_no());
        println!(
            "  receives {} encrypted bytes from {previous}, ephemeral key {} ({})",
            layer.blob().len(),
            short(layer.ephemeral_key()),
            layer.enc_type()
        );
        match peeled.decision() {
            Decision::Accept(Route::RelayToNode(relay)) => {
                let next = relay.next_layer();
                let next_name = nodes
                    .iter()
                    .find(|n| n.public.ed25519() == relay.destination())
                    .map_or("an unknown node", |n| n.name.as_str());
                println!(
                    "  sees:     relay {} bytes to {next_name}",
                    next.blob().len()
                );
                println!("  cannot:   read those bytes or the request, nor tell the destination");
                if i == 0 {
                    println!("  (the guard does see the client's network address)");
                }
                println!();
                layer = next.clone();
                previous = node.name.clone();
                i += 1;
            }
            Decision::Accept(Route::Final(request)) => {
                let rpc = request.rpc()?;
                println!(
                    "  sees:     the request `{}` with params {}",
                    rpc.method,
                    rpc.params.len()
                );
                println!("            {}", String::from_utf8_lossy(request.body()));
                println!("  cannot:   tell who the client is ({previous} handed it over)");
                let body = r#"{"messages":[],"more":false,"hf":[19,3],"t":1700000000000}"#;
                println!("  answers:  200 {body}\n");
                break peeled.final_reply(&mut rng, 200, ReplyBody::Text(body.to_owned()));
            }
            other => anyhow::bail!("unexpected decision {other:?}"),
        }
    };

    // The reply travels back unchanged; only the client can read it.
    println!(
        "path:   relays the {}-byte reply back unchanged (it cannot read it)",
        reply.len()
    );
    let response = pending.decrypt_response(200, &reply)?;
    println!(
        "client: status {}, body {}",
        response.status,
        String::from_utf8_lossy(&response.body)
    );
    Ok(())
}
