//! Test helpers: a tiny HTTPS client (no certificate check, as clients do) and signed storage
//! requests built with `session-swarm`.

#![allow(dead_code, unreachable_pub, missing_docs)]

use std::net::SocketAddrV4;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper::Request;
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use rustls::pki_types::ServerName;
use session_swarm::ServiceNode;

pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

pub fn temp_dir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("session-node-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

/// Sends raw bytes over a fresh TLS connection and reads until the server closes or 2 s pass.
pub async fn raw_exchange(node: &ServiceNode, bytes: &[u8]) -> String {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let cfg = session_node::insecure_client_config().unwrap();
    let tcp = tokio::net::TcpStream::connect((node.ip(), node.https_port()))
        .await
        .unwrap();
    let mut tls = tokio_rustls::TlsConnector::from(cfg)
        .connect(ServerName::IpAddress(node.ip().into()), tcp)
        .await
        .unwrap();
    tls.write_all(bytes).await.unwrap();
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout(std::time::Duration::from_secs(2), tls.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => {
                out.extend_from_slice(&buf[..n]);
                if out.windows(4).any(|w| w == b"\r\n\r\n") && out.ends_with(b"too large") {
                    break;
                }
            }
            _ => break,
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// One keep-alive HTTPS connection to a node.
pub struct Conn {
    sender: SendRequest<Full<Bytes>>,
    addr: SocketAddrV4,
}

impl Conn {
    pub async fn open(addr: SocketAddrV4) -> std::io::Result<Self> {
        let cfg: Arc<rustls::ClientConfig> = session_node::insecure_client_config().unwrap();
        let tcp = tokio::net::TcpStream::connect(addr).await?;
        let tls = tokio_rustls::TlsConnector::from(cfg)
            .connect(ServerName::IpAddress((*addr.ip()).into()), tcp)
            .await?;
        let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
            .await
            .map_err(std::io::Error::other)?;
        tokio::spawn(conn);
        Ok(Self { sender, addr })
    }

    pub async fn to(node: &ServiceNode) -> Self {
        Self::open(SocketAddrV4::new(node.ip(), node.https_port()))
            .await
            .unwrap()
    }

    pub async fn request(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, String)],
        body: Vec<u8>,
    ) -> (u16, String, Vec<u8>) {
        let mut b = Request::builder()
            .method(method)
            .uri(path)
            .header("host", self.addr.to_string());
        for (k, v) in headers {
            b = b.header(*k, v);
        }
        self.sender.ready().await.unwrap();
        let resp = self
            .sender
            .send_request(b.body(Full::new(Bytes::from(body))).unwrap())
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let ct = resp
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let body = resp
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec();
        (status, ct, body)
    }

    pub async fn post(&mut self, path: &str, body: impl Into<Vec<u8>>) -> (u16, Vec<u8>) {
        let (s, _, b) = self.request("POST", path, &[], body.into()).await;
        (s, b)
    }

    pub async fn rpc(&mut self, req: &session_swarm::Request) -> (u16, serde_json::Value, String) {
        let (s, b) = self.post("/storage_rpc/v1", req.to_json_string()).await;
        let text = String::from_utf8_lossy(&b).into_owned();
        let v = serde_json::from_slice(&b).unwrap_or(serde_json::Value::Null);
        (s, v, text)
    }
}
