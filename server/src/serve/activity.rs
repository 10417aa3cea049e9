//! What each connection is doing (reading a head, answering, waiting for the client to read,
//! idle), and the watchdog that closes it when the header, idle or send timeout runs out.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use super::admission::{Doing, Reclaimed, Ticket};
use super::ConnLimits;

/// Why the watchdog closed a connection.
#[derive(Clone, Copy, Debug)]
pub(super) enum Cut {
    SlowHeaders,
    Idle,
    SlowReader,
}

/// What the watchdog knows about a connection.
pub(super) struct Activity {
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
pub(super) struct InFlight(Arc<Activity>);

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
    pub(super) fn new(ticket: Ticket) -> Activity {
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
    pub(super) async fn reclaimed(&self) -> Reclaimed {
        self.ticket.reclaimed().await
    }

    /// Whether the connection is still only reading a request's head: nothing dispatched,
    /// nothing being written, so cutting it loses no answer.
    pub(super) fn still_reading_head(&self) -> bool {
        let s = self.lock();
        s.in_flight == 0 && s.blocked_since.is_none() && s.head_since.is_some()
    }

    pub(super) fn request_started(self: &Arc<Self>) -> InFlight {
        let mut s = self.lock();
        s.in_flight += 1;
        s.head_since = None;
        self.note_idleness(&mut s);
        InFlight(self.clone())
    }

    pub(super) fn read(&self) {
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
    pub(super) fn wrote(&self, went_out: bool) {
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
    pub(super) async fn watchdog(&self, limits: ConnLimits) -> Cut {
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
