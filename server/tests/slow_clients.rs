//! Slow and hostile clients: headers or a body sent a byte at a time, connections opened and
//! left idle, and a flood of such connections from one address. Timeouts are set short here;
//! the only clocks asserted on are generous upper bounds.

mod fake;

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chat_bubble_server::app;
use chat_bubble_server::guard::Guard;
use chat_bubble_server::guard::GuardSettings;
use chat_bubble_server::proxy::{self, ProxySettings, ProxyState};
use chat_bubble_server::secret::Secret;
use chat_bubble_server::serve::{self, ConnLimits, ConnStats};
use chat_bubble_server::visitor::VisitorKeys;
use fake::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, TcpStream};

/// The proxy in front of a fake MaiAgent, served with `limits` the way the binary serves.
async fn start(limits: ConnLimits) -> SocketAddr {
    start_counted(limits, Arc::default()).await
}

async fn start_counted(limits: ConnLimits, stats: Arc<ConnStats>) -> SocketAddr {
    let up = FakeMaiAgent::start().await;
    let mut guard = GuardSettings::open();
    guard.visitors = Some(VisitorKeys::new(VISITOR_SECRET).unwrap());
    let state = ProxyState::new(
        ProxySettings {
            upstream_url: up.base(),
            key: Secret::new(KEY).unwrap(),
            timeouts: quick_timeouts(),
            uploads: None,
        },
        Guard::new(&guard).unwrap(),
    )
    .unwrap();
    serve_as_the_binary(app::outer_layers(proxy::router(state)), limits, stats).await
}

/// Serves `router` on a free loopback port the way the binary serves.
async fn serve_as_the_binary(
    router: axum::Router,
    limits: ConnLimits,
    stats: Arc<ConnStats>,
) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(serve::run_counted(
        listener,
        router,
        limits,
        stats,
        std::future::pending(),
    ));
    addr
}

fn limits() -> ConnLimits {
    ConnLimits {
        header: Duration::from_millis(400),
        body: Duration::from_millis(400),
        idle: Duration::from_millis(400),
        send: Duration::from_millis(400),
        per_client: 0,
        total: 0,
    }
}

/// A connection from a chosen loopback address (127.0.0.0/8 is all loopback on Linux).
async fn connect_from(from: &str, to: SocketAddr) -> std::io::Result<TcpStream> {
    let socket = TcpSocket::new_v4()?;
    socket.bind(SocketAddr::new(from.parse::<IpAddr>().unwrap(), 0))?;
    socket.connect(to).await
}

/// Sends `bytes` one at a time, `pause` apart, watching for the server to close. Returns how
/// many were sent before it did, or `None` if it never did.
async fn trickle(conn: &mut TcpStream, bytes: &[u8], pause: Duration) -> Option<usize> {
    let mut buf = [0u8; 1024];
    for (i, b) in bytes.iter().enumerate() {
        if conn.write_all(&[*b]).await.is_err() {
            return Some(i);
        }
        match tokio::time::timeout(pause, conn.read(&mut buf)).await {
            Err(_) => {}
            Ok(Ok(0)) | Ok(Err(_)) => return Some(i + 1),
            // An answer (a 408): the server is done with this connection; it closes next.
            Ok(Ok(_)) => return Some(i + 1),
        }
    }
    None
}

/// Reads until the server closes; what it sent. Panics if it is not closed within 10 s.
async fn read_to_close(conn: &mut TcpStream) -> String {
    let mut out = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), conn.read_to_end(&mut out))
        .await
        .expect("the server closes the connection")
        .ok();
    String::from_utf8_lossy(&out).into_owned()
}

const SLOW_HEAD: &[u8] = b"GET /api/v1/conversations/c1/ HTTP/1.1\r\nHost: x\r\nX-Padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n";

#[tokio::test]
async fn headers_sent_a_byte_at_a_time_are_cut_by_the_header_timeout() {
    let addr = start(limits()).await;
    let mut conn = TcpStream::connect(addr).await.unwrap();
    // 50 ms a byte: the whole head would take over 9 s; the timeout is 0.4 s.
    let sent = trickle(&mut conn, SLOW_HEAD, Duration::from_millis(50)).await;
    let sent = sent.expect("the server cut the connection");
    assert!(sent < SLOW_HEAD.len() / 2, "cut after {sent} bytes");
}

#[tokio::test]
async fn the_header_timeout_holds_when_the_idle_timeout_is_longer() {
    let idle = Duration::from_secs(6);
    let addr = start(ConnLimits { idle, ..limits() }).await;
    // A request's head begun after the connection sat idle a while, and one begun at once.
    for wait in [Duration::from_millis(600), Duration::ZERO] {
        let mut conn = TcpStream::connect(addr).await.unwrap();
        tokio::time::sleep(wait).await;
        let started = Instant::now();
        let sent = trickle(&mut conn, SLOW_HEAD, Duration::from_millis(50)).await;
        assert!(sent.is_some(), "the server cut the connection");
        // 0.4 s of header timeout; the idle timeout (6 s) must not be what applies.
        let took = started.elapsed();
        assert!(took < idle / 2, "cut after {took:?}, waited {wait:?} first");
    }
}

/// A server of one large response, served as the binary serves: at `/whole` in one
/// piece, at `/streamed` in pieces (as files are).
async fn start_large(limits: ConnLimits, stats: Arc<ConnStats>, bytes: usize) -> SocketAddr {
    let piece = bytes::Bytes::from(vec![b'x'; 64 << 10]);
    let router = axum::Router::new()
        .route(
            "/whole",
            axum::routing::get(move || async move { vec![b'x'; bytes] }),
        )
        .route(
            "/streamed",
            axum::routing::get(move || async move {
                let pieces = std::iter::repeat_n(piece, bytes / (64 << 10));
                let stream = futures_util::stream::iter(pieces.map(Ok::<_, std::io::Error>));
                axum::body::Body::from_stream(stream)
            }),
        );
    serve_as_the_binary(router, limits, stats).await
}

const LARGE: usize = 64 << 20;

#[tokio::test]
async fn a_client_that_stops_reading_a_response_is_cut_by_the_send_timeout() {
    for path in ["/streamed", "/whole"] {
        cut_when_not_read(path).await;
    }
}

async fn cut_when_not_read(path: &str) {
    // No idle timeout to speak of: only the send timeout (0.4 s) may cut.
    let limits = ConnLimits {
        idle: Duration::from_secs(600),
        ..limits()
    };
    let stats = Arc::new(ConnStats::default());
    let addr = start_large(limits, stats.clone(), LARGE).await;
    let socket = TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let mut conn = socket.connect(addr).await.unwrap();
    conn.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
        .await
        .unwrap();
    // Reads nothing; the send timeout is 0.4 s.
    let started = Instant::now();
    while stats.cut_slow_readers.load(Ordering::Relaxed) == 0 {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{path}: the server still holds the connection"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Closed: reading now ends long before the 64 MB.
    let mut got = 0;
    let mut buf = vec![0u8; 1 << 16];
    loop {
        match tokio::time::timeout(Duration::from_secs(10), conn.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => got += n,
            Err(_) => panic!("{path}: the connection is still open after {got} bytes"),
        }
    }
    assert!(got < LARGE, "{path}: {got} bytes");
}

#[tokio::test]
async fn a_client_that_reads_gets_a_large_response_whole_under_a_short_send_timeout() {
    let stats = Arc::new(ConnStats::default());
    let addr = start_large(limits(), stats.clone(), LARGE).await;
    let mut conn = TcpStream::connect(addr).await.unwrap();
    conn.write_all(b"GET /streamed HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut out = Vec::new();
    tokio::time::timeout(Duration::from_secs(60), conn.read_to_end(&mut out))
        .await
        .expect("the response ends")
        .unwrap();
    assert!(
        // Chunked, to its last chunk.
        out.ends_with(b"x\r\n0\r\n\r\n") && out.len() > LARGE,
        "{} bytes",
        out.len()
    );
    assert_eq!(stats.cut_slow_readers.load(Ordering::Relaxed), 0);
}

#[tokio::test]
async fn a_body_sent_a_byte_at_a_time_is_cut_by_the_body_timeout() {
    let addr = start(limits()).await;
    let mut conn = TcpStream::connect(addr).await.unwrap();
    let body = br#"{"webChat":"wc-1","padding":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}"#;
    let head = format!(
        "POST /api/v1/conversations/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    conn.write_all(head.as_bytes()).await.unwrap();
    let sent = trickle(&mut conn, body, Duration::from_millis(50))
        .await
        .expect("the server gave up on the body");
    assert!(sent < body.len() / 2, "gave up after {sent} bytes");
    let rest = read_to_close(&mut conn).await;
    assert!(
        rest.is_empty() || rest.starts_with("HTTP/1.1 408"),
        "a 408 or nothing: {rest:?}"
    );
}

#[tokio::test]
async fn idle_connections_are_closed_after_the_idle_timeout() {
    let addr = start(limits()).await;
    // Never sends a byte.
    let mut silent = TcpStream::connect(addr).await.unwrap();
    assert_eq!(read_to_close(&mut silent).await, "");
    // One request, then silence on the kept-alive connection.
    let mut kept = TcpStream::connect(addr).await.unwrap();
    kept.write_all(b"GET /api/v1/nothing HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let answer = read_to_close(&mut kept).await;
    assert!(answer.starts_with("HTTP/1.1 404"), "{answer}");
    assert!(
        !answer.contains("connection: close"),
        "kept alive: {answer}"
    );
}

#[tokio::test]
async fn connections_over_the_per_client_cap_are_closed_at_once() {
    let addr = start(ConnLimits {
        per_client: 5,
        idle: Duration::from_secs(30),
        send: Duration::from_secs(30),
        ..limits()
    })
    .await;
    let mut held = Vec::new();
    for _ in 0..20 {
        held.push(connect_from("127.0.0.1", addr).await.unwrap());
    }
    let mut closed = 0;
    for conn in &mut held {
        let mut buf = [0u8; 16];
        if let Ok(r) = tokio::time::timeout(Duration::from_millis(500), conn.read(&mut buf)).await {
            assert!(matches!(r, Ok(0) | Err(_)));
            closed += 1;
        }
    }
    assert_eq!(closed, 15);
    // Another client is served meanwhile.
    let other = reqwest::Client::builder()
        .local_address("127.0.0.2".parse::<IpAddr>().unwrap())
        .build()
        .unwrap();
    let res = other
        .get(format!("http://{addr}/api/v1/conversations/c1/"))
        .header("x-visitor-token", token("c1"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

/// How the flood went, as the flooding client saw it.
#[derive(Debug, Default)]
struct Flood {
    opened: usize,
    /// Closed before its second byte: refused at the cap.
    refused: usize,
    /// Closed later, by the header timeout.
    cut: usize,
    /// Still open when the flooder gave up (must be none).
    outlived: usize,
    /// The most connections that looked open to the flooder at once (connections waiting in
    /// the kernel's accept queue look open too).
    peak_held: usize,
    served_meanwhile: usize,
    failed_meanwhile: usize,
}

#[tokio::test]
async fn a_flood_of_slow_connections_from_one_client_neither_starves_others_nor_outlives_the_timeouts(
) {
    // The README's figures come from CHAT_BUBBLE_SLOW_FLOOD=1500.
    let flood: usize = std::env::var("CHAT_BUBBLE_SLOW_FLOOD")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300)
        .min(5000);
    let limits = ConnLimits {
        header: Duration::from_secs(1),
        body: Duration::from_secs(1),
        idle: Duration::from_secs(1),
        send: Duration::from_secs(1),
        per_client: 64,
        total: 1024,
    };
    let stats = Arc::new(ConnStats::default());
    let addr = start_counted(limits, stats.clone()).await;
    let held = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let tasks: Vec<_> = (0..flood)
        .map(|_| {
            let (held, peak) = (held.clone(), peak.clone());
            tokio::spawn(async move {
                let Ok(mut conn) = connect_from("127.0.0.1", addr).await else {
                    return 0;
                };
                let mut buf = [0u8; 64];
                let mut counted = false;
                // A header byte every 200 ms, for at most 30 s: far past every timeout.
                for (i, b) in SLOW_HEAD.iter().cycle().take(150).enumerate() {
                    if conn.write_all(&[*b]).await.is_err() {
                        if counted {
                            held.fetch_sub(1, Ordering::Relaxed);
                        }
                        return i.max(1);
                    }
                    let r =
                        tokio::time::timeout(Duration::from_millis(200), conn.read(&mut buf)).await;
                    if r.is_ok() {
                        if counted {
                            held.fetch_sub(1, Ordering::Relaxed);
                        }
                        return i + 1;
                    }
                    if !counted {
                        counted = true;
                        let now = held.fetch_add(1, Ordering::Relaxed) + 1;
                        peak.fetch_max(now, Ordering::Relaxed);
                    }
                }
                if counted {
                    held.fetch_sub(1, Ordering::Relaxed);
                }
                usize::MAX
            })
        })
        .collect();

    // Meanwhile another visitor uses the server, for as long as the flood is being opened
    // and held (at least three header timeouts).
    let other = reqwest::Client::builder()
        .local_address("127.0.0.2".parse::<IpAddr>().unwrap())
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let mut report = Flood {
        opened: flood,
        ..Flood::default()
    };
    while started.elapsed() < Duration::from_secs(3) {
        let res = other
            .get(format!("http://{addr}/api/v1/conversations/c1/"))
            .header("x-visitor-token", token("c1"))
            .send()
            .await;
        match res {
            Ok(r) if r.status() == 200 => report.served_meanwhile += 1,
            _ => report.failed_meanwhile += 1,
        }
    }
    for t in tasks {
        match tokio::time::timeout(Duration::from_secs(60), t)
            .await
            .expect("every flood connection ends")
            .unwrap()
        {
            0 => report.refused += 1,
            usize::MAX => report.outlived += 1,
            1 => report.refused += 1,
            _ => report.cut += 1,
        }
    }
    report.peak_held = peak.load(Ordering::Relaxed);
    // Every connection is gone once the timeouts have run (the other client's kept-alive
    // one included).
    let mut open = stats.open.load(Ordering::Relaxed);
    for _ in 0..100 {
        if open == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        open = stats.open.load(Ordering::Relaxed);
    }
    println!("slow-client flood, client side: {report:?}");
    println!("slow-client flood, server side: {stats:?}");
    assert_eq!(open, 0, "{stats:?}");
    assert!(
        stats.peak_per_client.load(Ordering::Relaxed) <= 64,
        "{stats:?}"
    );
    assert_eq!(report.outlived, 0, "{report:?}");
    assert_eq!(report.failed_meanwhile, 0, "{report:?}");
    assert!(report.served_meanwhile > 0, "{report:?}");
    assert_eq!(report.refused + report.cut, report.opened, "{report:?}");
}
