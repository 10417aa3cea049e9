//! The proxy load test: many concurrent streaming replies through proxy mode, each checked
//! byte for byte, with throughput, first-delta latency and peak memory measured.
//!
//! Everything runs in this process on 127.0.0.1: the mock as the upstream (each reply made
//! `deltas` long with the mock's `length` switch, added on the upstream side because the proxy
//! forwards no test switches), the proxy in front of it with the rate limit off, and the
//! clients. So the peak memory (`VmHWM`) is an upper bound for the proxy alone.
//!
//! So that the streams really are concurrent however fast the machine, the upstream holds each
//! reply after its first delta until every stream has sent its first one (or 30 s passed): at
//! that moment all `streams` replies are open through the proxy at once. The first-delta
//! latency is therefore the time to get a reply going while all the others connect.
//!
//! A stream counts as *lost* if it fails, ends without its `done` frame or misses the overall
//! deadline, and as *corrupted* if a frame does not parse, a frame comes after `done`, frames
//! carry different conversation ids, or the joined text is not exactly the expected reply.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::{self, Next};
use axum::serve::ListenerExt;
use axum::Router;
use futures_util::StreamExt;
use serde::Serialize;
use serde_json::{json, Value};
use tokio::net::{TcpListener, TcpSocket};
use tokio::sync::watch;

use crate::guard::{Guard, GuardSettings};
use crate::mock::{self, replies::counted_reply, MockState};
use crate::proxy::{self, ProxySettings, ProxyState};
use crate::secret::Secret;
use crate::upstream::Timeouts;

/// What to run.
#[derive(Clone, Copy, Debug)]
pub struct LoadOptions {
    /// Concurrent streams, all started at once.
    pub streams: usize,
    /// Deltas per reply.
    pub deltas: usize,
    /// The upstream's pause between deltas.
    pub delta_delay: Duration,
    /// Streams not finished by then are lost.
    pub timeout: Duration,
}

/// Milliseconds at a few percentiles.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct Percentiles {
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub max: f64,
}

/// The figures, written as JSON.
#[derive(Clone, Debug, Serialize)]
pub struct LoadReport {
    pub streams: usize,
    pub deltas_per_stream: usize,
    pub delta_delay_ms: f64,
    pub completed: usize,
    pub lost: usize,
    pub corrupted: usize,
    /// Most streams open at the client (headers received, not yet ended) at one time.
    pub peak_concurrent_streams: usize,
    pub elapsed_s: f64,
    pub streams_per_s: f64,
    pub deltas_per_s: f64,
    /// Reply bytes the clients received through the proxy.
    pub bytes_received: u64,
    /// From sending the request to the first delta at the client.
    pub first_delta_ms: Percentiles,
    /// From sending the request to the end of the stream.
    pub stream_ms: Percentiles,
    /// `VmHWM` of this process (clients, proxy and upstream together), in KiB.
    pub peak_rss_kib: Option<u64>,
    pub build_profile: &'static str,
    pub setup: &'static str,
    /// Up to ten reasons for lost or corrupted streams.
    pub failures: Vec<String>,
}

impl LoadReport {
    /// Whether every stream arrived whole.
    pub fn passed(&self) -> bool {
        self.lost == 0 && self.corrupted == 0 && self.completed == self.streams
    }
}

enum Outcome {
    Ok {
        first_delta: Duration,
        total: Duration,
        bytes: u64,
    },
    Lost(String),
    Corrupted(String),
}

const KEY: &str = "load-test-key-not-a-real-one";

/// Runs the load test.
pub async fn run(opts: LoadOptions) -> Result<LoadReport, String> {
    let upstream = serve(upstream_app(opts.streams, opts.deltas, opts.delta_delay))?;
    let guard = Guard::new(&GuardSettings::open())?;
    let state = ProxyState::new(
        ProxySettings {
            uploads: None,
            upstream_url: format!("http://{upstream}/api/v1/"),
            key: Secret::new(KEY)?,
            timeouts: Timeouts::default(),
        },
        guard,
    )?;
    let proxy = serve(crate::observe::layer(proxy::router(state)))?;

    let client = reqwest::Client::builder()
        .tcp_nodelay(true)
        .build()
        .map_err(|e| e.to_string())?;
    let url = format!("http://{proxy}/api/v1/");
    let expected: Arc<str> = Arc::from(counted_reply(opts.deltas));
    let open = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let deadline = tokio::time::Instant::now() + opts.timeout;

    let started = Instant::now();
    let tasks: Vec<_> = (0..opts.streams)
        .map(|i| {
            let (client, url, expected) = (client.clone(), url.clone(), expected.clone());
            let (open, peak) = (open.clone(), peak.clone());
            tokio::spawn(async move {
                let run = one_stream(&client, &url, i, &expected, &open, &peak);
                tokio::time::timeout_at(deadline, run)
                    .await
                    .unwrap_or_else(|_| Outcome::Lost(format!("stream {i}: not done in time")))
            })
        })
        .collect();
    let mut outcomes = Vec::with_capacity(tasks.len());
    for task in tasks {
        outcomes.push(
            task.await
                .unwrap_or_else(|e| Outcome::Lost(format!("task failed: {e}"))),
        );
    }
    let elapsed = started.elapsed();

    let (mut first, mut total, mut failures) = (Vec::new(), Vec::new(), Vec::new());
    let (mut lost, mut corrupted, mut bytes) = (0, 0, 0u64);
    for outcome in outcomes {
        match outcome {
            Outcome::Ok {
                first_delta,
                total: t,
                bytes: b,
            } => {
                first.push(first_delta);
                total.push(t);
                bytes += b;
            }
            Outcome::Lost(why) => {
                lost += 1;
                failures.push(format!("lost: {why}"));
            }
            Outcome::Corrupted(why) => {
                corrupted += 1;
                failures.push(format!("corrupted: {why}"));
            }
        }
    }
    failures.truncate(10);
    let completed = first.len();
    let secs = elapsed.as_secs_f64().max(1e-9);
    Ok(LoadReport {
        streams: opts.streams,
        deltas_per_stream: opts.deltas,
        delta_delay_ms: opts.delta_delay.as_secs_f64() * 1000.0,
        completed,
        lost,
        corrupted,
        peak_concurrent_streams: peak.load(Ordering::Relaxed),
        elapsed_s: secs,
        streams_per_s: completed as f64 / secs,
        deltas_per_s: (completed * opts.deltas) as f64 / secs,
        bytes_received: bytes,
        first_delta_ms: percentiles(first),
        stream_ms: percentiles(total),
        peak_rss_kib: peak_rss_kib(),
        build_profile: if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        },
        setup: "clients, proxy and mock upstream in one process on 127.0.0.1",
        failures,
    })
}

/// Holds every reply after its first delta until all of them got that far.
struct Gate {
    arrived: AtomicUsize,
    total: usize,
    open: watch::Sender<bool>,
}

impl Gate {
    async fn arrive_and_wait(&self) {
        if self.arrived.fetch_add(1, Ordering::SeqCst) + 1 >= self.total {
            self.open.send_replace(true);
        }
        let mut open = self.open.subscribe();
        // A stream lost before the gate must not hold the others forever.
        let _ = tokio::time::timeout(GATE_LIMIT, open.wait_for(|o| *o)).await;
    }
}

const GATE_LIMIT: Duration = Duration::from_secs(30);

/// The mock, with every completion made `deltas` long and held at the gate after its first
/// delta.
fn upstream_app(streams: usize, deltas: usize, delay: Duration) -> Router {
    let (tx, rx) = watch::channel(false);
    // Never signalled: the upstream lives as long as the process.
    std::mem::forget(tx);
    let gate = Arc::new(Gate {
        arrived: AtomicUsize::new(0),
        total: streams,
        open: watch::channel(false).0,
    });
    let length = HeaderValue::from(deltas);
    mock::router(MockState::new(delay, rx, None)).layer(middleware::from_fn(
        move |mut req: Request, next: Next| {
            req.headers_mut().insert("x-mock-length", length.clone());
            let gate = gate.clone();
            async move {
                // Only replies are held; conversations are created at once.
                if !req.uri().path().ends_with("/completions/") {
                    return next.run(req).await;
                }
                let (parts, body) = next.run(req).await.into_parts();
                let chunks = body.into_data_stream();
                let held = futures_util::stream::unfold(
                    (chunks, gate, 0usize),
                    |(mut chunks, gate, sent)| async move {
                        if sent == 1 {
                            gate.arrive_and_wait().await;
                        }
                        let chunk = chunks.next().await?;
                        Some((chunk, (chunks, gate, sent + 1)))
                    },
                );
                axum::response::Response::from_parts(parts, axum::body::Body::from_stream(held))
            }
        },
    ))
}

fn serve(router: Router) -> Result<SocketAddr, String> {
    // All streams connect at once: a deeper accept queue than tokio's default 1024 keeps the
    // kernel from dropping SYNs (and the clients from waiting out a 1 s retransmission).
    let listen = || -> std::io::Result<TcpListener> {
        let socket = TcpSocket::new_v4()?;
        socket.set_reuseaddr(true)?;
        socket.bind(SocketAddr::from(([127, 0, 0, 1], 0)))?;
        socket.listen(4096)
    };
    let listener = listen().map_err(|e| format!("cannot listen on 127.0.0.1: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    let service = router.into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move {
        let _ = axum::serve(listener, service).await;
    });
    Ok(addr)
}

/// Counts a stream as open and keeps the peak; closes it when dropped.
struct OpenStream<'a>(&'a AtomicUsize);

impl<'a> OpenStream<'a> {
    fn new(open: &'a AtomicUsize, peak: &AtomicUsize) -> Self {
        let now = open.fetch_add(1, Ordering::Relaxed) + 1;
        peak.fetch_max(now, Ordering::Relaxed);
        OpenStream(open)
    }
}

impl Drop for OpenStream<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

async fn one_stream(
    client: &reqwest::Client,
    url: &str,
    i: usize,
    expected: &str,
    open: &AtomicUsize,
    peak: &AtomicUsize,
) -> Outcome {
    // Each stream is one visitor: a conversation of its own, and its token.
    let created = client
        .post(format!("{url}conversations/"))
        .json(&json!({"webChat": "load-web-chat"}))
        .send()
        .await;
    let created: serde_json::Value = match created {
        Ok(r) if r.status() == 201 => match r.json().await {
            Ok(v) => v,
            Err(e) => return Outcome::Lost(format!("stream {i}: conversation unreadable: {e}")),
        },
        Ok(r) => return Outcome::Lost(format!("stream {i}: conversation HTTP {}", r.status())),
        Err(e) => return Outcome::Lost(format!("stream {i}: conversation failed: {e}")),
    };
    let (Some(id), Some(token)) = (
        created["id"].as_str(),
        created[crate::visitor::FIELD].as_str(),
    ) else {
        return Outcome::Lost(format!("stream {i}: conversation without id or token"));
    };
    let t0 = Instant::now();
    let body = json!({
        "conversation": id,
        "message": {"content": format!("load stream {i}"), "attachments": []},
        "isStreaming": true,
    });
    let res = client
        .post(format!("{url}chatbots/load-bot/completions/"))
        .header(crate::visitor::HEADER, token)
        .json(&body)
        .send()
        .await;
    let res = match res {
        Ok(r) => r,
        Err(e) => return Outcome::Lost(format!("stream {i}: request failed: {e}")),
    };
    if res.status() != 200 {
        return Outcome::Lost(format!("stream {i}: HTTP {}", res.status()));
    }
    let _open = OpenStream::new(open, peak);
    let mut chunks = res.bytes_stream();
    let mut buf: Vec<u8> = Vec::new();
    let mut text = String::new();
    let mut conversation: Option<String> = None;
    let mut first_delta = None;
    let mut done = false;
    let mut bytes = 0u64;
    while let Some(chunk) = chunks.next().await {
        let chunk = match chunk {
            Ok(c) => c,
            Err(e) => return Outcome::Lost(format!("stream {i}: broke: {e}")),
        };
        bytes += chunk.len() as u64;
        buf.extend_from_slice(&chunk);
        while let Some(end) = buf.windows(2).position(|w| w == b"\n\n") {
            let event: Vec<u8> = buf.drain(..end + 2).collect();
            let frame = match parse_event(&event[..end]) {
                Ok(f) => f,
                Err(why) => return Outcome::Corrupted(format!("stream {i}: {why}")),
            };
            if done {
                return Outcome::Corrupted(format!("stream {i}: a frame after done"));
            }
            let id = frame["conversationId"].as_str().unwrap_or_default();
            match &conversation {
                None => conversation = Some(id.to_string()),
                Some(c) if c != id => {
                    return Outcome::Corrupted(format!("stream {i}: mixed conversation ids"))
                }
                Some(_) => {}
            }
            if frame["done"] == json!(true) {
                done = true;
            } else {
                first_delta.get_or_insert_with(|| t0.elapsed());
                text.push_str(frame["content"].as_str().unwrap_or_default());
            }
        }
    }
    if !done {
        return Outcome::Lost(format!("stream {i}: ended without done"));
    }
    if !buf.is_empty() {
        return Outcome::Corrupted(format!("stream {i}: bytes after the last frame"));
    }
    if text != expected {
        return Outcome::Corrupted(format!(
            "stream {i}: text differs ({} bytes, expected {})",
            text.len(),
            expected.len()
        ));
    }
    Outcome::Ok {
        first_delta: first_delta.unwrap_or_default(),
        total: t0.elapsed(),
        bytes,
    }
}

fn parse_event(event: &[u8]) -> Result<Value, String> {
    let text = std::str::from_utf8(event).map_err(|_| "invalid UTF-8".to_string())?;
    let data = text
        .strip_prefix("data: ")
        .ok_or_else(|| format!("not a data event: {text:?}"))?;
    serde_json::from_str(data).map_err(|e| format!("bad JSON ({e}): {data:?}"))
}

/// Nearest-rank percentiles in milliseconds.
pub fn percentiles(mut samples: Vec<Duration>) -> Percentiles {
    if samples.is_empty() {
        return Percentiles::default();
    }
    samples.sort();
    let at = |p: f64| {
        let rank = ((p / 100.0) * samples.len() as f64).ceil() as usize;
        samples[rank.clamp(1, samples.len()) - 1].as_secs_f64() * 1000.0
    };
    Percentiles {
        p50: at(50.0),
        p90: at(90.0),
        p99: at(99.0),
        max: at(100.0),
    }
}

/// `VmHWM` from `/proc/self/status` (Linux), in KiB.
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let ms = |v: &[u64]| v.iter().map(|m| Duration::from_millis(*m)).collect();
        let p = percentiles(ms(&[5, 1, 4, 2, 3]));
        assert_eq!((p.p50, p.p99, p.max), (3.0, 5.0, 5.0));
        let p = percentiles(ms(&(1..=100).collect::<Vec<_>>()));
        assert_eq!((p.p50, p.p90, p.p99), (50.0, 90.0, 99.0));
        assert_eq!(percentiles(Vec::new()).max, 0.0);
    }

    #[test]
    fn events_parse_or_say_why_not() {
        assert_eq!(
            parse_event(br#"data: {"done":true}"#).unwrap()["done"],
            true
        );
        assert!(parse_event(b": keepalive").is_err());
        assert!(parse_event(b"data: {oops}").is_err());
    }

    #[test]
    fn peak_memory_is_readable_on_linux() {
        if cfg!(target_os = "linux") {
            assert!(peak_rss_kib().unwrap() > 0);
        }
    }
}
