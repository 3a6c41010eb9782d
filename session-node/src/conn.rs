//! Serving one HTTP/1.1 connection (nodes and the community server): keep-alive, a 30 s
//! header timeout, and idle keep-alive connections closed after an idle timeout so that idle
//! clients cannot hold every connection slot.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};

use crate::now_ms;

/// Serves `io` with `handler` until the client closes, an error, or `idle_timeout` passes
/// with no request in progress.
pub(crate) async fn serve_http1<I, F, Fut>(io: I, handler: F, idle_timeout: Duration)
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    F: Fn(Request<Incoming>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Response<Full<Bytes>>> + Send + 'static,
{
    // Requests in progress, and when the last one ended (unix ms).
    let activity = Arc::new((AtomicU64::new(0), AtomicU64::new(now_ms())));
    let seen = activity.clone();
    let handler = Arc::new(handler);
    let svc = hyper::service::service_fn(move |req| {
        let (handler, seen) = (handler.clone(), seen.clone());
        async move {
            seen.0.fetch_add(1, Ordering::Relaxed);
            let resp = handler(req).await;
            seen.0.fetch_sub(1, Ordering::Relaxed);
            seen.1.store(now_ms(), Ordering::Relaxed);
            Ok::<_, std::convert::Infallible>(resp)
        }
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(hyper_util::rt::TokioTimer::new())
        .keep_alive(true)
        .header_read_timeout(Duration::from_secs(30))
        .serve_connection(TokioIo::new(io), svc);
    tokio::pin!(conn);
    let mut tick = tokio::time::interval(idle_timeout / 4);
    let mut closing = false;
    loop {
        tokio::select! {
            _ = conn.as_mut() => break,
            _ = tick.tick() => {
                let idle_for = now_ms().saturating_sub(activity.1.load(Ordering::Relaxed));
                if !closing
                    && activity.0.load(Ordering::Relaxed) == 0
                    && u128::from(idle_for) >= idle_timeout.as_millis()
                {
                    conn.as_mut().graceful_shutdown();
                    closing = true;
                }
            }
        }
    }
}
