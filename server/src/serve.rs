//! Accepting connections and keeping slow or hostile clients from holding them.
//!
//! A client that sends its headers or body a byte at a time, or opens connections and never
//! uses them, costs a socket and a task each; the rate limit only sees whole requests, so it
//! never counts them. Each connection therefore has:
//!
//! - a header timeout: from the first byte of a request to its complete headers;
//! - a body timeout: from the headers to the last byte of the request body;
//! - an idle timeout: between requests on a kept-alive connection (and before the first);
//!
//! and connections are capped per client address (IPv6 per /64, as the rate limit counts)
//! and in total. Connections over a cap are closed at once, before any byte is read.
//!
//! HTTP/1.1 only: browsers speak it to a plain-HTTP server, and nginx speaks it upstream.

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::Router;
use bytes::Bytes;
use http_body::{Body as HttpBody, Frame, SizeHint};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tower::ServiceExt;

use crate::guard::client::bucket;

/// How long and how many connections a client may hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConnLimits {
    /// From a request's first byte to its complete headers.
    pub header: Duration,
    /// From a request's headers to the last byte of its body.
    pub body: Duration,
    /// With no request in flight, the longest a connection may stay silent.
    pub idle: Duration,
    /// The longest a response may wait for the client to take its next bytes: a client that
    /// stops reading would otherwise hold its connection (and its place under the caps) for
    /// as long as it likes.
    pub send: Duration,
    /// Open connections per client address; 0 means no cap.
    pub per_client: usize,
    /// Open connections in all; 0 means no cap.
    pub total: usize,
}

impl Default for ConnLimits {
    fn default() -> Self {
        ConnLimits {
            header: Duration::from_secs(10),
            body: Duration::from_secs(20),
            idle: Duration::from_secs(30),
            send: Duration::from_secs(30),
            per_client: 64,
            total: 4096,
        }
    }
}

/// The error a request body ends in when it takes longer than the body timeout.
#[derive(Debug)]
pub struct BodyTimedOut;

impl std::fmt::Display for BodyTimedOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the request body took too long")
    }
}

impl std::error::Error for BodyTimedOut {}

/// Whether a body read error is the body timeout.
pub fn is_body_timeout(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cause {
        if c.is::<BodyTimedOut>() {
            return true;
        }
        cause = c.source();
    }
    false
}

/// What the server did with its connections (for the logs of tests and load tests).
#[derive(Debug, Default)]
pub struct ConnStats {
    pub open: AtomicUsize,
    pub peak_open: AtomicUsize,
    /// The most connections one client held at once.
    pub peak_per_client: AtomicUsize,
    pub refused: AtomicUsize,
    pub cut_slow_headers: AtomicUsize,
    pub cut_idle: AtomicUsize,
    pub cut_slow_readers: AtomicUsize,
    pub slow_bodies: AtomicUsize,
}

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
    let graceful = GracefulShutdown::new();
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
        let watcher = graceful.watcher();
        let router = router.clone();
        let stats = stats.clone();
        tokio::spawn(async move {
            let activity = Arc::new(Activity::new());
            let io = TokioIo::new(Watched {
                inner: stream,
                activity: activity.clone(),
            });
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
                        let body = Body::new(Deadline {
                            inner: body,
                            timer: Box::pin(tokio::time::sleep(limits.body)),
                            timed_out: false,
                            stats,
                        });
                        let req = axum::http::Request::from_parts(parts, body);
                        let res = router.oneshot(req).await.unwrap_or_else(|e| match e {});
                        Ok::<_, Infallible>(res.map(|b| {
                            Body::new(Tracked {
                                inner: b,
                                _in_flight: in_flight,
                            })
                        }))
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
            let conn = watcher.watch(builder.serve_connection(io, service));
            tokio::select! {
                result = conn => {
                    if let Err(e) = result {
                        tracing::debug!(error = %e, "connection ended with an error");
                    }
                }
                why = activity.watchdog(limits) => {
                    tracing::debug!(%peer, reason = ?why, "closing a connection");
                    let counter = match why {
                        Cut::SlowHeaders => &stats.cut_slow_headers,
                        Cut::Idle => &stats.cut_idle,
                        Cut::SlowReader => &stats.cut_slow_readers,
                    };
                    counter.fetch_add(1, Ordering::Relaxed);
                }
            }
            drop(ticket);
        });
    }
    graceful.shutdown().await;
}

/// Why the watchdog closed a connection.
#[derive(Clone, Copy, Debug)]
enum Cut {
    SlowHeaders,
    Idle,
    SlowReader,
}

/// Counts open connections per client and in total.
struct Admission {
    limits: ConnLimits,
    open: Mutex<(HashMap<IpAddr, usize>, usize)>,
    stats: Arc<ConnStats>,
    last_warning: Mutex<Option<Instant>>,
}

impl Admission {
    fn new(limits: ConnLimits, stats: Arc<ConnStats>) -> Admission {
        Admission {
            limits,
            open: Mutex::new((HashMap::new(), 0)),
            stats,
            last_warning: Mutex::new(None),
        }
    }

    fn admit(self: &Arc<Self>, ip: IpAddr) -> Option<Ticket> {
        let client = bucket(ip);
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let (per, total) = &mut *open;
        let mine = per.get(&client).copied().unwrap_or(0);
        let over_client = self.limits.per_client > 0 && mine >= self.limits.per_client;
        let over_total = self.limits.total > 0 && *total >= self.limits.total;
        if over_client || over_total {
            drop(open);
            self.note_refusal(client, over_total);
            return None;
        }
        per.insert(client, mine + 1);
        *total += 1;
        self.stats.open.store(*total, Ordering::Relaxed);
        self.stats.peak_open.fetch_max(*total, Ordering::Relaxed);
        self.stats
            .peak_per_client
            .fetch_max(mine + 1, Ordering::Relaxed);
        Some(Ticket {
            admission: self.clone(),
            client,
        })
    }

    /// Logs refusals at most every ten seconds, so a flood cannot flood the log too.
    fn note_refusal(&self, client: IpAddr, total: bool) {
        let refused = self.stats.refused.fetch_add(1, Ordering::Relaxed) + 1;
        let mut last = self.last_warning.lock().unwrap_or_else(|e| e.into_inner());
        if last.is_none_or(|t| t.elapsed() >= Duration::from_secs(10)) {
            *last = Some(Instant::now());
            tracing::warn!(
                %client,
                cap = if total { "total" } else { "per client" },
                refused_so_far = refused,
                "connection refused: over the connection cap"
            );
        }
    }

    /// Open connections of one client (for tests).
    #[cfg(test)]
    fn open_of(&self, ip: IpAddr) -> usize {
        let open = self.open.lock().unwrap();
        open.0.get(&bucket(ip)).copied().unwrap_or(0)
    }
}

/// One admitted connection; gives its place back when dropped.
struct Ticket {
    admission: Arc<Admission>,
    client: IpAddr,
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let mut open = self
            .admission
            .open
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let (per, total) = &mut *open;
        if let Some(n) = per.get_mut(&self.client) {
            *n -= 1;
            if *n == 0 {
                per.remove(&self.client);
            }
        }
        *total = total.saturating_sub(1);
        self.admission.stats.open.store(*total, Ordering::Relaxed);
    }
}

/// What the watchdog knows about a connection.
struct Activity {
    state: Mutex<ActivityState>,
    /// Wakes the watchdog when the clock that applies changes: the last request in flight
    /// ended (the idle clock starts), a request's head began (the header clock), or a
    /// response found the client not reading (the send clock).
    changed: tokio::sync::Notify,
}

struct ActivityState {
    /// Requests whose response has not been fully sent.
    in_flight: usize,
    /// The last byte read or written, or the last response finished.
    last: Instant,
    /// The first byte read of a request whose headers are not complete yet.
    head_since: Option<Instant>,
    /// Since when a write has waited for the client to take bytes (its socket buffer full).
    blocked_since: Option<Instant>,
}

/// A request in flight; its drop (the response body sent or abandoned) ends it.
struct InFlight(Arc<Activity>);

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut s = self.0.lock();
        s.in_flight = s.in_flight.saturating_sub(1);
        s.last = Instant::now();
        if s.in_flight == 0 {
            self.0.changed.notify_one();
        }
    }
}

impl Activity {
    fn new() -> Activity {
        Activity {
            state: Mutex::new(ActivityState {
                in_flight: 0,
                last: Instant::now(),
                head_since: None,
                blocked_since: None,
            }),
            changed: tokio::sync::Notify::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ActivityState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn request_started(self: &Arc<Self>) -> InFlight {
        let mut s = self.lock();
        s.in_flight += 1;
        s.head_since = None;
        InFlight(self.clone())
    }

    fn read(&self) {
        let mut s = self.lock();
        let now = Instant::now();
        s.last = now;
        if s.in_flight == 0 && s.head_since.is_none() {
            s.head_since = Some(now);
            self.changed.notify_one();
        }
    }

    /// A write went out (`true`) or had to wait for the client (`false`).
    fn wrote(&self, went_out: bool) {
        let mut s = self.lock();
        let now = Instant::now();
        if went_out {
            s.last = now;
            s.blocked_since = None;
        } else if s.blocked_since.is_none() {
            s.blocked_since = Some(now);
            self.changed.notify_one();
        }
    }

    /// Resolves when the connection should be closed: a response that the client has not
    /// taken a byte of within the send timeout, headers not complete within the header
    /// timeout, or no request in flight and nothing heard within the idle timeout.
    async fn watchdog(&self, limits: ConnLimits) -> Cut {
        loop {
            // `None`: a request is in flight and its response is not waiting for the client;
            // the body timeout and the upstream bounds govern it, and the watchdog looks again
            // when that changes (a permit stored by `notify_one` covers a change that comes
            // before the wait).
            let wait = {
                let s = self.lock();
                let now = Instant::now();
                if let Some(since) = s.blocked_since {
                    // A response (or its last bytes, which hyper holds after the body ended)
                    // waits for the client.
                    let deadline = since + limits.send;
                    if now >= deadline {
                        return Cut::SlowReader;
                    }
                    Some(deadline - now)
                } else if s.in_flight > 0 {
                    None
                } else if let Some(since) = s.head_since {
                    let deadline = since + limits.header;
                    if now >= deadline {
                        return Cut::SlowHeaders;
                    }
                    Some(deadline - now)
                } else {
                    let deadline = s.last + limits.idle;
                    if now >= deadline {
                        return Cut::Idle;
                    }
                    Some(deadline - now)
                }
            };
            match wait {
                Some(wait) => {
                    tokio::select! {
                        _ = tokio::time::sleep(wait) => {}
                        _ = self.changed.notified() => {}
                    }
                }
                None => self.changed.notified().await,
            }
        }
    }
}

/// A socket that tells [`Activity`] about the bytes it moves.
struct Watched {
    inner: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.read();
        }
        polled
    }
}

impl Watched {
    fn note_write(&self, polled: &Poll<io::Result<usize>>) {
        match polled {
            Poll::Ready(Ok(n)) if *n > 0 => self.activity.wrote(true),
            Poll::Pending => self.activity.wrote(false),
            _ => {}
        }
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, data);
        self.note_write(&polled);
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        self.note_write(&polled);
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// A request body that fails with [`BodyTimedOut`] once its deadline passes.
struct Deadline {
    inner: Incoming,
    timer: Pin<Box<tokio::time::Sleep>>,
    timed_out: bool,
    stats: Arc<ConnStats>,
}

impl HttpBody for Deadline {
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if self.timed_out {
            return Poll::Ready(None);
        }
        if let Poll::Ready(frame) = Pin::new(&mut self.inner).poll_frame(cx) {
            return Poll::Ready(frame.map(|f| f.map_err(Into::into)));
        }
        if self.timer.as_mut().poll(cx).is_ready() {
            self.timed_out = true;
            self.stats.slow_bodies.fetch_add(1, Ordering::Relaxed);
            return Poll::Ready(Some(Err(Box::new(BodyTimedOut))));
        }
        Poll::Pending
    }

    fn is_end_stream(&self) -> bool {
        self.timed_out || self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// A response body that ends its request's [`InFlight`] when it is dropped.
struct Tracked {
    inner: Body,
    _in_flight: InFlight,
}

impl HttpBody for Tracked {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admission_caps_per_client_and_in_total_and_gives_places_back() {
        let limits = ConnLimits {
            per_client: 2,
            total: 3,
            ..ConnLimits::default()
        };
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        let c: IpAddr = "10.0.0.3".parse().unwrap();
        let adm = Arc::new(Admission::new(limits, Arc::default()));
        let a1 = adm.admit(a).unwrap();
        let _a2 = adm.admit(a).unwrap();
        assert!(adm.admit(a).is_none(), "per client");
        let _b1 = adm.admit(b).unwrap();
        assert!(adm.admit(c).is_none(), "in total");
        drop(a1);
        assert_eq!(adm.open_of(a), 1);
        assert!(adm.admit(c).is_some());
        // IPv6 counts per /64.
        let v6a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let v6b: IpAddr = "2001:db8:1:2::2".parse().unwrap();
        let adm = Arc::new(Admission::new(limits, Arc::default()));
        let _x = adm.admit(v6a).unwrap();
        let _y = adm.admit(v6b).unwrap();
        assert!(adm.admit(v6a).is_none());
    }

    #[test]
    fn body_timeouts_are_recognised_through_wrappers() {
        let e = axum::Error::new(BodyTimedOut);
        assert!(is_body_timeout(&e));
        assert!(!is_body_timeout(&io::Error::other("x")));
    }
}
