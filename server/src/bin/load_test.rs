//! `load_test`: the proxy load test (see `chat_bubble_server::load`). Writes its figures as
//! JSON to `--out` and exits non-zero if any stream was lost or corrupted.
//!
//! `cargo run -p chat-bubble-server --bin load_test -- --out bench/proxy-load.json`

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use chat_bubble_server::load::{self, LoadOptions};
use clap::Parser;

/// Concurrent streaming replies through the proxy, on loopback.
#[derive(Debug, Parser)]
#[command(name = "load_test", about)]
struct Args {
    /// Where to write the figures (JSON); parent directories are created.
    #[arg(long, default_value = "bench/proxy-load.json")]
    out: PathBuf,
    /// Concurrent streams.
    #[arg(long, default_value_t = 1000)]
    streams: usize,
    /// Deltas per reply.
    #[arg(long, default_value_t = 20)]
    deltas: usize,
    /// Upstream pause between deltas, in milliseconds.
    #[arg(long, default_value_t = 20)]
    delay_ms: u64,
    /// Overall bound, in seconds; streams not done by then are lost.
    #[arg(long, default_value_t = 120)]
    timeout_secs: u64,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let opts = LoadOptions {
        streams: args.streams,
        deltas: args.deltas,
        delta_delay: Duration::from_millis(args.delay_ms),
        timeout: Duration::from_secs(args.timeout_secs),
    };
    let report = match load::run(opts).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("load_test: {e}");
            return ExitCode::from(2);
        }
    };
    let json = serde_json::to_string_pretty(&report).expect("a report serializes");
    if let Some(dir) = args.out.parent().filter(|d| !d.as_os_str().is_empty()) {
        if let Err(e) = std::fs::create_dir_all(dir) {
            eprintln!("load_test: cannot create {}: {e}", dir.display());
            return ExitCode::from(2);
        }
    }
    if let Err(e) = std::fs::write(&args.out, format!("{json}\n")) {
        eprintln!("load_test: cannot write {}: {e}", args.out.display());
        return ExitCode::from(2);
    }
    println!(
        "load_test: {}/{} streams whole ({} lost, {} corrupted, peak {} open) in {:.2} s; \
         first delta p50 {:.1} ms, p99 {:.1} ms; {:.0} deltas/s; VmHWM {} KiB ({} build) -> {}",
        report.completed,
        report.streams,
        report.lost,
        report.corrupted,
        report.peak_concurrent_streams,
        report.elapsed_s,
        report.first_delta_ms.p50,
        report.first_delta_ms.p99,
        report.deltas_per_s,
        report.peak_rss_kib.unwrap_or(0),
        report.build_profile,
        args.out.display()
    );
    for failure in &report.failures {
        eprintln!("  {failure}");
    }
    if report.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
