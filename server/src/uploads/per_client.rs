//! Uploads in flight per client address.
//!
//! The server reads only so many uploads at once (each holds up to the largest file's bytes in
//! memory), and an upload may take the whole body timeout to arrive. Without a share per
//! client, one address sending a few slow uploads at a time would hold every place and keep
//! every other visitor's files out. A client is its address as the rate limit counts it (an
//! IPv6 /64, or the forwarded address behind `--trust-proxy`).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

/// Uploads in flight per client.
#[derive(Debug, Default)]
pub struct InFlight {
    /// At most this many per client; 0 means no cap.
    cap: usize,
    reading: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

/// One upload's place; gives it back when dropped.
#[derive(Debug)]
pub struct Place {
    reading: Arc<Mutex<HashMap<IpAddr, usize>>>,
    client: IpAddr,
}

impl InFlight {
    pub fn new(cap: usize) -> InFlight {
        InFlight {
            cap,
            reading: Arc::default(),
        }
    }

    /// A place for an upload of `client`, or `None` when it has its share in flight already.
    pub fn enter(&self, client: IpAddr) -> Option<Place> {
        let mut reading = self.reading.lock().unwrap_or_else(|e| e.into_inner());
        let mine = reading.entry(client).or_insert(0);
        if self.cap > 0 && *mine >= self.cap {
            if *mine == 0 {
                reading.remove(&client);
            }
            return None;
        }
        *mine += 1;
        Some(Place {
            reading: self.reading.clone(),
            client,
        })
    }

    /// Clients with an upload in flight (for tests).
    pub fn clients(&self) -> usize {
        self.reading.lock().unwrap_or_else(|e| e.into_inner()).len()
    }
}

impl Drop for Place {
    fn drop(&mut self) {
        let mut reading = self.reading.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = reading.get_mut(&self.client) {
            *n -= 1;
            if *n == 0 {
                reading.remove(&self.client);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_client_has_its_share_and_gets_it_back() {
        let a: IpAddr = "203.0.113.1".parse().unwrap();
        let b: IpAddr = "203.0.113.2".parse().unwrap();
        let places = InFlight::new(2);
        let first = places.enter(a).unwrap();
        let _second = places.enter(a).unwrap();
        assert!(places.enter(a).is_none(), "a third at once");
        let _other = places.enter(b).expect("another client is not held up");
        drop(first);
        let _third = places.enter(a).expect("a place given back");
        drop(_third);
        drop(_second);
        drop(_other);
        assert_eq!(
            places.clients(),
            0,
            "nothing kept for clients with none in flight"
        );
        let open = InFlight::new(0);
        let held: Vec<_> = (0..50).map(|_| open.enter(a).unwrap()).collect();
        assert_eq!(held.len(), 50, "0 means no cap");
    }
}
