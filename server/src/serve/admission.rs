//! Places under the connection caps: how many connections each client (an address; IPv6 a
//! /64) and all clients together hold, and which connection gives its place up when every
//! place is taken.
//!
//! A connection between requests costs the server nothing but its place, and a client that
//! keeps such connections alive with a cheap request now and then (64 addresses at the
//! per-client cap fill the default total cap) would otherwise keep every other visitor out.
//! So when the total cap is reached, the connection that has been idle longest (no request
//! being read, none in flight, no response waiting to go out) is asked to close, and the new
//! connection takes its place. A busy connection, a streaming reply above all, is never
//! chosen: when no connection is idle, the new one is refused. The per-client cap makes no
//! room: a client at its own cap is refused at once.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use super::{ConnLimits, ConnStats};
use crate::guard::client::bucket;

/// Counts open connections per client and in total, and keeps the idle ones in the order
/// they became idle.
pub(super) struct Admission {
    limits: ConnLimits,
    open: Mutex<Open>,
    stats: Arc<ConnStats>,
    last_warning: Mutex<Option<Instant>>,
}

#[derive(Default)]
struct Open {
    per_client: HashMap<IpAddr, usize>,
    /// Every open connection, the closing ones included.
    total: usize,
    /// Connections asked to close to make room: they hold no place any more (an idle
    /// connection closes at once; one that a request reached just before still answers it).
    closing: usize,
    /// The idle connections, keyed by when they became idle (a number that only grows): the
    /// first has been idle longest.
    idle: BTreeMap<u64, u64>,
    /// Every open connection by its id.
    places: HashMap<u64, Place>,
    /// The next connection id, and the next key in `idle`.
    next_id: u64,
    next_idle: u64,
}

struct Place {
    standing: Standing,
    /// Tells the connection its place was given away ([`Ticket::reclaimed`]).
    reclaim: Arc<Notify>,
}

enum Standing {
    Busy,
    /// Idle, under this key in [`Open::idle`].
    Idle(u64),
    /// Asked to close; never a candidate again.
    Closing,
}

impl Open {
    /// Lists the connection among the idle ones (as the newest) or takes it off the list; a
    /// closing connection stays off it.
    fn set_idle(&mut self, id: u64, idle: bool) {
        let Some(place) = self.places.get_mut(&id) else {
            return;
        };
        match (&place.standing, idle) {
            (Standing::Busy, true) => {
                let key = self.next_idle;
                self.next_idle += 1;
                self.idle.insert(key, id);
                place.standing = Standing::Idle(key);
            }
            (Standing::Idle(key), false) => {
                self.idle.remove(key);
                place.standing = Standing::Busy;
            }
            _ => {}
        }
    }

    /// Asks the connection idle longest to close; false if none is idle.
    fn reclaim_longest_idle(&mut self) -> bool {
        let Some((_, id)) = self.idle.pop_first() else {
            return false;
        };
        if let Some(place) = self.places.get_mut(&id) {
            place.standing = Standing::Closing;
            // Stored as a permit if the connection is not waiting yet.
            place.reclaim.notify_one();
            self.closing += 1;
        }
        true
    }
}

impl Admission {
    pub(super) fn new(limits: ConnLimits, stats: Arc<ConnStats>) -> Admission {
        Admission {
            limits,
            open: Mutex::new(Open::default()),
            stats,
            last_warning: Mutex::new(None),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Open> {
        self.open.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A place for a new connection from `ip`, or `None` if it must be refused. The new
    /// connection counts as idle until its first request begins.
    pub(super) fn admit(self: &Arc<Self>, ip: IpAddr) -> Option<Ticket> {
        let client = bucket(ip);
        let mut open = self.lock();
        let mine = open.per_client.get(&client).copied().unwrap_or(0);
        if self.limits.per_client > 0 && mine >= self.limits.per_client {
            drop(open);
            self.note_refusal(client, false);
            return None;
        }
        let full = self.limits.total > 0 && open.total - open.closing >= self.limits.total;
        if full {
            if !open.reclaim_longest_idle() {
                drop(open);
                self.note_refusal(client, true);
                return None;
            }
            self.stats.reclaimed_idle.fetch_add(1, Ordering::Relaxed);
        }
        open.per_client.insert(client, mine + 1);
        open.total += 1;
        let id = open.next_id;
        open.next_id += 1;
        let reclaim = Arc::new(Notify::new());
        open.places.insert(
            id,
            Place {
                standing: Standing::Busy,
                reclaim: reclaim.clone(),
            },
        );
        open.set_idle(id, true);
        self.stats.open.store(open.total, Ordering::Relaxed);
        self.stats
            .peak_open
            .fetch_max(open.total, Ordering::Relaxed);
        self.stats
            .peak_per_client
            .fetch_max(mine + 1, Ordering::Relaxed);
        Some(Ticket {
            admission: self.clone(),
            client,
            id,
            reclaim,
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
        self.lock()
            .per_client
            .get(&bucket(ip))
            .copied()
            .unwrap_or(0)
    }
}

/// One admitted connection's place; given back when dropped.
pub(super) struct Ticket {
    admission: Arc<Admission>,
    client: IpAddr,
    id: u64,
    reclaim: Arc<Notify>,
}

impl Ticket {
    /// Whether the connection is idle, and so may be asked to make room for a new one.
    pub(super) fn set_idle(&self, idle: bool) {
        self.admission.lock().set_idle(self.id, idle);
    }

    /// Resolves once the connection's place has been given to a new connection: it should
    /// then close.
    pub(super) async fn reclaimed(&self) {
        self.reclaim.notified().await
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let mut open = self.admission.lock();
        match open.places.remove(&self.id).map(|p| p.standing) {
            Some(Standing::Idle(key)) => {
                open.idle.remove(&key);
            }
            Some(Standing::Closing) => open.closing -= 1,
            Some(Standing::Busy) | None => {}
        }
        if let Some(n) = open.per_client.get_mut(&self.client) {
            *n -= 1;
            if *n == 0 {
                open.per_client.remove(&self.client);
            }
        }
        open.total = open.total.saturating_sub(1);
        self.admission
            .stats
            .open
            .store(open.total, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::FutureExt;

    fn admission(per_client: usize, total: usize) -> Arc<Admission> {
        let limits = ConnLimits {
            per_client,
            total,
            ..ConnLimits::default()
        };
        Arc::new(Admission::new(limits, Arc::default()))
    }

    fn reclaimed(ticket: &Ticket) -> bool {
        ticket.reclaimed().now_or_never().is_some()
    }

    #[test]
    fn admission_caps_per_client_and_in_total_and_gives_places_back() {
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        let c: IpAddr = "10.0.0.3".parse().unwrap();
        let adm = admission(2, 3);
        let a1 = adm.admit(a).unwrap();
        let a2 = adm.admit(a).unwrap();
        assert!(adm.admit(a).is_none(), "per client");
        let b1 = adm.admit(b).unwrap();
        for t in [&a1, &a2, &b1] {
            t.set_idle(false);
        }
        assert!(adm.admit(c).is_none(), "in total, none idle");
        drop(a1);
        assert_eq!(adm.open_of(a), 1);
        assert!(adm.admit(c).is_some());
        // IPv6 counts per /64.
        let v6a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let v6b: IpAddr = "2001:db8:1:2::2".parse().unwrap();
        let adm = admission(2, 3);
        let _x = adm.admit(v6a).unwrap();
        let _y = adm.admit(v6b).unwrap();
        assert!(adm.admit(v6a).is_none());
    }

    #[test]
    fn at_the_total_cap_the_longest_idle_connection_makes_room_and_busy_ones_never_do() {
        let ip = |n: u8| IpAddr::from([10, 0, 0, n]);
        let adm = admission(0, 3);
        let first = adm.admit(ip(1)).unwrap();
        let second = adm.admit(ip(2)).unwrap();
        let third = adm.admit(ip(3)).unwrap();
        // The first is busy (a streaming reply); the third went idle before the second.
        first.set_idle(false);
        second.set_idle(false);
        third.set_idle(false);
        third.set_idle(true);
        second.set_idle(true);

        let fourth = adm.admit(ip(4)).expect("room made");
        assert!(reclaimed(&third), "the longest idle");
        assert!(!reclaimed(&first) && !reclaimed(&second));
        // The closing one holds no place, and is never chosen again, even idle.
        third.set_idle(true);
        fourth.set_idle(false);
        let fifth = adm.admit(ip(5)).expect("room made");
        fifth.set_idle(false);
        assert!(reclaimed(&second));
        assert!(!reclaimed(&first));
        // Every connection left is busy or closing: refused.
        assert!(adm.admit(ip(6)).is_none());
        assert_eq!(adm.stats.reclaimed_idle.load(Ordering::Relaxed), 2);
        // The closed ones leave; their places were already taken.
        drop(third);
        drop(second);
        assert_eq!(adm.stats.open.load(Ordering::Relaxed), 3);
        assert!(adm.admit(ip(6)).is_none());
    }

    #[test]
    fn a_client_at_its_own_cap_makes_no_room() {
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        let adm = admission(1, 2);
        let a1 = adm.admit(a).unwrap();
        let b1 = adm.admit(b).unwrap();
        assert!(adm.admit(a).is_none());
        assert!(!reclaimed(&a1) && !reclaimed(&b1));
    }
}
