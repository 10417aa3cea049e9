//! The server over real loopback sockets: client disconnects, a dropped connection, static
//! files, and the binary itself (listening line, `--port 0`, SIGTERM).

mod common;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use axum::Router;
use chat_bubble_server::app;
use chat_bubble_server::mock::{self, MockState};
use chat_bubble_server::static_files;
use common::*;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// Serves `router` on 127.0.0.1 with a free port.
async fn serve(router: Router) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    addr
}

/// Sends one HTTP/1.1 request and returns the open connection.
async fn request(addr: SocketAddr, method: &str, path: &str, body: &str) -> TcpStream {
    let mut conn = TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    conn.write_all(head.as_bytes()).await.unwrap();
    conn
}

/// Reads until the server closes the connection, within five seconds.
async fn read_all(mut conn: TcpStream) -> String {
    let mut buf = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), conn.read_to_end(&mut buf))
        .await
        .expect("server closed the connection")
        .ok();
    String::from_utf8_lossy(&buf).into_owned()
}

/// Reads until `needle` has been seen `times` times.
async fn read_until(conn: &mut TcpStream, needle: &str, times: usize) -> String {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    while String::from_utf8_lossy(&buf).matches(needle).count() < times {
        let n = tokio::time::timeout(Duration::from_secs(5), conn.read(&mut chunk))
            .await
            .expect("data in time")
            .unwrap();
        assert!(n > 0, "connection closed early");
        buf.extend_from_slice(&chunk[..n]);
    }
    String::from_utf8_lossy(&buf).into_owned()
}

const ASK: &str =
    r#"{"conversation":null,"message":{"content":"hi","attachments":[]},"isStreaming":true}"#;

#[tokio::test]
async fn a_client_leaving_mid_stream_is_counted_as_aborted() {
    let (router, state) = open_mock_app(std::time::Duration::from_millis(30));
    let addr = serve(router).await;

    let mut conn = request(addr, "POST", "/api/v1/chatbots/b/completions/", ASK).await;
    let seen = read_until(&mut conn, "\"done\":false", 2).await;
    assert!(seen.starts_with("HTTP/1.1 200"));
    drop(conn);

    assert!(
        eventually(|| state.stats().streams_aborted == 1).await,
        "{:?}",
        state.stats()
    );
    let res = read_all(request(addr, "GET", "/__mock/stats", "").await).await;
    let body = res.split("\r\n\r\n").nth(1).unwrap();
    let stats: Value = serde_json::from_str(body).unwrap();
    assert_eq!(stats["streamsStarted"], 1);
    assert_eq!(stats["streamsAborted"], 1);
    assert_eq!(stats["streamsCompleted"], 0);
}

#[tokio::test]
async fn a_finished_stream_is_counted_as_completed_not_aborted() {
    let (router, state) = open_app();
    let addr = serve(router).await;
    let res = read_all(request(addr, "POST", "/api/chatbots/b/completions/", ASK).await).await;
    assert!(res.contains("\"done\":true"));
    assert!(eventually(|| state.stats().streams_completed == 1).await);
    assert_eq!(state.stats().streams_aborted, 0);
}

#[tokio::test]
async fn drop_fault_closes_the_connection_without_the_last_chunk() {
    let (router, _) = open_app();
    let addr = serve(router).await;
    let path = "/api/v1/chatbots/b/completions/?mock_fault=drop";
    let res = read_all(request(addr, "POST", path, ASK).await).await;
    assert!(res.contains("transfer-encoding: chunked"), "{res}");
    assert_eq!(res.matches("\"done\":false").count(), 3);
    assert!(!res.contains("\"done\":true"));
    assert!(
        !res.ends_with("0\r\n\r\n"),
        "the chunked body was terminated cleanly"
    );
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("chat-bubble-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn app_with_static(dir: &std::path::Path, demo: Option<&std::path::Path>) -> Router {
    let (tx, rx) = watch::channel(false);
    std::mem::forget(tx);
    let state = MockState::new(Duration::ZERO, rx, None);
    app::with_layers(mock::router(state).merge(static_files::router(dir, demo)))
}

#[tokio::test]
async fn static_files_are_served_with_no_cache_next_to_the_api() {
    let dir = temp_dir("static");
    std::fs::write(dir.join("index.html"), "<!doctype html><title>demo</title>").unwrap();
    std::fs::write(dir.join("chat-bubble.js"), "console.log(1)").unwrap();
    std::fs::write(dir.join("chat-bubble-widget_bg.0123456789.wasm"), b"\0asm").unwrap();
    let demo = dir.join("other.html");
    std::fs::write(&demo, "<p>other page</p>").unwrap();
    let app = app_with_static(&dir, Some(&demo));

    let res = call(&app, get("/")).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-cache");
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(String::from_utf8_lossy(&bytes(res).await).contains("<title>demo</title>"));

    let res = call(&app, get("/chat-bubble.js")).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-cache");

    // A versioned file never changes: cached for a year.
    let res = call(&app, get("/chat-bubble-widget_bg.0123456789.wasm")).await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    let res = call(&app, get("/chat-bubble-widget_bg.9999999999.wasm")).await;
    assert_eq!(res.status(), 404);
    assert_eq!(res.headers()["cache-control"], "no-cache");

    let res = call(&app, get("/demo")).await;
    assert_eq!(res.status(), 200);
    assert!(String::from_utf8_lossy(&bytes(res).await).contains("other page"));

    assert_eq!(call(&app, get("/missing.js")).await.status(), 404);
    // The API still answers, and does not get the static cache header.
    let res = call(&app, get("/api/v1/messages/?conversation=x")).await;
    assert_eq!(res.status(), 200);
    assert!(res.headers().get("cache-control").is_none());
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test]
async fn a_missing_static_dir_explains_how_to_build_the_widget() {
    let app = app_with_static(std::path::Path::new("/nonexistent/dist"), None);
    let res = call(&app, get("/")).await;
    assert_eq!(res.status(), 200);
    let text = String::from_utf8_lossy(&bytes(res).await).into_owned();
    assert!(
        text.contains("isn't built yet") && text.contains("make demo"),
        "{text}"
    );
    assert_eq!(call(&app, get("/chat-bubble.js")).await.status(), 404);
}

/// A GET for `uri` with `Accept-Encoding: accept`, or none.
fn get_accepting(uri: &str, accept: Option<&str>) -> axum::http::Request<axum::body::Body> {
    let mut req = get(uri);
    if let Some(accept) = accept {
        req.headers_mut()
            .insert("accept-encoding", accept.parse().unwrap());
    }
    req
}

fn brotli(plain: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    brotli::BrotliCompress(&mut &plain[..], &mut out, &Default::default()).unwrap();
    out
}

fn gzip(plain: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(plain).unwrap();
    encoder.finish().unwrap()
}

fn decoded(encoding: Option<&str>, body: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::new();
    match encoding {
        Some("br") => brotli::BrotliDecompress(&mut &body[..], &mut out).unwrap(),
        Some("gzip") => {
            flate2::read::GzDecoder::new(body)
                .read_to_end(&mut out)
                .unwrap();
        }
        None => out.extend_from_slice(body),
        Some(other) => panic!("unexpected Content-Encoding {other}"),
    }
    out
}

#[tokio::test]
async fn static_files_go_brotli_or_gzip_to_browsers_that_take_them_with_the_same_headers() {
    let dir = temp_dir("static-compressed");
    // As the build writes them: each file with its `.br` and `.gz` beside it.
    let loader = "(function(){var s=document.currentScript;console.log(s.dataset)})();".repeat(40);
    let mut wasm = b"\0asm\x01\0\0\0".to_vec();
    wasm.extend((0..4000u32).flat_map(|i| (i % 7).to_le_bytes()));
    let files = [
        (
            "chat-bubble.js",
            loader.into_bytes(),
            "text/javascript",
            "no-cache",
        ),
        (
            "chat-bubble-widget_bg.0123456789.wasm",
            wasm,
            "application/wasm",
            "public, max-age=31536000, immutable",
        ),
    ];
    for (name, plain, _, _) in &files {
        std::fs::write(dir.join(name), plain).unwrap();
        std::fs::write(dir.join(format!("{name}.br")), brotli(plain)).unwrap();
        std::fs::write(dir.join(format!("{name}.gz")), gzip(plain)).unwrap();
    }
    let app = app_with_static(&dir, None);

    for (name, plain, content_type, cache) in &files {
        let uri = format!("/{name}");
        let mut plain_headers = None;
        // What Chromium sends; then a client that takes only gzip; then one that names none.
        for (accept, encoding) in [
            (Some("gzip, deflate, br, zstd"), Some("br")),
            (Some("gzip"), Some("gzip")),
            (None, None),
        ] {
            let res = call(&app, get_accepting(&uri, accept)).await;
            assert_eq!(res.status(), 200, "{uri} {accept:?}");
            let mut headers = res.headers().clone();
            assert_eq!(
                headers.get("content-encoding").map(|v| v.to_str().unwrap()),
                encoding,
                "{uri} {accept:?}"
            );
            assert!(
                headers
                    .get_all("vary")
                    .iter()
                    .any(|v| v.to_str().unwrap().contains("accept-encoding")),
                "{uri} {accept:?}: {headers:?}"
            );
            assert_eq!(headers["content-type"], *content_type, "{uri}");
            assert_eq!(headers["cache-control"], *cache, "{uri}");
            let body = bytes(res).await;
            if encoding.is_some() {
                assert!(body.len() < plain.len() / 2, "{uri} {accept:?}");
            }
            assert_eq!(decoded(encoding, &body), *plain, "{uri} {accept:?}");
            // Every other header is the plain response's: CORS, nosniff, caching, type.
            for varies in [
                "content-encoding",
                "content-length",
                "last-modified",
                "x-request-id",
            ] {
                headers.remove(varies);
            }
            match &plain_headers {
                None => plain_headers = Some(headers),
                Some(first) => assert_eq!(&headers, first, "{uri} {accept:?}"),
            }
        }
    }

    // The API's replies are never compressed: a stream would be held back to fill blocks.
    let mut ask = post(
        "/api/v1/chatbots/b/completions/",
        serde_json::from_str(ASK).unwrap(),
    );
    ask.headers_mut().insert(
        "accept-encoding",
        "gzip, deflate, br, zstd".parse().unwrap(),
    );
    let res = call(&app, ask).await;
    assert_eq!(res.status(), 200);
    assert!(res.headers().get("content-encoding").is_none());
    assert!(String::from_utf8_lossy(&bytes(res).await).contains("\"done\":true"));
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test]
async fn the_binary_prints_its_real_port_serves_and_stops_on_sigterm() {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_chat-bubble-server"));
    for (key, _) in std::env::vars() {
        if key.starts_with("CHAT_BUBBLE_") {
            cmd.env_remove(key);
        }
    }
    let mut child = cmd
        .args(["--mode", "mock", "--host", "127.0.0.1", "--port", "0"])
        .args(["--mock-visitor-tokens", "false"])
        .args(["--static-dir", "/nonexistent/dist"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let line = tokio::time::timeout(Duration::from_secs(10), lines.next_line())
        .await
        .expect("a line in time")
        .unwrap()
        .expect("a line");
    let url = line
        .strip_prefix("chat-bubble-server listening on http://127.0.0.1:")
        .unwrap_or_else(|| panic!("unexpected line: {line}"));
    let port: u16 = url.strip_suffix('/').unwrap().parse().unwrap();
    assert_ne!(port, 0);

    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let res =
        read_all(request(addr, "POST", "/api/v1/conversations/", r#"{"webChat":"w"}"#).await).await;
    assert!(res.starts_with("HTTP/1.1 201"), "{res}");
    // A stream held open by a stall must not keep the server from stopping.
    let mut stalled = request(
        addr,
        "POST",
        "/api/v1/chatbots/b/completions/?mock_fault=stall&mock_delay=0",
        ASK,
    )
    .await;
    read_until(&mut stalled, "\"done\":false", 3).await;

    let pid = child.id().unwrap().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = tokio::time::timeout(Duration::from_secs(4), child.wait())
        .await
        .expect("exits within 4 s of SIGTERM")
        .unwrap();
    assert!(status.success(), "{status}");
}
