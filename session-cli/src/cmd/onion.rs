//! `session onion ...` (issue 4): onion requests as a service node sees them.

use std::io::Read as _;
use std::process::ExitCode;

use anyhow::Context as _;
use serde_json::{Map, Value};
use session_onion::{IncomingLayer, NodeKeys, Route, X25519SecretKey};

/// Arguments of `session onion`.
#[derive(Debug, clap::Args)]
pub(crate) struct OnionArgs {
    #[command(subcommand)]
    command: OnionCmd,
}

#[derive(Debug, clap::Subcommand)]
enum OnionCmd {
    /// Peel one layer as a service node: stdin is the whole request frame
    /// `LE32(N) ‖ ciphertext ‖ JSON` as hex; prints one JSON object with `enc_type`,
    /// `client_x25519_pk`, `plaintext` (hex), the route (`route`, `blob` and the route's own
    /// fields) and, for a relay to a node, `next_frame` (hex: the frame the next node receives).
    Peel {
        /// The node's X25519 secret key (64 hex digits).
        #[arg(long, value_name = "HEX")]
        node_secret: String,
        /// Accepted for symmetry with the other commands; the output is always JSON.
        #[arg(long)]
        json: bool,
    },
}

pub(crate) fn run(args: OnionArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        OnionCmd::Peel {
            node_secret,
            json: _,
        } => peel(&node_secret),
    }
}

/// The catalogue fields of a route (`onion_layer_route`): `route`, `blob` and the route's own
/// fields. Shared with the vector runner.
pub(crate) fn route_fields(route: &Route) -> Map<String, Value> {
    let mut m = Map::new();
    let mut put = |k: &str, v: Value| {
        m.insert(k.to_owned(), v);
    };
    match route {
        Route::Final(f) => {
            put("route", "final".into());
            put("blob", hex::encode(f.body()).into());
            put("json", f.json().into());
            put("base64", f.base64().into());
        }
        Route::RelayToServer(s) => {
            put("route", "relay_to_server".into());
            put("blob", hex::encode(s.blob()).into());
            put("host", s.host().into());
            put("port", s.port().into());
            put("protocol", s.protocol().as_str().into());
            put("target", s.target().into());
        }
        Route::RelayToNode(n) => {
            let next = n.next_layer();
            put("route", "relay_to_node".into());
            put("blob", hex::encode(next.blob()).into());
            put("destination_ed25519_pk", n.destination().to_string().into());
            put("client_x25519_pk", next.ephemeral_key().to_string().into());
            put("enc_type", next.enc_type().as_str().into());
        }
        _ => put("route", "unknown".into()),
    }
    m
}

fn peel(node_secret: &str) -> anyhow::Result<ExitCode> {
    let mut input = String::new();
    std::io::stdin()
        .read_to_string(&mut input)
        .context("reading stdin")?;
    println!("{}", peel_json(node_secret, &input)?);
    Ok(ExitCode::SUCCESS)
}

/// The JSON object `session onion peel` prints for one frame (hex).
fn peel_json(node_secret: &str, input: &str) -> anyhow::Result<Value> {
    let secret = session_identity::encoding::hex_array::<32>(node_secret.trim())
        .map_err(|e| anyhow::anyhow!("--node-secret must be 64 hex digits: {e}"))?;
    let node = NodeKeys::new(X25519SecretKey::from_bytes(&secret));
    let frame = hex::decode(input.trim()).context("stdin is not hex")?;
    let layer = IncomingLayer::parse_frame(&frame).context("cannot parse the request frame")?;
    let (plaintext, _reply_key) = node.open(&layer).context("cannot decrypt the layer")?;
    let mut out = Map::new();
    out.insert("enc_type".into(), layer.enc_type().as_str().into());
    out.insert(
        "client_x25519_pk".into(),
        layer.ephemeral_key().to_string().into(),
    );
    out.insert("plaintext".into(), hex::encode(&plaintext[..]).into());
    // Unambiguous copies: a relay's route fields below reuse the names for the next layer.
    out.insert("layer_enc_type".into(), layer.enc_type().as_str().into());
    out.insert(
        "layer_client_x25519_pk".into(),
        layer.ephemeral_key().to_string().into(),
    );
    out.insert("hop_no".into(), layer.hop_no().into());
    match Route::parse(&plaintext, layer.hop_no()) {
        Ok(route) => {
            if let Route::RelayToNode(n) = &route {
                let next = n.next_layer().to_frame()?;
                out.insert("next_frame".into(), hex::encode(next).into());
            }
            if let Route::RelayToServer(s) = &route {
                out.insert("target_allowed".into(), s.is_target_allowed().into());
            }
            // The route's own `client_x25519_pk`/`enc_type` (a relay's next layer) win over the
            // incoming layer's, as in the catalogue's `onion_layer_route`.
            out.extend(route_fields(&route));
        }
        Err(e) => {
            out.insert("route".into(), Value::Null);
            out.insert("error".into(), e.to_string().into());
        }
    }
    Ok(Value::Object(out))
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    /// Peels every derived onion of the vectors hop by hop with the node secrets of their
    /// `intermediate` section, following `next_frame`, and checks each layer's plaintext.
    #[test]
    fn peels_the_derived_onions_hop_by_hop() {
        let vectors: Vec<Value> =
            serde_json::from_str(include_str!("../../../vectors/onion.json")).unwrap();
        let mut checked = 0;
        for v in vectors
            .iter()
            .filter(|v| v["kind"] == "onion_request_build")
        {
            let id = v["id"].as_str().unwrap();
            let mid = &v["intermediate"];
            let mut frame = v["expected"]["request"].as_str().unwrap().to_owned();
            let layers = mid["path_layers"].as_array().unwrap();
            let sks = mid["path_x25519_sks"].as_array().unwrap();
            for (i, (layer, sk)) in layers.iter().zip(sks).enumerate() {
                let out = super::peel_json(sk.as_str().unwrap(), &format!(" {frame}\n")).unwrap();
                assert_eq!(out["plaintext"], layer["plaintext"], "{id} hop {i}");
                assert_eq!(
                    out["layer_client_x25519_pk"], layer["client_x25519_pk"],
                    "{id} hop {i}"
                );
                assert_eq!(out["enc_type"], v["inputs"]["enc_type"], "{id} hop {i}");
                match out["route"].as_str().unwrap() {
                    "relay_to_node" => frame = out["next_frame"].as_str().unwrap().to_owned(),
                    "relay_to_server" => {
                        assert_eq!(i + 1, layers.len(), "{id}");
                        assert_eq!(out["blob"], mid["destination_layer"]["ciphertext"], "{id}");
                        assert_eq!(out["host"], v["inputs"]["destination"]["host"], "{id}");
                    }
                    other => panic!("{id} hop {i}: route {other}"),
                }
            }
            if v["inputs"]["destination"]["type"] == "snode" {
                let sk = mid["destination_x25519_sk"].as_str().unwrap();
                let out = super::peel_json(sk, &frame).unwrap();
                assert_eq!(out["route"], "final", "{id}");
                assert_eq!(
                    out["plaintext"], mid["destination_layer"]["plaintext"],
                    "{id}"
                );
                assert_eq!(out["blob"], v["inputs"]["payload"], "{id}");
            }
            checked += 1;
        }
        assert_eq!(checked, 4);
    }

    #[test]
    fn rejects_bad_input() {
        assert!(super::peel_json("00", "00").is_err());
        assert!(super::peel_json(&"11".repeat(32), "zz").is_err());
        assert!(super::peel_json(&"11".repeat(32), "01000000").is_err());
    }
}
