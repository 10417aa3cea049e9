//! The binary in proxy and maax mode: `--help`, a missing key, the key from the environment
//! or a file, and a graceful shutdown that lets an open stream finish.

mod fake;

use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use fake::*;
use futures_util::StreamExt;
use serde_json::json;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::{Child, Command};

/// The binary with a clean environment: no CHAT_BUBBLE_* or key variables from outside.
fn server() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_chat-bubble-server"));
    for (key, _) in std::env::vars() {
        if key.starts_with("CHAT_BUBBLE_") || key.ends_with("_API_KEY") || key == "RUST_LOG" {
            cmd.env_remove(key);
        }
    }
    cmd.args([
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "--static-dir",
        "/nonexistent/dist",
    ]);
    cmd.kill_on_drop(true);
    cmd
}

/// Starts the binary, returns it, its base URL and its collected stderr.
async fn start(mut cmd: Command) -> (Child, String, Arc<Mutex<Vec<u8>>>) {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = Arc::new(Mutex::new(Vec::new()));
    let mut err = child.stderr.take().unwrap();
    let sink = stderr.clone();
    tokio::spawn(async move {
        let mut buf = [0u8; 8192];
        while let Ok(n) = err.read(&mut buf).await {
            if n == 0 {
                break;
            }
            sink.lock().unwrap().extend_from_slice(&buf[..n]);
        }
    });
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let line = tokio::time::timeout(Duration::from_secs(10), lines.next_line())
        .await
        .expect("a line in time")
        .unwrap()
        .unwrap_or_else(|| {
            panic!(
                "no listening line; stderr: {}",
                String::from_utf8_lossy(&stderr.lock().unwrap())
            )
        });
    let url = line
        .strip_prefix("chat-bubble-server listening on ")
        .unwrap_or_else(|| panic!("unexpected line: {line}"))
        .trim_end_matches('/')
        .to_string();
    (child, url, stderr)
}

#[tokio::test]
async fn help_lists_the_modes_and_the_key_variables() {
    let out = server().arg("--help").output().await.unwrap();
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    for needle in [
        "proxy",
        "maax",
        "MAIAGENT_API_KEY",
        "MAAX_API_KEY",
        "--api-key-file",
        "--upstream-url",
        "--allowed-origins",
        "--trust-proxy",
        "--maax-service-type",
        "CHAT_BUBBLE_RATE_LIMIT",
    ] {
        assert!(help.contains(needle), "--help lacks {needle}:\n{help}");
    }
}

#[tokio::test]
async fn a_missing_key_stops_the_server_at_once_with_a_clear_message() {
    let out = server().args(["--mode", "proxy"]).output().await.unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("MAIAGENT_API_KEY"), "{err}");
    let out = server().args(["--mode", "maax"]).output().await.unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("MAAX_API_KEY"));
}

#[tokio::test]
async fn sigterm_lets_an_open_proxied_stream_finish_and_logs_no_key() {
    let up = FakeMaiAgent::start().await;
    up.set(Reply::Gated);
    let mut cmd = server();
    cmd.env("MAIAGENT_API_KEY", KEY)
        .env(
            "CHAT_BUBBLE_VISITOR_SECRET",
            std::str::from_utf8(VISITOR_SECRET).unwrap(),
        )
        .env("RUST_LOG", "trace")
        .args(["--mode", "proxy", "--upstream-url", &up.base()])
        .args(["--shutdown-grace-secs", "20"]);
    let (mut child, url, stderr) = start(cmd).await;

    let res = reqwest::Client::new()
        .post(format!("{url}/api/v1/chatbots/bot-1/completions/"))
        .header("x-visitor-token", token("c1"))
        .json(&ask(Some("c1"), "hello", true))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let mut body = res.bytes_stream();
    let mut text = String::new();
    while !text.contains("\n\n") {
        let chunk = tokio::time::timeout(Duration::from_secs(10), body.next())
            .await
            .expect("first delta")
            .unwrap()
            .unwrap();
        text.push_str(std::str::from_utf8(&chunk).unwrap());
    }

    let pid = child.id().unwrap().to_string();
    assert!(std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    // The server is draining; the stream is still open. Let the upstream finish it.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        child.try_wait().unwrap().is_none(),
        "waits for the open stream"
    );
    up.release.notify_one();
    while let Some(chunk) = tokio::time::timeout(Duration::from_secs(10), body.next())
        .await
        .expect("the rest of the stream")
    {
        text.push_str(std::str::from_utf8(&chunk.unwrap()).unwrap());
    }
    assert_eq!(text, full_reply_body());
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .expect("exits once the stream is done")
        .unwrap();
    assert!(status.success(), "{status}");

    assert_eq!(
        up.seen()[0].header("authorization"),
        Some(&*format!("Api-Key {KEY}"))
    );
    let logs = String::from_utf8_lossy(&stderr.lock().unwrap()).into_owned();
    assert!(logs.contains("reply stream relayed"), "{logs}");
    assert!(!logs.contains(KEY), "the key is in the log:\n{logs}");
}

#[tokio::test]
async fn maax_mode_reads_its_key_from_a_file_and_logs_json() {
    let up = FakeMaax::start(Answer::After(1)).await;
    let key_file =
        std::env::temp_dir().join(format!("chat-bubble-maax-key-{}", std::process::id()));
    std::fs::write(&key_file, format!("{KEY}\n")).unwrap();
    let mut cmd = server();
    cmd.env(
        "CHAT_BUBBLE_VISITOR_SECRET",
        std::str::from_utf8(VISITOR_SECRET).unwrap(),
    )
    .args(["--mode", "maax", "--maax-url", &up.base()])
    .args(["--maax-poll-initial-ms", "10", "--maax-poll-max-ms", "20"])
    .args(["--log-format", "json"])
    .arg("--api-key-file")
    .arg(&key_file);
    let (mut child, url, stderr) = start(cmd).await;
    let res = reqwest::Client::new()
        .post(format!("{url}/api/chatbots/b/completions/"))
        .header("x-visitor-token", token("42"))
        .json(&ask(Some("42"), "hi", false))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(
        body,
        json!({"conversationId": "42", "content": ANSWER, "done": true})
    );
    let request_id = res_id(&url).await;
    child.kill().await.unwrap();
    std::fs::remove_file(key_file).ok();
    let logs = String::from_utf8_lossy(&stderr.lock().unwrap()).into_owned();
    let lines: Vec<serde_json::Value> = logs
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert!(
        lines
            .iter()
            .any(|l| l["fields"]["message"] == "answer requested"),
        "{logs}"
    );
    assert!(
        lines.iter().any(|l| l["span"]["id"] == request_id.as_str()),
        "request ids in the JSON lines: {logs}"
    );
    assert!(!logs.contains(KEY));
}

/// Makes one more request and returns its request id (echoed from the header we send).
async fn res_id(url: &str) -> String {
    let res = reqwest::Client::new()
        .get(format!("{url}/api/v1/messages/?conversation=42"))
        .header("x-visitor-token", token("42"))
        .header("x-request-id", "test-request-1")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let id = res.headers()["x-request-id"].to_str().unwrap().to_string();
    assert_eq!(id, "test-request-1");
    tokio::time::sleep(Duration::from_millis(100)).await;
    id
}
