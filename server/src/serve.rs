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

mod accept;
mod activity;
mod admission;
mod bodies;
mod limits;
mod stats;
mod watched;

pub use accept::{run, run_counted};
pub use bodies::{is_body_timeout, BodyTimedOut};
pub use limits::ConnLimits;
pub use stats::ConnStats;
