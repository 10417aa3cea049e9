//! Counters of what the server did with its connections: places held, connections refused,
//! reclaimed or cut, and slow bodies.

use std::sync::atomic::AtomicUsize;

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
