//! Test switches on the completions endpoint, read from `X-Mock-<Name>` headers or
//! `mock_<name>` query parameters (the query wins). See the [`crate::mock`] docs for the list.

use std::collections::HashMap;
use std::time::Duration;

use axum::http::HeaderMap;

/// How reply frames are put on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// `data: {"conversationId":…,"content":…,"done":…}` events.
    Sse,
    /// Like `Sse` but with the `conversation_id` spelling.
    SseSnake,
    /// One JSON object per line.
    Ndjson,
    /// JSON objects back to back with nothing between them.
    Concat,
    /// `Sse` followed by a final `data: [DONE]` event.
    DoneSentinel,
}

/// A failure to act out instead of (or in the middle of) a normal reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// 401 `{"detail": "Invalid API key."}`.
    Unauthorized,
    /// 429 with `Retry-After`.
    TooManyRequests,
    /// 500 with a JSON body.
    ServerError,
    /// 500 with an HTML page, as a misconfigured proxy would send.
    Html,
    /// Some deltas, then the connection is cut without the final frame.
    Drop,
    /// A frame of broken JSON among the deltas; the stream then goes on to `done`.
    Malformed,
    /// Some deltas, then silence with the connection held open.
    Stall,
    /// Some deltas, then silence for a while (the `pause` switch), then the rest of the reply.
    Pause,
}

impl Fault {
    /// Faults answered with an error status before any reply is made.
    pub fn is_status(self) -> bool {
        matches!(
            self,
            Fault::Unauthorized | Fault::TooManyRequests | Fault::ServerError | Fault::Html
        )
    }
}

/// All switches of one request, with their defaults filled in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Switches {
    pub format: Format,
    pub random_chunks: bool,
    pub seed: Option<u64>,
    /// Pause between deltas; `None` means the server's default.
    pub delay: Option<Duration>,
    /// Reply with `n` counted deltas instead of a canned reply.
    pub length: Option<usize>,
    /// Reply with the visitor's message itself, exactly as sent.
    pub echo: bool,
    /// Stream the reply in `n` deltas of about equal size instead of word by word.
    pub deltas: Option<usize>,
    pub fault: Option<Fault>,
    pub retry_after: u64,
    /// Apply the fault only to the first `n` requests with the same `fault_key`.
    pub fault_times: Option<u64>,
    pub fault_key: String,
    /// Deltas sent before a `drop`, `malformed`, `stall` or `pause` fault strikes.
    pub fault_after: usize,
    /// How long the `pause` fault keeps silent.
    pub pause: Duration,
    /// Store the reply this long after the request instead of before streaming it, whatever
    /// happens to the stream: a backend that goes on writing after the client is gone.
    pub stored_after: Option<Duration>,
}

impl Default for Switches {
    fn default() -> Self {
        Switches {
            format: Format::Sse,
            random_chunks: false,
            seed: None,
            delay: None,
            length: None,
            echo: false,
            deltas: None,
            fault: None,
            retry_after: 1,
            fault_times: None,
            fault_key: String::new(),
            fault_after: 3,
            pause: Duration::from_secs(6),
            stored_after: None,
        }
    }
}

/// The largest `length` (and `deltas`) accepted: four times the bench's longest reply. A typo
/// cannot make the mock stream for hours, and a caller cannot make it keep replies of
/// hundreds of megabytes (ten of 10 million deltas took 880 MB).
const MAX_LENGTH: usize = 200_000;

impl Switches {
    /// Reads the switches; an unknown value is an error (a typo in a test should fail loudly).
    pub fn from_request(
        headers: &HeaderMap,
        query: &HashMap<String, String>,
    ) -> Result<Switches, String> {
        let get = |name: &str| -> Option<String> {
            if let Some(v) = query.get(&format!("mock_{name}")) {
                return Some(v.trim().to_string());
            }
            let header = format!("x-mock-{}", name.replace('_', "-"));
            headers
                .get(header.as_str())
                .and_then(|v| v.to_str().ok())
                .map(|v| v.trim().to_string())
        };
        let number = |name: &str| -> Result<Option<u64>, String> {
            match get(name) {
                None => Ok(None),
                Some(v) => v
                    .parse::<u64>()
                    .map(Some)
                    .map_err(|_| format!("mock switch {name}: not a number: {v:?}")),
            }
        };

        let mut s = Switches::default();
        if let Some(v) = get("format") {
            s.format = match v.as_str() {
                "sse" => Format::Sse,
                "sse-snake" => Format::SseSnake,
                "ndjson" => Format::Ndjson,
                "concat" => Format::Concat,
                "done-sentinel" => Format::DoneSentinel,
                _ => return Err(format!("mock switch format: unknown value {v:?}")),
            };
        }
        if let Some(v) = get("chunking") {
            s.random_chunks = match v.as_str() {
                "random" => true,
                "none" | "" => false,
                _ => return Err(format!("mock switch chunking: unknown value {v:?}")),
            };
        }
        s.seed = number("seed")?;
        s.delay = number("delay")?.map(Duration::from_millis);
        if let Some(n) = number("length")? {
            if n as usize > MAX_LENGTH {
                return Err(format!("mock switch length: at most {MAX_LENGTH}"));
            }
            s.length = Some(n as usize);
        }
        if let Some(v) = get("echo") {
            s.echo = match v.as_str() {
                "1" | "true" => true,
                "0" | "false" | "" => false,
                _ => return Err(format!("mock switch echo: unknown value {v:?}")),
            };
        }
        if let Some(n) = number("deltas")? {
            if n == 0 || n as usize > MAX_LENGTH {
                return Err(format!("mock switch deltas: 1 to {MAX_LENGTH}"));
            }
            s.deltas = Some(n as usize);
        }
        if let Some(v) = get("fault") {
            s.fault = match v.as_str() {
                "401" => Some(Fault::Unauthorized),
                "429" => Some(Fault::TooManyRequests),
                "500" => Some(Fault::ServerError),
                "html" => Some(Fault::Html),
                "drop" => Some(Fault::Drop),
                "malformed" => Some(Fault::Malformed),
                "stall" => Some(Fault::Stall),
                "pause" => Some(Fault::Pause),
                "none" | "" => None,
                _ => return Err(format!("mock switch fault: unknown value {v:?}")),
            };
        }
        if let Some(n) = number("retry_after")? {
            s.retry_after = n;
        }
        s.fault_times = number("fault_times")?;
        if let Some(k) = get("fault_key") {
            s.fault_key = k;
        }
        if let Some(n) = number("fault_after")? {
            s.fault_after = n as usize;
        }
        if let Some(ms) = number("pause")? {
            s.pause = Duration::from_millis(ms);
        }
        s.stored_after = number("stored_after")?.map(Duration::from_millis);
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn query_wins_over_header_and_defaults_fill_in() {
        let mut headers = HeaderMap::new();
        headers.insert("x-mock-format", HeaderValue::from_static("ndjson"));
        headers.insert("x-mock-retry-after", HeaderValue::from_static("7"));
        let mut query = HashMap::new();
        query.insert("mock_format".to_string(), "concat".to_string());
        query.insert("mock_delay".to_string(), "0".to_string());
        let s = Switches::from_request(&headers, &query).unwrap();
        assert_eq!(s.format, Format::Concat);
        assert_eq!(s.retry_after, 7);
        assert_eq!(s.delay, Some(Duration::ZERO));
        assert_eq!(s.fault, None);
        assert_eq!(s.fault_after, 3);
    }

    #[test]
    fn a_pause_keeps_silent_for_as_long_as_asked() {
        let mut query = HashMap::new();
        query.insert("mock_fault".to_string(), "pause".to_string());
        let s = Switches::from_request(&HeaderMap::new(), &query).unwrap();
        assert_eq!(
            (s.fault, s.pause),
            (Some(Fault::Pause), Duration::from_secs(6))
        );
        assert!(!Fault::Pause.is_status());
        query.insert("mock_pause".to_string(), "1500".to_string());
        let s = Switches::from_request(&HeaderMap::new(), &query).unwrap();
        assert_eq!(s.pause, Duration::from_millis(1500));
    }

    #[test]
    fn a_reply_may_be_stored_late() {
        let mut query = HashMap::new();
        assert_eq!(
            Switches::from_request(&HeaderMap::new(), &query)
                .unwrap()
                .stored_after,
            None
        );
        query.insert("mock_stored_after".to_string(), "2500".to_string());
        let s = Switches::from_request(&HeaderMap::new(), &query).unwrap();
        assert_eq!(s.stored_after, Some(Duration::from_millis(2500)));
        query.insert("mock_stored_after".to_string(), "soon".to_string());
        assert!(Switches::from_request(&HeaderMap::new(), &query).is_err());
    }

    #[test]
    fn typos_are_errors() {
        let mut query = HashMap::new();
        query.insert("mock_fault".to_string(), "404".to_string());
        assert!(Switches::from_request(&HeaderMap::new(), &query).is_err());
        query.clear();
        query.insert("mock_delay".to_string(), "fast".to_string());
        assert!(Switches::from_request(&HeaderMap::new(), &query).is_err());
    }

    #[test]
    fn lengths_are_bounded() {
        let mut query = HashMap::new();
        query.insert("mock_length".to_string(), MAX_LENGTH.to_string());
        assert!(Switches::from_request(&HeaderMap::new(), &query).is_ok());
        query.insert("mock_length".to_string(), "10000000".to_string());
        assert!(Switches::from_request(&HeaderMap::new(), &query).is_err());
    }
}
