//! The ticket of an admitted connection: its place, given back when the ticket is dropped.

use std::net::IpAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use super::places::{Doing, Reclaim, Reclaimed, Standing};
use super::Admission;

/// One admitted connection's place; given back when dropped.
pub(in crate::serve) struct Ticket {
    pub(super) admission: Arc<Admission>,
    pub(super) client: IpAddr,
    pub(super) id: u64,
    pub(super) reclaim: Arc<Reclaim>,
}

impl Ticket {
    /// What the connection is doing: whether, and when, it may be asked to make room for a
    /// new one.
    pub(in crate::serve) fn set_doing(&self, doing: Doing) {
        self.admission.lock().set_doing(self.id, doing);
    }

    /// Resolves once the connection's place has been given to a new connection, saying how
    /// it should close.
    pub(in crate::serve) async fn reclaimed(&self) -> Reclaimed {
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
