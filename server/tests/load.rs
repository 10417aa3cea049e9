//! The load test at a small scale, so CI exercises it: 50 concurrent streams through the
//! proxy, none lost or corrupted. No timing is asserted; `make bench` runs the full one.

use std::time::Duration;

use chat_bubble_server::load::{run, LoadOptions};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_streams_arrive_whole() {
    let report = run(LoadOptions {
        streams: 50,
        deltas: 10,
        delta_delay: Duration::from_millis(5),
        timeout: Duration::from_secs(60),
    })
    .await
    .unwrap();
    assert!(report.passed(), "{:?}", report.failures);
    assert_eq!(report.completed, 50);
    assert_eq!((report.lost, report.corrupted), (0, 0));
    // Every frame of every stream went through: 10 deltas and a done frame each.
    let frame_bytes = report.bytes_received as usize;
    assert!(frame_bytes > 50 * 11 * 40, "{frame_bytes} bytes");
    assert!(report.first_delta_ms.max <= report.stream_ms.max);
    // The upstream holds every reply until all have started, so they overlap.
    assert!(report.peak_concurrent_streams >= 2);
    let json = serde_json::to_value(&report).unwrap();
    for key in [
        "streams_per_s",
        "first_delta_ms",
        "peak_rss_kib",
        "build_profile",
    ] {
        assert!(json.get(key).is_some(), "{key}");
    }
}
