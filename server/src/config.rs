//! Command line and environment configuration.
//!
//! Every flag can also come from a `CHAT_BUBBLE_*` variable so the same binary runs from a
//! Makefile, a container or a systemd unit without wrapper scripts.

use std::path::PathBuf;

use clap::{Parser, ValueEnum};

/// Which backend the server puts behind `/api/v1/` and `/api/`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Mode {
    /// An in-memory MaiAgent-compatible backend with canned replies and fault switches.
    Mock,
}

/// chat-bubble-server: serves the chat-bubble widget and a backend for it.
#[derive(Clone, Debug, Parser)]
#[command(name = "chat-bubble-server", version, about)]
pub struct Config {
    /// Backend mode.
    #[arg(long, env = "CHAT_BUBBLE_MODE", value_enum, default_value = "mock")]
    pub mode: Mode,

    /// Address to listen on.
    #[arg(long, env = "CHAT_BUBBLE_HOST", default_value = "127.0.0.1")]
    pub host: String,

    /// Port to listen on (0 picks a free one; the real port is printed).
    #[arg(long, env = "CHAT_BUBBLE_PORT", default_value_t = 8787)]
    pub port: u16,

    /// Directory with the built widget, served at `/`.
    #[arg(long, env = "CHAT_BUBBLE_STATIC_DIR", default_value = "dist")]
    pub static_dir: PathBuf,

    /// Optional extra HTML page served at `/demo` (for trying the widget on another page).
    #[arg(long, env = "CHAT_BUBBLE_DEMO_PAGE")]
    pub demo_page: Option<PathBuf>,

    /// Mock mode: default pause between streamed deltas, in milliseconds.
    #[arg(long, env = "CHAT_BUBBLE_MOCK_DELAY_MS", default_value_t = 30)]
    pub mock_delay_ms: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_parse() {
        let c = Config::try_parse_from([
            "chat-bubble-server",
            "--mode",
            "mock",
            "--host",
            "0.0.0.0",
            "--port",
            "0",
            "--static-dir",
            "x",
            "--demo-page",
            "demo.html",
            "--mock-delay-ms",
            "5",
        ])
        .unwrap();
        assert_eq!(c.mode, Mode::Mock);
        assert_eq!(c.host, "0.0.0.0");
        assert_eq!(c.port, 0);
        assert_eq!(c.static_dir, PathBuf::from("x"));
        assert_eq!(c.demo_page, Some(PathBuf::from("demo.html")));
        assert_eq!(c.mock_delay_ms, 5);
    }

    #[test]
    fn unknown_mode_is_rejected() {
        assert!(Config::try_parse_from(["chat-bubble-server", "--mode", "nope"]).is_err());
    }
}
