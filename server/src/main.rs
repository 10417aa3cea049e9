//! `chat-bubble-server`: see `--help`.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Duration;

use chat_bubble_server::app;
use chat_bubble_server::config::Config;
use clap::Parser;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tracing_subscriber::EnvFilter;

/// How long open connections get to finish after a shutdown signal.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

#[tokio::main]
async fn main() -> ExitCode {
    let config = Config::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();

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
    let router = app::build(&config, shutdown_rx.clone());
    // Tests and the Makefile read this exact line from stdout.
    println!("chat-bubble-server listening on http://{addr}/");
    tracing::info!(mode = ?config.mode, static_dir = %config.static_dir.display(), "started");

    let mut down = shutdown_rx;
    let server = axum::serve(listener, router).with_graceful_shutdown(async move {
        let _ = down.wait_for(|&d| d).await;
    });
    let signals = async {
        wait_for_signal().await;
        tracing::info!("shutting down");
        let _ = shutdown_tx.send(true);
        tokio::time::sleep(SHUTDOWN_GRACE).await;
    };
    tokio::select! {
        result = server => {
            if let Err(e) = result {
                eprintln!("chat-bubble-server: {e}");
                return ExitCode::FAILURE;
            }
        }
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
