//! HTTPS POSTs over hyper 1 and tokio-rustls, with kept-alive connections reused per endpoint
//! and a timeout on every step.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full, Limited};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use rustls::pki_types::ServerName;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use crate::error::TransportError;

/// Largest response body accepted (nodes refuse requests over 10 MiB; replies are smaller).
const MAX_BODY: usize = 16 * 1024 * 1024;
/// Idle connections kept per endpoint.
const MAX_IDLE: usize = 4;

/// An HTTP answer.
#[derive(Debug)]
pub(crate) struct HttpResponse {
    pub(crate) status: u16,
    pub(crate) content_type: Option<String>,
    pub(crate) body: Bytes,
}

/// Reads a response body of at most `limit` bytes.
pub(crate) async fn read_body(
    body: hyper::body::Incoming,
    limit: usize,
) -> Result<Bytes, TransportError> {
    Ok(Limited::new(body, limit)
        .collect()
        .await
        .map_err(|e| match e.downcast::<hyper::Error>() {
            Ok(h) => TransportError::Http(*h),
            Err(_) => TransportError::BodyTooLarge,
        })?
        .to_bytes())
}

/// Where to POST: address to dial, TLS name, the connector (its verifier) to use.
#[derive(Clone)]
pub(crate) struct Endpoint {
    pub(crate) address: SocketAddr,
    pub(crate) server_name: ServerName<'static>,
    pub(crate) host_header: String,
    pub(crate) connector: TlsConnector,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("address", &self.address)
            .field("host", &self.host_header)
            .finish_non_exhaustive()
    }
}

type Sender = SendRequest<Full<Bytes>>;

/// The connection cache and timeouts.
pub(crate) struct Transport {
    idle: Mutex<HashMap<(SocketAddr, String), Vec<Sender>>>,
    connect_timeout: Duration,
    request_timeout: Duration,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport")
            .field("connect_timeout", &self.connect_timeout)
            .field("request_timeout", &self.request_timeout)
            .finish_non_exhaustive()
    }
}

impl Transport {
    pub(crate) fn new(connect_timeout: Duration, request_timeout: Duration) -> Arc<Self> {
        Arc::new(Self {
            idle: Mutex::new(HashMap::new()),
            connect_timeout,
            request_timeout,
        })
    }

    fn key(endpoint: &Endpoint) -> (SocketAddr, String) {
        (endpoint.address, endpoint.host_header.clone())
    }

    fn take_idle(&self, endpoint: &Endpoint) -> Option<Sender> {
        let mut idle = self
            .idle
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let list = idle.get_mut(&Self::key(endpoint))?;
        while let Some(s) = list.pop() {
            if !s.is_closed() && s.is_ready() {
                return Some(s);
            }
        }
        None
    }

    fn put_idle(&self, endpoint: &Endpoint, sender: Sender) {
        if sender.is_closed() {
            return;
        }
        let mut idle = self
            .idle
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let list = idle.entry(Self::key(endpoint)).or_default();
        if list.len() < MAX_IDLE {
            list.push(sender);
        }
    }

    /// Forgets the idle connections to `address` (a node that failed).
    pub(crate) fn forget(&self, address: SocketAddr) {
        let mut idle = self
            .idle
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        idle.retain(|(a, _), _| *a != address);
    }

    async fn connect(&self, endpoint: &Endpoint) -> Result<Sender, TransportError> {
        let tcp = tokio::time::timeout(self.connect_timeout, TcpStream::connect(endpoint.address))
            .await
            .map_err(|_| TransportError::Timeout)?
            .map_err(TransportError::Connect)?;
        let _ = tcp.set_nodelay(true);
        let tls = tokio::time::timeout(
            self.connect_timeout,
            endpoint
                .connector
                .connect(endpoint.server_name.clone(), tcp),
        )
        .await
        .map_err(|_| TransportError::Timeout)?
        .map_err(TransportError::Tls)?;
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
            .await
            .map_err(TransportError::Http)?;
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::trace!(error = %e, "connection closed");
            }
        });
        Ok(sender)
    }

    async fn send_on(
        &self,
        sender: &mut Sender,
        endpoint: &Endpoint,
        path: &str,
        body: Bytes,
        headers: &[(&str, &str)],
    ) -> Result<HttpResponse, TransportError> {
        let mut request = hyper::Request::builder()
            .method(hyper::Method::POST)
            .uri(path)
            .header(hyper::header::HOST, endpoint.host_header.as_str());
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        let request = request
            .body(Full::new(body))
            .map_err(|_| TransportError::Resolve(path.to_owned()))?;
        let exchange = async {
            sender.ready().await.map_err(TransportError::Http)?;
            let response = sender
                .send_request(request)
                .await
                .map_err(TransportError::Http)?;
            let status = response.status().as_u16();
            let content_type = response
                .headers()
                .get(hyper::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let body = read_body(response.into_body(), MAX_BODY).await?;
            Ok(HttpResponse {
                status,
                content_type,
                body,
            })
        };
        tokio::time::timeout(self.request_timeout, exchange)
            .await
            .map_err(|_| TransportError::Timeout)?
    }

    /// POSTs `body` to `path` at `endpoint`. A kept-alive connection is reused when there is
    /// one; if it fails before an answer (the peer closed it), the request is sent once more on
    /// a new connection.
    pub(crate) async fn post(
        &self,
        endpoint: &Endpoint,
        path: &str,
        body: Bytes,
        headers: &[(&str, &str)],
    ) -> Result<HttpResponse, TransportError> {
        if let Some(mut sender) = self.take_idle(endpoint) {
            match self
                .send_on(&mut sender, endpoint, path, body.clone(), headers)
                .await
            {
                Ok(r) => {
                    self.put_idle(endpoint, sender);
                    return Ok(r);
                }
                Err(TransportError::Http(e)) => {
                    tracing::debug!(error = %e, "kept-alive connection failed; reconnecting");
                }
                Err(e) => return Err(e),
            }
        }
        let mut sender = self.connect(endpoint).await?;
        let r = self
            .send_on(&mut sender, endpoint, path, body, headers)
            .await?;
        self.put_idle(endpoint, sender);
        Ok(r)
    }
}
