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

mod places;
mod ticket;

use std::net::IpAddr;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::{ConnLimits, ConnStats};
use crate::guard::client::bucket;
use places::{Open, Place, Reclaim, Standing};

pub(super) use places::{Doing, Reclaimed};
pub(super) use ticket::Ticket;

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
