//! How much one visitor may store: bytes and files per conversation within a rolling window.
//!
//! A visitor is a conversation here (its visitor token is what an upload presents). Counted in
//! memory, per server instance, like the rate limit: a restart or another replica starts
//! afresh, which bounds abuse without a database. Entries whose window has passed are swept,
//! so memory follows the number of visitors who uploaded recently.

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// The limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QuotaLimits {
    pub bytes: u64,
    pub files: u32,
    pub window: Duration,
}

#[derive(Clone, Copy, Debug)]
struct Usage {
    bytes: u64,
    files: u32,
    since: Instant,
}

impl QuotaLimits {
    /// Which limit one more file of `bytes` would pass, on top of `usage`.
    fn passed_by(&self, usage: &Usage, bytes: u64) -> Result<(), Exceeded> {
        if usage.files >= self.files {
            return Err(Exceeded::Files);
        }
        if usage.bytes.saturating_add(bytes) > self.bytes {
            return Err(Exceeded::Bytes);
        }
        Ok(())
    }
}

/// Usage per conversation.
#[derive(Debug)]
pub struct Quota {
    limits: QuotaLimits,
    used: HashMap<String, Usage>,
    next_sweep: Instant,
}

/// What went over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exceeded {
    Bytes,
    Files,
}

impl Quota {
    pub fn new(limits: QuotaLimits) -> Quota {
        Quota {
            limits,
            used: HashMap::new(),
            next_sweep: Instant::now() + limits.window,
        }
    }

    /// Counts a file of `bytes` for `conversation`, or says which limit it would pass.
    pub fn take(&mut self, conversation: &str, bytes: u64, now: Instant) -> Result<(), Exceeded> {
        let window = self.limits.window;
        if now >= self.next_sweep {
            self.used
                .retain(|_, u| now.saturating_duration_since(u.since) < window);
            self.next_sweep = now + window;
        }
        let usage = self.used.entry(conversation.to_owned()).or_insert(Usage {
            bytes: 0,
            files: 0,
            since: now,
        });
        if now.saturating_duration_since(usage.since) >= window {
            *usage = Usage {
                bytes: 0,
                files: 0,
                since: now,
            };
        }
        self.limits.passed_by(usage, bytes)?;
        usage.files += 1;
        usage.bytes += bytes;
        Ok(())
    }

    /// Whether `conversation` could store a file of `bytes` now, counting nothing: asked
    /// before an upload's body is read, with the least a file can be (one byte), so that a
    /// conversation already at its limit costs no reading and cleaning.
    pub fn check(&self, conversation: &str, bytes: u64, now: Instant) -> Result<(), Exceeded> {
        let fresh = Usage {
            bytes: 0,
            files: 0,
            since: now,
        };
        let usage = self
            .used
            .get(conversation)
            .filter(|u| now.saturating_duration_since(u.since) < self.limits.window)
            .unwrap_or(&fresh);
        self.limits.passed_by(usage, bytes)
    }

    /// Gives back what [`Quota::take`] counted for a file that could not be stored.
    pub fn give_back(&mut self, conversation: &str, bytes: u64) {
        if let Some(usage) = self.used.get_mut(conversation) {
            usage.files = usage.files.saturating_sub(1);
            usage.bytes = usage.bytes.saturating_sub(bytes);
        }
    }

    /// Conversations counted (for tests).
    pub fn tracked(&self) -> usize {
        self.used.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: QuotaLimits = QuotaLimits {
        bytes: 100,
        files: 3,
        window: Duration::from_secs(60),
    };

    #[test]
    fn files_and_bytes_are_capped_per_conversation() {
        let mut q = Quota::new(LIMITS);
        let t = Instant::now();
        q.take("a", 60, t).unwrap();
        assert_eq!(q.take("a", 41, t), Err(Exceeded::Bytes));
        q.take("b", 100, t).unwrap();
        q.take("a", 40, t).unwrap();
        q.take("a", 0, t).unwrap();
        assert_eq!(q.take("a", 0, t), Err(Exceeded::Files));
        q.give_back("a", 40);
        q.take("a", 40, t).unwrap();
    }

    #[test]
    fn a_check_counts_nothing_and_agrees_with_take() {
        let mut q = Quota::new(LIMITS);
        let t = Instant::now();
        assert_eq!(q.check("a", 1, t), Ok(()));
        assert_eq!(q.tracked(), 0, "nothing counted");
        q.take("a", 100, t).unwrap();
        assert_eq!(q.check("a", 1, t), Err(Exceeded::Bytes));
        q.give_back("a", 100);
        for _ in 0..3 {
            q.take("a", 0, t).unwrap();
        }
        assert_eq!(q.check("a", 1, t), Err(Exceeded::Files));
        assert_eq!(q.check("a", 1, t + Duration::from_secs(61)), Ok(()));
    }

    #[test]
    fn the_window_passes_and_old_entries_are_swept() {
        let mut q = Quota::new(LIMITS);
        let t = Instant::now();
        q.take("a", 100, t).unwrap();
        assert_eq!(q.take("a", 1, t), Err(Exceeded::Bytes));
        let later = t + Duration::from_secs(61);
        q.take("a", 100, later).unwrap();
        for i in 0..10 {
            q.take(&format!("c{i}"), 1, later).unwrap();
        }
        assert_eq!(q.tracked(), 11);
        q.take("z", 1, later + Duration::from_secs(121)).unwrap();
        assert_eq!(q.tracked(), 1);
    }
}
