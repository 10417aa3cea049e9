//! The total connection cap filled with idle keep-alive connections, each of which made one
//! cheap request and now sits between requests (as a client that keeps places with a cheap
//! request now and then would hold them): a new client must still be answered, the place
//! coming from the connection idle longest, and a connection streaming a reply must never be
//! the one closed. The mock is built from flags as the binary builds it, with a cap of a few
//! connections; the only clocks are generous failure guards.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use chat_bubble_server::app;
use chat_bubble_server::config::Config;
use chat_bubble_server::serve;
use clap::Parser;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, TcpStream};

/// The longest any step may take before the test fails (each takes a fraction of it).
const GUARD: Duration = Duration::from_secs(10);

/// The mock with `args` after the binary's name, served on a free loopback port as the binary
/// serves it.
async fn start(args: &[&str]) -> SocketAddr {
    let dir = std::env::temp_dir().join(format!(
        "chat-bubble-idle-keepalives-{}-{}",
        std::process::id(),
        rand::random::<u32>()
    ));
    let mut argv = vec![
        "chat-bubble-server".to_string(),
        "--mock-visitor-tokens".into(),
        "false".into(),
        "--upload-dir".into(),
        dir.join("uploads").display().to_string(),
        "--static-dir".into(),
        dir.join("no-dist").display().to_string(),
        // Far past the test: the idle timeout frees no place here.
        "--keepalive-idle-secs".into(),
        "600".into(),
    ];
    argv.extend(args.iter().map(|a| a.to_string()));
    let config = Config::try_parse_from(argv).unwrap();
    let (tx, rx) = tokio::sync::watch::channel(false);
    std::mem::forget(tx);
    let router = app::build(&config, rx).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(serve::run(
        listener,
        router,
        config.connections.limits(config.guard.trust_proxy),
        std::future::pending(),
    ));
    addr
}

/// A connection from a chosen loopback address (127.0.0.0/8 is all loopback on Linux).
async fn connect_from(from: &str, to: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket
        .bind(SocketAddr::new(from.parse::<IpAddr>().unwrap(), 0))
        .unwrap();
    socket.connect(to).await.unwrap()
}

/// Sends one cheap request on `conn` (kept alive) and returns its answer, or what came before
/// the server closed the connection (nothing if it was refused).
async fn cheap_request(conn: &mut TcpStream) -> String {
    // A refused connection may already be reset: then the read below finds it closed.
    let _ = conn
        .write_all(b"GET /api/v1/messages/?conversation=c1 HTTP/1.1\r\nHost: x\r\n\r\n")
        .await;
    read_response(conn).await
}

/// Reads one response with a `Content-Length` body; what was read if the server closed first.
async fn read_response(conn: &mut TcpStream) -> String {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        if let Some(end) = got.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&got[..end]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if got.len() >= end + 4 + length {
                break;
            }
        }
        match tokio::time::timeout(GUARD, conn.read(&mut buf))
            .await
            .expect("an answer, or the connection closed, in time")
        {
            Ok(0) | Err(_) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
    }
    String::from_utf8_lossy(&got).into_owned()
}

/// Asks for a reply that streams a delta every 50 ms, for far longer than the test, and reads
/// its first delta.
async fn start_stream(conn: &mut TcpStream) {
    let body =
        r#"{"conversation":null,"message":{"content":"hi","attachments":[]},"isStreaming":true}"#;
    let request = format!(
        "POST /api/v1/chatbots/bot-1/completions/?mock_delay=50&mock_length=100000 HTTP/1.1\r\n\
         Host: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    conn.write_all(request.as_bytes()).await.unwrap();
    let head = more_deltas(conn, 1).await;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
}

/// Reads a streaming reply until `n` more deltas have come, and returns what was read; panics
/// if the server closes the connection first.
async fn more_deltas(conn: &mut TcpStream, n: usize) -> String {
    let mut got = String::new();
    let mut buf = [0u8; 4096];
    while got.matches(r#""done":false"#).count() < n {
        let read = tokio::time::timeout(GUARD, conn.read(&mut buf))
            .await
            .unwrap_or_else(|_| panic!("no delta in time; read so far: {got:?}"));
        match read {
            Ok(0) | Err(_) => panic!("the streaming connection was closed; read: {got:?}"),
            Ok(k) => got.push_str(&String::from_utf8_lossy(&buf[..k])),
        }
    }
    got
}

/// Panics unless the server closes `conn` (within the guard), sending nothing more.
async fn assert_closed(conn: &mut TcpStream, what: &str) {
    let mut buf = [0u8; 256];
    match tokio::time::timeout(GUARD, conn.read(&mut buf)).await {
        Ok(Ok(0)) | Ok(Err(_)) => {}
        Ok(Ok(n)) => panic!(
            "{what}: sent {:?} instead of closing",
            String::from_utf8_lossy(&buf[..n])
        ),
        Err(_) => panic!("{what}: still open"),
    }
}

#[tokio::test]
async fn a_cap_full_of_idle_keep_alives_lets_a_new_client_in_by_closing_the_longest_idle_not_a_stream(
) {
    let addr = start(&[
        "--max-connections",
        "8",
        "--max-connections-per-client",
        "8",
    ])
    .await;
    // The oldest connection streams a reply for the whole test.
    let mut stream = connect_from("127.0.0.1", addr).await;
    start_stream(&mut stream).await;
    // Seven more, each one cheap request and then idle: every place is taken.
    let mut idle = Vec::new();
    for _ in 0..7 {
        let mut conn = connect_from("127.0.0.1", addr).await;
        let answer = cheap_request(&mut conn).await;
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        idle.push(conn);
    }

    // A new client, from another address, is answered.
    let mut visitor = connect_from("127.0.0.2", addr).await;
    let answer = cheap_request(&mut visitor).await;
    assert!(
        answer.starts_with("HTTP/1.1 200"),
        "a new client with every place taken by 1 stream and 7 idle connections: {answer:?}"
    );

    // The place came from the connection idle longest, the first of the seven.
    let mut longest_idle = idle.remove(0);
    assert_closed(&mut longest_idle, "the connection idle longest").await;
    // The stream goes on.
    more_deltas(&mut stream, 3).await;
    // The other idle connections are still open: each answers another request.
    for (i, conn) in idle.iter_mut().enumerate() {
        let answer = cheap_request(conn).await;
        assert!(
            answer.starts_with("HTTP/1.1 200"),
            "idle connection {}: {answer:?}",
            i + 2
        );
    }
}

#[tokio::test]
async fn with_every_place_streaming_a_new_connection_is_refused_and_no_stream_is_cut() {
    let addr = start(&[
        "--max-connections",
        "2",
        "--max-connections-per-client",
        "2",
    ])
    .await;
    let mut streams = Vec::new();
    for _ in 0..2 {
        let mut conn = connect_from("127.0.0.1", addr).await;
        start_stream(&mut conn).await;
        streams.push(conn);
    }
    // No connection is idle: the new one is closed without an answer.
    let mut visitor = connect_from("127.0.0.2", addr).await;
    let answer = cheap_request(&mut visitor).await;
    assert_eq!(answer, "", "refused at the total cap");
    for (i, conn) in streams.iter_mut().enumerate() {
        let more = more_deltas(conn, 3).await;
        assert!(!more.contains(r#""done":true"#), "stream {}: {more}", i + 1);
    }
}

#[tokio::test]
async fn a_cap_full_of_heads_sent_slowly_lets_a_new_client_in_by_cutting_the_oldest_head_not_a_stream(
) {
    let addr = start(&[
        "--max-connections",
        "4",
        "--max-connections-per-client",
        "4",
    ])
    .await;
    let mut stream = connect_from("127.0.0.1", addr).await;
    start_stream(&mut stream).await;
    // Three more, each sending the start of a request head and then nothing (as a client
    // trickling its head to hold the place until the 10 s header timeout): every place is
    // taken, none idle.
    let mut heads = Vec::new();
    for _ in 0..3 {
        let mut conn = connect_from("127.0.0.1", addr).await;
        conn.write_all(b"GET /api/v1/messages/?conversation=c1 HTTP/1.1\r\nHo")
            .await
            .unwrap();
        heads.push(conn);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Past the grace (2 s with the default header timeout), well before the header timeout.
    tokio::time::sleep(Duration::from_millis(2300)).await;

    let mut visitor = connect_from("127.0.0.2", addr).await;
    let answer = cheap_request(&mut visitor).await;
    assert!(
        answer.starts_with("HTTP/1.1 200"),
        "a new client with every place taken by 1 stream and 3 slow heads: {answer:?}"
    );
    // The place came from the head begun first, cut without an answer.
    let mut oldest = heads.remove(0);
    assert_closed(&mut oldest, "the connection whose head began first").await;
    more_deltas(&mut stream, 3).await;
    // The other two finish their heads and are answered.
    for (i, conn) in heads.iter_mut().enumerate() {
        conn.write_all(b"st: x\r\n\r\n").await.unwrap();
        let answer = read_response(conn).await;
        assert!(
            answer.starts_with("HTTP/1.1 200"),
            "slow head {}: {answer:?}",
            i + 2
        );
    }
}
