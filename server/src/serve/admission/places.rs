//! The places held: what each connection is doing, and which one gives its place up to make room.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Notify;

/// What a connection is doing, as far as making room goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(in crate::serve) enum Doing {
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
pub(in crate::serve) enum Reclaimed {
    /// It was idle: closed gracefully (at once, or after answering a request that reached it
    /// just as it was chosen).
    Gracefully,
    /// It was sending a head past the grace: cut, unless a request got through meanwhile.
    Cut,
}

#[derive(Default)]
pub(super) struct Open {
    pub(super) per_client: HashMap<IpAddr, usize>,
    /// Every open connection, the closing ones included.
    pub(super) total: usize,
    /// Connections asked to close to make room: they hold no place any more (an idle
    /// connection closes at once; one that a request reached just before still answers it).
    pub(super) closing: usize,
    /// The idle connections, keyed by when they became idle (a number that only grows): the
    /// first has been idle longest.
    pub(super) idle: BTreeMap<u64, u64>,
    /// The connections reading a request's head, keyed by when their head began (the same
    /// growing numbers), with that moment: the first began longest ago.
    pub(super) heads: BTreeMap<u64, (u64, Instant)>,
    /// Every open connection by its id.
    pub(super) places: HashMap<u64, Place>,
    /// The next connection id, and the next key in `idle` or `heads`.
    pub(super) next_id: u64,
    next_key: u64,
}

pub(super) struct Place {
    pub(super) standing: Standing,
    /// Tells the connection its place was given away ([`Ticket::reclaimed`]).
    ///
    /// [`Ticket::reclaimed`]: super::Ticket::reclaimed
    pub(super) reclaim: Arc<Reclaim>,
}

/// The word to a connection that its place was given away.
#[derive(Default)]
pub(super) struct Reclaim {
    pub(super) notify: Notify,
    /// Set before `notify`: cut rather than close gracefully.
    pub(super) cut: AtomicBool,
}

pub(super) enum Standing {
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
    pub(super) fn set_doing(&mut self, id: u64, doing: Doing) {
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
    pub(super) fn reclaim(&mut self, now: Instant, grace: Duration) -> Option<Reclaimed> {
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
    pub(super) fn holding(&self) -> usize {
        self.total - self.closing
    }
}
