//! Places under the connection caps: how many connections each client (an address; IPv6 a
//! /64) and all clients together hold, and which connection gives its place up when every
//! place is taken.
//!
//! A connection between requests costs the server nothing but its place, and a client that
//! keeps such connections alive with a cheap request now and then (64 addresses at the
//! per-client cap fill the default total cap) would otherwise keep every other visitor out.
//! So when the total cap is reached, the connection that has been idle longest (no request
//! being read, none in flight, no response waiting to go out) is asked to close, and the new
//! connection takes its place.
//!
//! A connection still sending a request's head is the next choice, when none is idle: the
//! one whose head began first, once it has been under way for a grace ([`head_grace`]). A
//! browser sends a head in one go, so a head that takes seconds is a client on a hopeless
//! link or one trickling bytes to hold the place until the header timeout (10 s by
//! default); a cap full of such heads would otherwise refuse every new visitor. No request
//! has reached the server from it yet, so it is cut at once, as the header timeout would cut
//! it, rather than closed gracefully (hyper would read the rest of the head and answer it
//! first). A head younger than the grace is left alone, and a connection with a request in
//! flight, a streaming reply above all, is never chosen: when no connection may be chosen,
//! the new one is refused. The per-client cap makes no room: a client at its own cap is
//! refused at once.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
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

/// The longest the grace before a head under way may be cut to make room.
const MAX_HEAD_GRACE: Duration = Duration::from_secs(2);

/// How long a connection may have been sending a request's head before it may be cut to make
/// room: two seconds (a head a browser sends arrives in one packet; even a lost packet's
/// resending takes about a second), or half the header timeout when that is shorter, so that
/// the grace ends well before the timeout would free the place anyway.
pub(super) fn head_grace(header_timeout: Duration) -> Duration {
    (header_timeout / 2).min(MAX_HEAD_GRACE)
}

/// What a connection is doing, as far as making room goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Doing {
    /// A request in flight, or a response waiting for the client: never chosen.
    Busy,
    /// Between requests or before its first: chosen first, the longest idle first.
    Idle,
    /// Reading a request's head, begun at `since`: chosen when none is idle, once past the
    /// grace.
    ReadingHead { since: Instant },
}

/// How a connection chosen to make room is to close.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Reclaimed {
    /// It was idle: closed gracefully (at once, or after answering a request that reached it
    /// just as it was chosen).
    Gracefully,
    /// It was sending a head past the grace: cut, unless a request got through meanwhile.
    Cut,
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
    /// The connections reading a request's head, keyed by when their head began (the same
    /// growing numbers), with that moment: the first began longest ago.
    heads: BTreeMap<u64, (u64, Instant)>,
    /// Every open connection by its id.
    places: HashMap<u64, Place>,
    /// The next connection id, and the next key in `idle` or `heads`.
    next_id: u64,
    next_key: u64,
}

struct Place {
    standing: Standing,
    /// Tells the connection its place was given away ([`Ticket::reclaimed`]).
    reclaim: Arc<Reclaim>,
}

/// The word to a connection that its place was given away.
#[derive(Default)]
struct Reclaim {
    notify: Notify,
    /// Set before `notify`: cut rather than close gracefully.
    cut: AtomicBool,
}

enum Standing {
    Busy,
    /// Idle, under this key in [`Open::idle`].
    Idle(u64),
    /// Reading a head, under this key in [`Open::heads`].
    Head(u64),
    /// Asked to close; never a candidate again.
    Closing,
}

impl Open {
    /// Moves the connection to the list its doing puts it on (as the newest there), or off
    /// both lists when busy; one already on the right list keeps its turn, and a closing
    /// connection stays off them.
    fn set_doing(&mut self, id: u64, doing: Doing) {
        let Some(place) = self.places.get_mut(&id) else {
            return;
        };
        match (&place.standing, doing) {
            (Standing::Closing, _)
            | (Standing::Busy, Doing::Busy)
            | (Standing::Idle(_), Doing::Idle)
            | (Standing::Head(_), Doing::ReadingHead { .. }) => return,
            (Standing::Idle(key), _) => {
                self.idle.remove(key);
            }
            (Standing::Head(key), _) => {
                self.heads.remove(key);
            }
            (Standing::Busy, _) => {}
        }
        let key = self.next_key;
        place.standing = match doing {
            Doing::Busy => Standing::Busy,
            Doing::Idle => {
                self.next_key += 1;
                self.idle.insert(key, id);
                Standing::Idle(key)
            }
            Doing::ReadingHead { since } => {
                self.next_key += 1;
                self.heads.insert(key, (id, since));
                Standing::Head(key)
            }
        };
    }

    /// Asks a connection to close to make room: the one idle longest, else the one whose
    /// head began first if that was at least `grace` before `now`; `None` if none may be.
    fn reclaim(&mut self, now: Instant, grace: Duration) -> Option<Reclaimed> {
        let (id, how) = if let Some((_, id)) = self.idle.pop_first() {
            (id, Reclaimed::Gracefully)
        } else {
            let (&key, &(id, since)) = self.heads.first_key_value()?;
            if now.saturating_duration_since(since) < grace {
                return None;
            }
            self.heads.remove(&key);
            (id, Reclaimed::Cut)
        };
        if let Some(place) = self.places.get_mut(&id) {
            place.standing = Standing::Closing;
            place
                .reclaim
                .cut
                .store(how == Reclaimed::Cut, Ordering::Relaxed);
            // Stored as a permit if the connection is not waiting yet.
            place.reclaim.notify.notify_one();
            self.closing += 1;
        }
        Some(how)
    }

    /// The connections that hold a place: the open ones but those asked to close.
    fn holding(&self) -> usize {
        self.total - self.closing
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
        self.admit_at(ip, Instant::now())
    }

    fn admit_at(self: &Arc<Self>, ip: IpAddr, now: Instant) -> Option<Ticket> {
        let client = bucket(ip);
        let mut open = self.lock();
        let mine = open.per_client.get(&client).copied().unwrap_or(0);
        if self.limits.per_client > 0 && mine >= self.limits.per_client {
            drop(open);
            self.note_refusal(client, false);
            return None;
        }
        let full = self.limits.total > 0 && open.holding() >= self.limits.total;
        if full {
            let counter = match open.reclaim(now, head_grace(self.limits.header)) {
                Some(Reclaimed::Gracefully) => &self.stats.reclaimed_idle,
                Some(Reclaimed::Cut) => &self.stats.reclaimed_heads,
                None => {
                    drop(open);
                    self.note_refusal(client, true);
                    return None;
                }
            };
            counter.fetch_add(1, Ordering::Relaxed);
        }
        open.per_client.insert(client, mine + 1);
        open.total += 1;
        let id = open.next_id;
        open.next_id += 1;
        let reclaim = Arc::new(Reclaim::default());
        open.places.insert(
            id,
            Place {
                standing: Standing::Busy,
                reclaim: reclaim.clone(),
            },
        );
        open.set_doing(id, Doing::Idle);
        self.publish(&open);
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

    /// Updates the counts of open and closing connections. `open` counts the connections that
    /// hold a place, so that it (and its peak) never passes the total cap; those asked to
    /// close to make room, still finishing, are `closing`.
    fn publish(&self, open: &Open) {
        let holding = open.holding();
        self.stats.open.store(holding, Ordering::Relaxed);
        self.stats.closing.store(open.closing, Ordering::Relaxed);
        self.stats.peak_open.fetch_max(holding, Ordering::Relaxed);
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
    reclaim: Arc<Reclaim>,
}

impl Ticket {
    /// What the connection is doing: whether, and when, it may be asked to make room for a
    /// new one.
    pub(super) fn set_doing(&self, doing: Doing) {
        self.admission.lock().set_doing(self.id, doing);
    }

    /// Resolves once the connection's place has been given to a new connection, saying how
    /// it should close.
    pub(super) async fn reclaimed(&self) -> Reclaimed {
        self.reclaim.notify.notified().await;
        if self.reclaim.cut.load(Ordering::Relaxed) {
            Reclaimed::Cut
        } else {
            Reclaimed::Gracefully
        }
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let mut open = self.admission.lock();
        match open.places.remove(&self.id).map(|p| p.standing) {
            Some(Standing::Idle(key)) => {
                open.idle.remove(&key);
            }
            Some(Standing::Head(key)) => {
                open.heads.remove(&key);
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
        self.admission.publish(&open);
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
        how_reclaimed(ticket).is_some()
    }

    fn how_reclaimed(ticket: &Ticket) -> Option<Reclaimed> {
        ticket.reclaimed().now_or_never()
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
            t.set_doing(Doing::Busy);
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
        first.set_doing(Doing::Busy);
        second.set_doing(Doing::Busy);
        third.set_doing(Doing::Busy);
        third.set_doing(Doing::Idle);
        second.set_doing(Doing::Idle);

        let fourth = adm.admit(ip(4)).expect("room made");
        assert!(reclaimed(&third), "the longest idle");
        assert!(!reclaimed(&first) && !reclaimed(&second));
        // The closing one holds no place, and is never chosen again, even idle.
        third.set_doing(Doing::Idle);
        fourth.set_doing(Doing::Busy);
        let fifth = adm.admit(ip(5)).expect("room made");
        fifth.set_doing(Doing::Busy);
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

    #[test]
    fn with_none_idle_the_head_begun_first_is_cut_once_past_the_grace() {
        let ip = |n: u8| IpAddr::from([10, 0, 0, n]);
        let grace = head_grace(ConnLimits::default().header);
        assert_eq!(grace, Duration::from_secs(2));
        assert_eq!(
            head_grace(Duration::from_secs(1)),
            Duration::from_millis(500)
        );
        let adm = admission(0, 3);
        let t0 = Instant::now();
        let stream = adm.admit_at(ip(1), t0).unwrap();
        let slow = adm.admit_at(ip(2), t0).unwrap();
        let slower = adm.admit_at(ip(3), t0).unwrap();
        stream.set_doing(Doing::Busy);
        slower.set_doing(Doing::ReadingHead { since: t0 });
        slow.set_doing(Doing::ReadingHead {
            since: t0 + Duration::from_secs(1),
        });
        // Within the grace: nothing may go.
        assert!(adm.admit_at(ip(4), t0 + grace / 2).is_none());
        assert!(!reclaimed(&slower) && !reclaimed(&slow));
        // Past it: the head begun first is cut.
        let fourth = adm.admit_at(ip(4), t0 + grace).expect("room made");
        assert_eq!(how_reclaimed(&slower), Some(Reclaimed::Cut));
        assert!(!reclaimed(&slow) && !reclaimed(&stream));
        assert_eq!(adm.stats.reclaimed_heads.load(Ordering::Relaxed), 1);
        // An idle connection goes before any head, and closes gracefully.
        fourth.set_doing(Doing::Busy);
        fourth.set_doing(Doing::Idle);
        let fifth = adm.admit_at(ip(5), t0 + 3 * grace).expect("room made");
        assert_eq!(how_reclaimed(&fourth), Some(Reclaimed::Gracefully));
        assert!(!reclaimed(&slow));
        // A head that got through is busy: not chosen.
        fifth.set_doing(Doing::Busy);
        slow.set_doing(Doing::Busy);
        assert!(adm.admit_at(ip(6), t0 + 3 * grace).is_none());
    }

    #[test]
    fn open_counts_the_places_held_and_not_the_connections_closing() {
        let ip = |n: u8| IpAddr::from([10, 0, 0, n]);
        let adm = admission(0, 2);
        let first = adm.admit(ip(1)).unwrap();
        let second = adm.admit(ip(2)).unwrap();
        second.set_doing(Doing::Busy);
        let third = adm.admit(ip(3)).expect("room made");
        assert!(reclaimed(&first));
        // The first still finishes closing: it holds no place.
        assert_eq!(adm.stats.open.load(Ordering::Relaxed), 2);
        assert_eq!(adm.stats.closing.load(Ordering::Relaxed), 1);
        assert_eq!(adm.stats.peak_open.load(Ordering::Relaxed), 2);
        drop(first);
        assert_eq!(adm.stats.closing.load(Ordering::Relaxed), 0);
        assert_eq!(adm.stats.open.load(Ordering::Relaxed), 2);
        drop((second, third));
        assert_eq!(adm.stats.open.load(Ordering::Relaxed), 0);
    }
}
