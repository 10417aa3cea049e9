//! The bodies around each request: the request body cut off by the body timeout, and the
//! response body whose end marks its request done.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use bytes::Bytes;
use http_body::{Body as HttpBody, Frame, SizeHint};
use hyper::body::Incoming;

use super::activity::InFlight;
use super::ConnStats;

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

/// A request body that fails with [`BodyTimedOut`] once its deadline passes.
pub(super) struct Deadline {
    inner: Incoming,
    timer: Pin<Box<tokio::time::Sleep>>,
    timed_out: bool,
    stats: Arc<ConnStats>,
}

impl Deadline {
    /// `inner`, failing once `limit` has passed from now.
    pub(super) fn new(inner: Incoming, limit: Duration, stats: Arc<ConnStats>) -> Deadline {
        Deadline {
            inner,
            timer: Box::pin(tokio::time::sleep(limit)),
            timed_out: false,
            stats,
        }
    }
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
pub(super) struct Tracked {
    inner: Body,
    _in_flight: InFlight,
}

impl Tracked {
    pub(super) fn new(inner: Body, in_flight: InFlight) -> Tracked {
        Tracked {
            inner,
            _in_flight: in_flight,
        }
    }
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
    use std::io;

    use super::*;

    #[test]
    fn body_timeouts_are_recognised_through_wrappers() {
        let e = axum::Error::new(BodyTimedOut);
        assert!(is_body_timeout(&e));
        assert!(!is_body_timeout(&io::Error::other("x")));
    }
}
