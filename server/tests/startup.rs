//! Start-up: an upstream URL carrying credentials is refused, and no log line shows its
//! password; a visitor secret too short to be safe is refused; without one, a warning; Maax
//! V2 without its AI id or its public URL is refused.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

const PASSWORD: &str = "hunter2-upstream-password";

/// The binary with a clean environment.
fn server() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_chat-bubble-server"));
    for (key, _) in std::env::vars() {
        if key.starts_with("CHAT_BUBBLE_") || key.ends_with("_API_KEY") || key == "RUST_LOG" {
            cmd.env_remove(key);
        }
    }
    cmd.args(["--host", "127.0.0.1", "--port", "0"])
        .args(["--static-dir", "/nonexistent/dist"])
        .env("RUST_LOG", "trace")
        .kill_on_drop(true);
    cmd
}

#[tokio::test]
async fn an_upstream_url_with_credentials_is_refused_and_its_password_never_logged() {
    for (mode, flag, var) in [
        ("proxy", "--upstream-url", "MAIAGENT_API_KEY"),
        ("maax", "--maax-url", "MAAX_API_KEY"),
    ] {
        for url in [
            format!("http://:{PASSWORD}@127.0.0.1:9/api/"),
            format!("https://user:{PASSWORD}@api.example/"),
            format!("https://{PASSWORD}@api.example/"),
            format!("https://user:{PASSWORD}@/"),
        ] {
            let out = server()
                .env(var, "sk-some-key-for-the-test")
                .args(["--mode", mode, flag, &url])
                .output()
                .await
                .unwrap();
            assert_eq!(out.status.code(), Some(2), "{mode} {url}");
            let all = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(!all.contains(PASSWORD), "{mode}: {all}");
            assert!(all.contains("URL"), "{all}");
        }
    }
    let out = server()
        .env("MAIAGENT_API_KEY", "sk-some-key-for-the-test")
        .args(["--mode", "proxy", "--public-url"])
        .arg(format!("https://u:{PASSWORD}@chat.example/"))
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(!String::from_utf8_lossy(&out.stderr).contains(PASSWORD));
}

#[tokio::test]
async fn a_short_visitor_secret_is_refused_and_a_missing_one_warned_about() {
    let out = server()
        .env("CHAT_BUBBLE_VISITOR_SECRET", "short")
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("CHAT_BUBBLE_VISITOR_SECRET"), "{err}");
    assert!(!err.contains("short"), "{err}");

    let mut child = server()
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let warned = tokio::time::timeout(Duration::from_secs(10), async {
        while let Ok(Some(line)) = lines.next_line().await {
            if line.contains("visitor tokens use a random secret") {
                return true;
            }
        }
        false
    })
    .await
    .unwrap_or(false);
    child.kill().await.ok();
    assert!(warned);
}

/// Waits for a line of the child's stderr containing `needle`.
async fn says(child: &mut tokio::process::Child, needle: &str) -> bool {
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    tokio::time::timeout(Duration::from_secs(10), async {
        while let Ok(Some(line)) = lines.next_line().await {
            if line.contains(needle) {
                return true;
            }
        }
        false
    })
    .await
    .unwrap_or(false)
}

#[tokio::test]
async fn maax_v2_needs_its_ai_and_public_url_and_says_when_it_must_run_alone() {
    let out = server()
        .env("MAAX_API_KEY", "sk-some-key-for-the-test")
        .args(["--mode", "maax", "--maax-api", "v2"])
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--maax-ai-id"));

    // Without its public URL the webhook URLs would come from the visitor's Host header,
    // and Maax's servers would post wherever a caller named.
    let out = tokio::time::timeout(
        Duration::from_secs(10),
        server()
            .env("MAAX_API_KEY", "sk-some-key-for-the-test")
            .args(["--mode", "maax", "--maax-api", "v2", "--maax-ai-id", "5"])
            .output(),
    )
    .await
    .expect("V2 without --public-url must not start")
    .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("needs --public-url"), "{err}");

    let out = server()
        .env("MAAX_API_KEY", "sk-some-key-for-the-test")
        .args(["--mode", "maax", "--maax-api", "v2", "--maax-ai-id", "5"])
        .args(["--public-url", "https://chat.example.com"])
        .args(["--pubsub-url", &format!("nonsense://:{PASSWORD}@x/")])
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--pubsub-url"), "{err}");
    assert!(!err.contains(PASSWORD), "{err}");

    let mut alone = server()
        .env("MAAX_API_KEY", "sk-some-key-for-the-test")
        .args(["--mode", "maax", "--maax-api", "v2", "--maax-ai-id", "5"])
        .args(["--public-url", "https://chat.example.com"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let warned = says(&mut alone, "must run as ONE instance").await;
    alone.kill().await.ok();
    assert!(warned);
}
