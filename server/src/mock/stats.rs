//! Counters of reply streams, served at `GET /__mock/stats` so browser tests can check that the
//! widget's Stop button really closes the connection.

use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

/// Live counters; every stream is counted once as started and at most once as ended.
#[derive(Debug, Default)]
pub struct Stats {
    started: AtomicU64,
    completed: AtomicU64,
    aborted: AtomicU64,
    faulted: AtomicU64,
}

/// A copy of the counters as JSON.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatsSnapshot {
    /// Streams that began sending.
    pub streams_started: u64,
    /// Streams that sent their final `done` frame.
    pub streams_completed: u64,
    /// Streams whose client went away before the end (Stop button, closed tab).
    pub streams_aborted: u64,
    /// Streams the mock ended on purpose because of a `drop` fault.
    pub streams_faulted: u64,
}

/// How a stream ended, for [`Stats::ended`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    Completed,
    Aborted,
    Faulted,
}

impl Stats {
    pub fn started(&self) {
        self.started.fetch_add(1, Ordering::Relaxed);
    }

    pub fn ended(&self, how: Ending) {
        let counter = match how {
            Ending::Completed => &self.completed,
            Ending::Aborted => &self.aborted,
            Ending::Faulted => &self.faulted,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub fn snapshot(&self) -> StatsSnapshot {
        StatsSnapshot {
            streams_started: self.started.load(Ordering::Relaxed),
            streams_completed: self.completed.load(Ordering::Relaxed),
            streams_aborted: self.aborted.load(Ordering::Relaxed),
            streams_faulted: self.faulted.load(Ordering::Relaxed),
        }
    }
}
