//! How long a connection may take over each part of a request, and how many connections a
//! client and all clients together may hold.

use std::time::Duration;

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
