//! Error answers for the `fault` switch, and the `fault_times`/`fault_key` gate that lets a
//! retry test see a fault a few times and then succeed.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use super::switches::{Fault, Switches};

/// Keys the gate counts at most: past them it starts counting afresh, so that callers making
/// up new keys cannot grow it without end (a test uses a handful).
const MAX_KEYS: usize = 1_000;

/// How many times each `fault_key` has been faulted so far.
#[derive(Debug, Default)]
pub struct FaultGate {
    seen: Mutex<HashMap<String, u64>>,
}

impl FaultGate {
    /// The fault this request should suffer, if any: the requested one, unless `fault_times`
    /// is set and that many requests with the same `fault_key` were already faulted.
    pub fn fault_for(&self, switches: &Switches) -> Option<Fault> {
        let fault = switches.fault?;
        let Some(limit) = switches.fault_times else {
            return Some(fault);
        };
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        if seen.len() >= MAX_KEYS && !seen.contains_key(&switches.fault_key) {
            seen.clear();
        }
        let count = seen.entry(switches.fault_key.clone()).or_insert(0);
        if *count < limit {
            *count += 1;
            Some(fault)
        } else {
            None
        }
    }
}

/// The response for a fault answered with an error status; `None` for stream faults.
pub fn status_response(fault: Fault, retry_after: u64) -> Option<Response> {
    let response = match fault {
        Fault::Unauthorized => (
            StatusCode::UNAUTHORIZED,
            Json(json!({"detail": "Invalid API key."})),
        )
            .into_response(),
        Fault::TooManyRequests => (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, retry_after.to_string())],
            Json(json!({
                "detail": format!("Request was throttled. Expected available in {retry_after} seconds.")
            })),
        )
            .into_response(),
        Fault::ServerError => (
            StatusCode::INTERNAL_SERVER_ERROR,
            Json(json!({"detail": "A server error occurred."})),
        )
            .into_response(),
        Fault::Html => (
            StatusCode::INTERNAL_SERVER_ERROR,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            "<!DOCTYPE html>\n<html><head><title>500 Internal Server Error</title></head>\n\
             <body><h1>Internal Server Error</h1><p>The mock upstream fell over.</p></body></html>\n",
        )
            .into_response(),
        Fault::Drop | Fault::Malformed | Fault::Stall | Fault::Pause => return None,
    };
    Some(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fault_times_limits_per_key() {
        let gate = FaultGate::default();
        let mut s = Switches {
            fault: Some(Fault::ServerError),
            fault_times: Some(2),
            fault_key: "a".into(),
            ..Switches::default()
        };
        assert_eq!(gate.fault_for(&s), Some(Fault::ServerError));
        assert_eq!(gate.fault_for(&s), Some(Fault::ServerError));
        assert_eq!(gate.fault_for(&s), None);
        s.fault_key = "b".into();
        assert_eq!(gate.fault_for(&s), Some(Fault::ServerError));
        s.fault_times = None;
        s.fault_key = "a".into();
        assert_eq!(gate.fault_for(&s), Some(Fault::ServerError));
    }

    #[test]
    fn made_up_keys_do_not_grow_the_gate_without_end() {
        let gate = FaultGate::default();
        let mut s = Switches {
            fault: Some(Fault::ServerError),
            fault_times: Some(1),
            ..Switches::default()
        };
        for n in 0..3 * MAX_KEYS {
            s.fault_key = n.to_string();
            assert_eq!(gate.fault_for(&s), Some(Fault::ServerError));
        }
        assert!(gate.seen.lock().unwrap().len() <= MAX_KEYS);
    }
}
