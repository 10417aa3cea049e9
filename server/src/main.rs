//! `chat-bubble-server`: see `--help`.

use std::io::IsTerminal;
use std::process::ExitCode;

use chat_bubble_server::config::{Config, LogFormat};
use chat_bubble_server::{app, serve};
use clap::Parser;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    let config = Config::parse();
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match config.log_format {
        LogFormat::Text => logs.with_ansi(std::io::stderr().is_terminal()).init(),
        // Each line carries the request span's fields (its id) next to the event's own.
        LogFormat::Json => logs
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .init(),
    }

    let listener = match TcpListener::bind((config.host.as_str(), config.port)).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!(
                "chat-bubble-server: cannot listen on {}:{}: {e}",
                config.host, config.port
            );
            return ExitCode::FAILURE;
        }
    };
    let addr = match listener.local_addr() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("chat-bubble-server: {e}");
            return ExitCode::FAILURE;
        }
    };

    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    let router = match app::build(&config, shutdown_rx.clone()) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("chat-bubble-server: {e}");
            return ExitCode::from(2);
        }
    };
    let grace = config.shutdown_grace();
    // Tests and the Makefile read this exact line from stdout.
    println!("chat-bubble-server listening on http://{addr}/");
    tracing::info!(mode = ?config.mode, static_dir = %config.static_dir.display(), "started");

    let mut down = shutdown_rx;
    let server = serve::run(
        listener,
        router,
        config.connections.limits(config.guard.trust_proxy),
        async move {
            let _ = down.wait_for(|&d| d).await;
        },
    );
    let signals = async {
        wait_for_signal().await;
        tracing::info!(
            grace_s = grace.as_secs(),
            "shutting down; open streams may finish"
        );
        let _ = shutdown_tx.send(true);
        tokio::time::sleep(grace).await;
    };
    tokio::select! {
        _ = server => {}
        _ = signals => tracing::warn!("connections still open after the grace period; exiting"),
    }
    ExitCode::SUCCESS
}

/// Ctrl-C, or SIGTERM on Unix.
async fn wait_for_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}
