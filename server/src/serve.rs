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
//! and in total ([`admission`]). A connection over the per-client cap is closed at once,
//! before any byte is read; at the total cap the connection idle longest makes room for it,
//! else the one that has been sending a request's head longest, past a short grace; only when
//! neither is there is it closed at once.
//!
//! HTTP/1.1 only: browsers speak it to a plain-HTTP server, and nginx speaks it upstream.

mod admission;

use std::convert::Infallible;
use std::future::Future;
use std::io;
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
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tower::ServiceExt;

use admission::{Admission, Doing, Reclaimed, Ticket};

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
    /// Connections holding a place under the caps: open, and not asked to close to make
    /// room. Never more than the total cap.
    pub open: AtomicUsize,
    pub peak_open: AtomicUsize,
    /// Connections asked to close to make room and still finishing (a request that reached
    /// one just as it was chosen is answered first).
    pub closing: AtomicUsize,
    /// The most connections one client held at once.
    pub peak_per_client: AtomicUsize,
    pub refused: AtomicUsize,
    /// Idle connections closed to make room for a new one at the total cap.
    pub reclaimed_idle: AtomicUsize,
    /// Connections cut while sending a request's head, past the grace, to make room.
    pub reclaimed_heads: AtomicUsize,
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

/// Why the watchdog closed a connection.
#[derive(Clone, Copy, Debug)]
enum Cut {
    SlowHeaders,
    Idle,
    SlowReader,
}

/// What the watchdog knows about a connection.
struct Activity {
    state: Mutex<ActivityState>,
    /// Wakes the watchdog when the clock that applies changes: the last request in flight
    /// ended (the idle clock starts), a request's head began (the header clock), or a
    /// response found the client not reading (the send clock).
    changed: tokio::sync::Notify,
    /// The connection's place under the caps, told whenever the connection becomes idle,
    /// busy or begins a request's head: a busy one is never asked to make room for a new
    /// connection.
    ticket: Ticket,
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
    /// What the ticket was last told: idle (no request being read, none in flight, no
    /// response waiting for the client), reading a head, or busy.
    doing: Doing,
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
        self.0.note_idleness(&mut s);
    }
}

impl Activity {
    /// A new connection: idle, as the admission counts it, until its first request begins.
    fn new(ticket: Ticket) -> Activity {
        Activity {
            state: Mutex::new(ActivityState {
                in_flight: 0,
                last: Instant::now(),
                head_since: None,
                blocked_since: None,
                doing: Doing::Idle,
            }),
            changed: tokio::sync::Notify::new(),
            ticket,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ActivityState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Tells the ticket when the connection became idle, busy or began a head. Called with
    /// the state locked, so the changes reach the ticket in the order they happened.
    fn note_idleness(&self, s: &mut ActivityState) {
        let doing = match (s.in_flight, s.blocked_since, s.head_since) {
            (0, None, None) => Doing::Idle,
            (0, None, Some(since)) => Doing::ReadingHead { since },
            _ => Doing::Busy,
        };
        if doing != s.doing {
            s.doing = doing;
            self.ticket.set_doing(doing);
        }
    }

    /// Resolves once this connection, idle or slow to send a head, has been chosen to make
    /// room for a new one, saying how to close.
    async fn reclaimed(&self) -> Reclaimed {
        self.ticket.reclaimed().await
    }

    /// Whether the connection is still only reading a request's head: nothing dispatched,
    /// nothing being written, so cutting it loses no answer.
    fn still_reading_head(&self) -> bool {
        let s = self.lock();
        s.in_flight == 0 && s.blocked_since.is_none() && s.head_since.is_some()
    }

    fn request_started(self: &Arc<Self>) -> InFlight {
        let mut s = self.lock();
        s.in_flight += 1;
        s.head_since = None;
        self.note_idleness(&mut s);
        InFlight(self.clone())
    }

    fn read(&self) {
        let mut s = self.lock();
        let now = Instant::now();
        s.last = now;
        if s.in_flight == 0 && s.head_since.is_none() {
            s.head_since = Some(now);
            self.changed.notify_one();
            self.note_idleness(&mut s);
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
        self.note_idleness(&mut s);
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
    fn body_timeouts_are_recognised_through_wrappers() {
        let e = axum::Error::new(BodyTimedOut);
        assert!(is_body_timeout(&e));
        assert!(!is_body_timeout(&io::Error::other("x")));
    }
}
