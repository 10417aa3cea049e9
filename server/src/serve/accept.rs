//! The accept loop: admits each connection under the caps and serves it with hyper, closing
//! it when its watchdog, the server's shutdown or a new connection needing its place says so.

use std::convert::Infallible;
use std::future::Future;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower::ServiceExt;

use super::activity::{Activity, Cut};
use super::admission::{Admission, Reclaimed};
use super::bodies::{Deadline, Tracked};
use super::watched::Watched;
use super::{ConnLimits, ConnStats};

/// Serves `router` on `listener` until `shutdown` resolves, then lets open requests finish
/// (the caller bounds how long it waits).
pub async fn run(
    listener: TcpListener,
    router: Router,
    limits: ConnLimits,
    shutdown: impl Future<Output = ()>,
) {
    run_counted(listener, router, limits, Arc::default(), shutdown).await
}

/// [`run`], counting into `stats`.
pub async fn run_counted(
    listener: TcpListener,
    router: Router,
    limits: ConnLimits,
    stats: Arc<ConnStats>,
    shutdown: impl Future<Output = ()>,
) {
    let admission = Arc::new(Admission::new(limits, stats.clone()));
    // Every connection holds a receiver: shutting down sets the value, and is done when all
    // are dropped. (hyper-util's `GracefulShutdown` works the same way, but its watcher takes
    // the connection, which must also be closable on its own to make room.)
    let (stopping, _) = watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: pause rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let Some(ticket) = admission.admit(peer.ip()) else {
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let mut server_stopping = stopping.subscribe();
        let router = router.clone();
        let stats = stats.clone();
        tokio::spawn(async move {
            // The ticket goes with the activity, which the connection's parts share: the
            // place is given back when the connection has ended and they are dropped.
            let activity = Arc::new(Activity::new(ticket));
            let io = TokioIo::new(Watched::new(stream, activity.clone()));
            let service = hyper::service::service_fn({
                let activity = activity.clone();
                let stats = stats.clone();
                move |req: hyper::Request<Incoming>| {
                    let router = router.clone();
                    let activity = activity.clone();
                    let stats = stats.clone();
                    async move {
                        let in_flight = activity.request_started();
                        let (mut parts, body) = req.into_parts();
                        parts.extensions.insert(ConnectInfo(peer));
                        let body = Body::new(Deadline::new(body, limits.body, stats));
                        let req = axum::http::Request::from_parts(parts, body);
                        let res = router.oneshot(req).await.unwrap_or_else(|e| match e {});
                        Ok::<_, Infallible>(res.map(|b| Body::new(Tracked::new(b, in_flight))))
                    }
                }
            });
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                // A backstop only: the watchdog below applies the header and idle timeouts
                // separately, which hyper's own timer (running from the end of the previous
                // response) cannot.
                .header_read_timeout(limits.header + limits.idle);
            let conn = builder.serve_connection(io, service);
            tokio::pin!(conn);
            // Asked to close: the server is shutting down, or this connection's place went
            // to a new one. hyper's graceful shutdown closes an idle connection at once and
            // lets a request in flight (one that reached a reclaimed connection just as it
            // was chosen) finish first. A connection chosen while sending a head is cut
            // instead, as the header timeout cuts it: hyper would wait for the rest of a
            // first request's head and answer it before closing.
            let asked_to_close = async {
                tokio::select! {
                    _ = server_stopping.wait_for(|&stopping| stopping) => Reclaimed::Gracefully,
                    how = activity.reclaimed() => how,
                }
            };
            tokio::pin!(asked_to_close);
            let mut closing = false;
            loop {
                tokio::select! {
                    result = conn.as_mut() => {
                        if let Err(e) = result {
                            tracing::debug!(error = %e, "connection ended with an error");
                        }
                        break;
                    }
                    why = activity.watchdog(limits) => {
                        tracing::debug!(%peer, reason = ?why, "closing a connection");
                        let counter = match why {
                            Cut::SlowHeaders => &stats.cut_slow_headers,
                            Cut::Idle => &stats.cut_idle,
                            Cut::SlowReader => &stats.cut_slow_readers,
                        };
                        counter.fetch_add(1, Ordering::Relaxed);
                        break;
                    }
                    how = &mut asked_to_close, if !closing => {
                        if how == Reclaimed::Cut && activity.still_reading_head() {
                            tracing::debug!(%peer, "cutting a slow head: its place was needed");
                            break;
                        }
                        closing = true;
                        conn.as_mut().graceful_shutdown();
                    }
                }
            }
        });
    }
    stopping.send_replace(true);
    stopping.closed().await;
}
