//! The answers this instance's visitors are waiting for, by request nonce.
//!
//! A completion registers its nonce before it asks Maax (the answer may come back before the
//! ask returns) and holds a [`Waiting`] for as long as its stream waits. The first delivery for
//! a nonce wakes it; later ones (Maax retrying, a webhook relayed by two paths) find the nonce
//! among the recently finished and do nothing, so an answer is shown once.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;

/// Finished nonces remembered for duplicate detection; the oldest are forgotten first.
const REMEMBERED: usize = 10_000;

/// What became of a delivery.
#[derive(Debug, PartialEq, Eq)]
pub enum Delivery {
    /// A stream here was waiting and has the text.
    Delivered,
    /// This nonce already had its answer, or its stream already gave up.
    Finished,
    /// Nothing here knows the nonce (another instance may).
    Unknown,
}

#[derive(Default)]
struct Inner {
    waiting: HashMap<String, oneshot::Sender<String>>,
    finished: HashSet<String>,
    order: VecDeque<String>,
}

impl Inner {
    fn finish(&mut self, nonce: &str) {
        if self.finished.insert(nonce.to_string()) {
            self.order.push_back(nonce.to_string());
            if self.order.len() > REMEMBERED {
                if let Some(old) = self.order.pop_front() {
                    self.finished.remove(&old);
                }
            }
        }
    }
}

/// The registry, shared by the completions and the webhooks of one instance.
#[derive(Clone, Default)]
pub struct Waiters {
    inner: Arc<Mutex<Inner>>,
}

impl std::fmt::Debug for Waiters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Waiters")
    }
}

/// One stream's wait; dropping it (answer shown, bound reached, visitor gone) retires the
/// nonce.
pub struct Waiting {
    nonce: String,
    waiters: Waiters,
    pub answer: oneshot::Receiver<String>,
}

impl Drop for Waiting {
    fn drop(&mut self) {
        let mut inner = self.waiters.inner.lock().unwrap();
        inner.waiting.remove(&self.nonce);
        inner.finish(&self.nonce);
    }
}

impl Waiters {
    /// Starts waiting for the answer of `nonce`.
    pub fn register(&self, nonce: &str) -> Waiting {
        let (tx, rx) = oneshot::channel();
        self.inner
            .lock()
            .unwrap()
            .waiting
            .insert(nonce.to_string(), tx);
        Waiting {
            nonce: nonce.to_string(),
            waiters: self.clone(),
            answer: rx,
        }
    }

    /// Hands `text` to the stream waiting for `nonce`, if it is here.
    pub fn deliver(&self, nonce: &str, text: String) -> Delivery {
        let mut inner = self.inner.lock().unwrap();
        if inner.finished.contains(nonce) {
            return Delivery::Finished;
        }
        let Some(tx) = inner.waiting.remove(nonce) else {
            return Delivery::Unknown;
        };
        inner.finish(nonce);
        match tx.send(text) {
            Ok(()) => Delivery::Delivered,
            Err(_) => Delivery::Finished,
        }
    }

    /// How many streams wait here.
    pub fn len(&self) -> usize {
        self.inner.lock().unwrap().waiting.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_is_delivered_once() {
        let w = Waiters::default();
        let mut waiting = w.register("n1");
        assert_eq!(w.deliver("other", "x".into()), Delivery::Unknown);
        assert_eq!(w.deliver("n1", "first".into()), Delivery::Delivered);
        assert_eq!(w.deliver("n1", "again".into()), Delivery::Finished);
        assert_eq!(waiting.answer.try_recv().unwrap(), "first");
        drop(waiting);
        assert_eq!(w.deliver("n1", "late".into()), Delivery::Finished);
        assert!(w.is_empty());
    }

    #[test]
    fn a_wait_that_ended_takes_no_answer() {
        let w = Waiters::default();
        drop(w.register("n2"));
        assert_eq!(w.deliver("n2", "late".into()), Delivery::Finished);
    }

    #[test]
    fn finished_nonces_are_forgotten_oldest_first() {
        let w = Waiters::default();
        for i in 0..REMEMBERED + 1 {
            drop(w.register(&i.to_string()));
        }
        assert_eq!(w.deliver("0", "x".into()), Delivery::Unknown);
        assert_eq!(w.deliver("1", "x".into()), Delivery::Finished);
    }
}
