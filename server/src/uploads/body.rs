//! The body of an upload, read as a stream: refused as soon as it passes the size limit,
//! breaks off, or arrives slower than the least pace an upload must keep.

use std::time::Duration;

use axum::body::Body;
use axum::http::StatusCode;
use axum::response::Response;
use bytes::Bytes;
use futures_util::StreamExt;

use super::refusals::{refuse, too_large, too_slow};

/// How long an upload may take to get going before its rate counts: a connection's first
/// seconds (slow start, a phone waking its radio) carry little.
pub(super) const SLOW_START: Duration = Duration::from_secs(3);

/// The least an upload must keep up: after [`SLOW_START`], on average `min_bytes_per_sec`
/// since it began. Without it, a client could hold an upload place (each holds up to
/// --upload-max-bytes of memory, so there are few) for the whole body timeout by sending a
/// byte now and then.
#[derive(Clone, Copy, Debug)]
pub(super) struct Pace {
    started: tokio::time::Instant,
    min_bytes_per_sec: u64,
}

impl Pace {
    pub(super) fn new(min_bytes_per_sec: u64, started: tokio::time::Instant) -> Pace {
        Pace {
            started,
            min_bytes_per_sec,
        }
    }

    /// When the next bytes must have come, once `received` have: the moment the average
    /// would fall below the floor. `None` without a floor.
    fn next_bytes_by(&self, received: u64) -> Option<tokio::time::Instant> {
        (self.min_bytes_per_sec > 0).then(|| {
            let earned = Duration::from_secs_f64(received as f64 / self.min_bytes_per_sec as f64);
            self.started + SLOW_START + earned
        })
    }
}

/// The body, read chunk by chunk and refused as soon as it passes `max` or falls behind
/// `pace`.
pub(super) async fn read_limited(
    body: Body,
    max: u64,
    declared: Option<u64>,
    pace: Pace,
) -> Result<Bytes, Response> {
    let mut out = Vec::with_capacity(declared.unwrap_or(0).min(max) as usize);
    let mut stream = body.into_data_stream();
    loop {
        let next = match pace.next_bytes_by(out.len() as u64) {
            Some(by) => match tokio::time::timeout_at(by, stream.next()).await {
                Ok(next) => next,
                Err(_) => return Err(too_slow()),
            },
            None => stream.next().await,
        };
        let Some(chunk) = next else {
            break;
        };
        let chunk = chunk.map_err(|e| {
            if crate::serve::is_body_timeout(&e) {
                too_slow()
            } else {
                refuse(
                    StatusCode::BAD_REQUEST,
                    "incomplete",
                    "The file did not arrive whole. Please try again.",
                )
            }
        })?;
        if (out.len() + chunk.len()) as u64 > max {
            return Err(too_large(max));
        }
        out.extend_from_slice(&chunk);
    }
    if out.is_empty() {
        return Err(refuse(
            StatusCode::BAD_REQUEST,
            "empty",
            "This file is empty.",
        ));
    }
    Ok(out.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pace_wants_bytes_by_when_the_average_would_fall_below_the_floor() {
        let t0 = tokio::time::Instant::now();
        let pace = Pace::new(1000, t0);
        assert_eq!(pace.next_bytes_by(0), Some(t0 + SLOW_START));
        // 500 bytes at 1,000 a second buy half a second more.
        assert_eq!(
            pace.next_bytes_by(500),
            Some(t0 + SLOW_START + Duration::from_millis(500))
        );
        assert_eq!(Pace::new(0, t0).next_bytes_by(10), None, "no floor");
    }
}
