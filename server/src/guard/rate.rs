//! A per-client token bucket: `burst` requests at once, refilled at `per_minute`.
//!
//! Clients are IP addresses for the API as a whole; uploads also count per conversation
//! (per visitor), so the key type is a parameter.
//!
//! In process and in memory, which is right for one server; several replicas behind a load
//! balancer each get the full rate. Buckets that have filled up again are indistinguishable
//! from new ones, so they are swept out once per refill period to keep memory bounded.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Tokens and when they were last counted.
#[derive(Clone, Copy, Debug)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

#[derive(Debug)]
struct Buckets<K> {
    map: HashMap<K, Bucket>,
    next_sweep: Instant,
}

/// The limiter.
#[derive(Debug)]
pub struct RateLimiter<K = IpAddr> {
    per_second: f64,
    burst: f64,
    buckets: Mutex<Buckets<K>>,
}

impl<K: Hash + Eq> RateLimiter<K> {
    /// `per_minute` must be positive; a zero `burst` counts as one.
    pub fn new(per_minute: u32, burst: u32) -> RateLimiter<K> {
        RateLimiter {
            per_second: f64::from(per_minute.max(1)) / 60.0,
            burst: f64::from(burst.max(1)),
            buckets: Mutex::new(Buckets {
                map: HashMap::new(),
                next_sweep: Instant::now(),
            }),
        }
    }

    /// Takes a token for `client`, or says how long until one is available.
    pub fn check(&self, client: K, now: Instant) -> Result<(), Duration> {
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if now >= buckets.next_sweep {
            let full = self.refill_time();
            buckets
                .map
                .retain(|_, b| now.saturating_duration_since(b.at) < full);
            buckets.next_sweep = now + full.max(Duration::from_secs(1));
        }
        let burst = self.burst;
        let bucket = buckets.map.entry(client).or_insert(Bucket {
            tokens: burst,
            at: now,
        });
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * self.per_second).min(burst);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64(
                (1.0 - bucket.tokens) / self.per_second,
            ))
        }
    }

    /// How long an empty bucket takes to fill up.
    fn refill_time(&self) -> Duration {
        Duration::from_secs_f64(self.burst / self.per_second)
    }

    /// Buckets currently held (for tests).
    pub fn tracked(&self) -> usize {
        self.buckets.lock().map(|b| b.map.len()).unwrap_or(0)
    }
}

/// A whole number of seconds for `Retry-After`, rounded up and at least 1.
pub fn retry_after_secs(wait: Duration) -> u64 {
    (wait.as_secs_f64().ceil() as u64).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    const A: IpAddr = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1));
    const B: IpAddr = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2));

    #[test]
    fn burst_then_refill() {
        let r = RateLimiter::new(60, 3); // one token a second
        let t = Instant::now();
        for _ in 0..3 {
            assert!(r.check(A, t).is_ok());
        }
        let wait = r.check(A, t).unwrap_err();
        assert_eq!(retry_after_secs(wait), 1);
        assert!(r.check(B, t).is_ok(), "other clients have their own bucket");
        assert!(r.check(A, t + Duration::from_millis(1100)).is_ok());
        assert!(r.check(A, t + Duration::from_millis(1200)).is_err());
    }

    #[test]
    fn the_wait_grows_with_a_slow_rate() {
        let r = RateLimiter::new(6, 1); // one token every ten seconds
        let t = Instant::now();
        r.check(A, t).unwrap();
        assert_eq!(retry_after_secs(r.check(A, t).unwrap_err()), 10);
    }

    #[test]
    fn full_buckets_are_swept() {
        let r = RateLimiter::new(600, 1); // full again after 0.1 s
        let t = Instant::now();
        for i in 0..50u8 {
            r.check(IpAddr::V4(Ipv4Addr::new(10, 1, 0, i)), t).unwrap();
        }
        assert_eq!(r.tracked(), 50);
        r.check(A, t + Duration::from_secs(2)).unwrap();
        assert_eq!(r.tracked(), 1);
    }
}
