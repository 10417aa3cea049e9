//! Writes a reply as a stream of frames, the way the `format`, `chunking`, `delay` and stream
//! `fault` switches ask.
//!
//! A spawned task produces the bytes into a small channel that the response body reads. The
//! task learns that the client went away when the channel's reader is dropped (hyper drops the
//! body when the connection closes), which is what the stats' `streamsAborted` counts.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use bytes::Bytes;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use tokio::sync::{mpsc, watch};

use super::stats::{Ending, Stats};
use super::switches::{Fault, Format};

/// Everything the producer needs to know about one reply stream.
pub struct Plan {
    pub conversation_id: String,
    /// The deltas, produced lazily so that a 50,000-delta reply is never held as frames.
    pub deltas: Box<dyn Iterator<Item = String> + Send>,
    pub format: Format,
    pub delay: Duration,
    /// `Some(seed)` re-splits the bytes into random-size chunks.
    pub chunk_seed: Option<u64>,
    /// Only `Drop`, `Malformed`, `Stall` or `Pause`; other faults never reach a stream.
    pub fault: Option<Fault>,
    pub fault_after: usize,
    /// How long a `Pause` fault keeps silent.
    pub pause: Duration,
    /// Fields the closing `done` frame carries besides the three usual ones (the reply's
    /// `citations` and `citationNodes`, when it has them).
    pub done_extras: Option<serde_json::Map<String, serde_json::Value>>,
}

/// The `Content-Type` of a format.
pub fn content_type(format: Format) -> &'static str {
    match format {
        Format::Sse | Format::SseSnake | Format::DoneSentinel => "text/event-stream",
        Format::Ndjson => "application/x-ndjson",
        Format::Concat => "application/json",
    }
}

/// One frame: `{"conversationId":…,"content":…,"done":…}` framed for the format.
pub fn frame(format: Format, conversation_id: &str, content: &str, done: bool) -> String {
    let key = match format {
        Format::SseSnake => "conversation_id",
        _ => "conversationId",
    };
    let json = format!(
        "{{\"{key}\":{},\"content\":{},\"done\":{done}}}",
        serde_json::Value::from(conversation_id),
        serde_json::Value::from(content),
    );
    wrap(format, &json)
}

/// The closing frame: `done` true, empty content, and `extras` if any.
pub fn done_frame(
    format: Format,
    conversation_id: &str,
    extras: Option<serde_json::Map<String, serde_json::Value>>,
) -> String {
    let Some(extras) = extras else {
        return frame(format, conversation_id, "", true);
    };
    let key = match format {
        Format::SseSnake => "conversation_id",
        _ => "conversationId",
    };
    let mut object = serde_json::Map::new();
    object.insert(key.into(), conversation_id.into());
    object.insert("content".into(), "".into());
    object.insert("done".into(), true.into());
    object.extend(extras);
    wrap(format, &serde_json::Value::Object(object).to_string())
}

/// The `malformed` fault's frame: balanced braces around invalid JSON, so a tolerant reader
/// can skip it and carry on.
pub fn malformed_frame(format: Format, conversation_id: &str) -> String {
    let json =
        format!("{{\"conversationId\":\"{conversation_id}\",\"content\":oops,\"done\":false}}");
    wrap(format, &json)
}

fn wrap(format: Format, json: &str) -> String {
    match format {
        Format::Sse | Format::SseSnake | Format::DoneSentinel => format!("data: {json}\n\n"),
        Format::Ndjson => format!("{json}\n"),
        Format::Concat => json.to_string(),
    }
}

/// Starts producing the reply and returns the response body that carries it.
pub fn start(plan: Plan, stats: Arc<Stats>, shutdown: watch::Receiver<bool>) -> Body {
    let (tx, rx) = mpsc::channel::<io::Result<Bytes>>(8);
    let mut out = Out {
        tx,
        chunker: plan.chunk_seed.map(Chunker::new),
        batch: (plan.delay.is_zero() && plan.chunk_seed.is_none()).then(Vec::new),
        shutdown,
    };
    stats.started();
    tokio::spawn(async move {
        let conversation = plan.conversation_id.clone();
        let ending = match produce(plan, &mut out).await {
            Ok(ending) => ending,
            Err(Stop::Gone) => {
                tracing::info!(%conversation, "reply stream aborted: the client went away");
                Ending::Aborted
            }
            Err(Stop::Shutdown) => {
                tracing::info!(%conversation, "reply stream cut short by shutdown");
                let cut = io::Error::new(io::ErrorKind::ConnectionAborted, "server shutting down");
                let _ = out.tx.send(Err(cut)).await;
                Ending::Aborted
            }
        };
        stats.ended(ending);
    });
    Body::from_stream(futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    }))
}

/// Why a stream stopped early.
enum Stop {
    Gone,
    Shutdown,
}

async fn produce(plan: Plan, out: &mut Out) -> Result<Ending, Stop> {
    let Plan {
        conversation_id: id,
        deltas,
        format,
        delay,
        fault,
        fault_after,
        pause,
        done_extras,
        ..
    } = plan;
    let mut struck = false;
    for (sent, delta) in deltas.enumerate() {
        if !struck && sent == fault_after {
            struck = true;
            if let Some(ending) = strike(fault, format, &id, pause, out).await? {
                return Ok(ending);
            }
        }
        if sent > 0 {
            out.pause(delay).await?;
        }
        out.write(frame(format, &id, &delta, false).into_bytes())
            .await?;
    }
    if !struck {
        if let Some(ending) = strike(fault, format, &id, pause, out).await? {
            return Ok(ending);
        }
    }
    out.write(done_frame(format, &id, done_extras).into_bytes())
        .await?;
    if format == Format::DoneSentinel {
        out.write(b"data: [DONE]\n\n".to_vec()).await?;
    }
    out.flush().await?;
    Ok(Ending::Completed)
}

/// Acts out a stream fault; `Some` if the stream ends here.
async fn strike(
    fault: Option<Fault>,
    format: Format,
    id: &str,
    pause: Duration,
    out: &mut Out,
) -> Result<Option<Ending>, Stop> {
    match fault {
        Some(Fault::Malformed) => {
            out.write(malformed_frame(format, id).into_bytes()).await?;
            Ok(None)
        }
        Some(Fault::Drop) => {
            out.flush().await?;
            out.settle().await?;
            tracing::info!(conversation = %id, "drop fault: cutting the connection");
            let cut = io::Error::new(io::ErrorKind::ConnectionReset, "mock fault: dropped");
            let _ = out.tx.send(Err(cut)).await;
            Ok(Some(Ending::Faulted))
        }
        Some(Fault::Stall) => {
            out.flush().await?;
            tracing::info!(conversation = %id, "stall fault: holding the connection silent");
            Err(out.hold().await)
        }
        Some(Fault::Pause) => {
            out.flush().await?;
            tracing::info!(conversation = %id, ?pause, "pause fault: silent for a while");
            out.pause(pause).await?;
            Ok(None)
        }
        _ => Ok(None),
    }
}

/// Frames sent without delay are gathered up to this many bytes per body chunk, so a long
/// reply costs a few hundred writes rather than one per delta.
const BATCH_BYTES: usize = 8 * 1024;

/// The producer's end of the body, with optional re-chunking or batching.
struct Out {
    tx: mpsc::Sender<io::Result<Bytes>>,
    chunker: Option<Chunker>,
    batch: Option<Vec<u8>>,
    shutdown: watch::Receiver<bool>,
}

impl Out {
    async fn write(&mut self, bytes: Vec<u8>) -> Result<(), Stop> {
        if let Some(batch) = &mut self.batch {
            batch.extend_from_slice(&bytes);
            if batch.len() >= BATCH_BYTES {
                let full = std::mem::take(batch);
                return send(&self.tx, Bytes::from(full)).await;
            }
            return Ok(());
        }
        let Some(chunker) = &mut self.chunker else {
            return send(&self.tx, Bytes::from(bytes)).await;
        };
        chunker.push(&bytes);
        while let Some(piece) = chunker.next_piece() {
            send(&self.tx, piece).await?;
        }
        Ok(())
    }

    /// Sends whatever the batch or the chunker still holds.
    async fn flush(&mut self) -> Result<(), Stop> {
        let rest = match (&mut self.batch, &mut self.chunker) {
            (Some(batch), _) if !batch.is_empty() => Some(Bytes::from(std::mem::take(batch))),
            (_, Some(chunker)) => chunker.rest(),
            _ => None,
        };
        match rest {
            Some(rest) => send(&self.tx, rest).await,
            None => Ok(()),
        }
    }

    /// Waits between deltas, noticing a departed client or a shutdown meanwhile.
    async fn pause(&mut self, delay: Duration) -> Result<(), Stop> {
        if delay.is_zero() {
            return Ok(());
        }
        tokio::select! {
            _ = tokio::time::sleep(delay) => Ok(()),
            _ = self.tx.closed() => Err(Stop::Gone),
            _ = shutdown_requested(&mut self.shutdown) => Err(Stop::Shutdown),
        }
    }

    /// Waits until the body has taken everything sent and the server has had a moment to
    /// write it out, so a fault that cuts the connection does not also swallow the deltas
    /// before it.
    async fn settle(&mut self) -> Result<(), Stop> {
        while self.tx.capacity() < self.tx.max_capacity() {
            self.pause(Duration::from_millis(5)).await?;
        }
        self.pause(Duration::from_millis(50)).await
    }

    /// Sends nothing more until the client leaves or the server shuts down.
    async fn hold(&mut self) -> Stop {
        tokio::select! {
            _ = self.tx.closed() => Stop::Gone,
            _ = shutdown_requested(&mut self.shutdown) => Stop::Shutdown,
        }
    }
}

async fn send(tx: &mpsc::Sender<io::Result<Bytes>>, bytes: Bytes) -> Result<(), Stop> {
    tx.send(Ok(bytes)).await.map_err(|_| Stop::Gone)
}

/// Resolves once shutdown is signalled; never, if nobody can signal it any more.
async fn shutdown_requested(rx: &mut watch::Receiver<bool>) {
    if rx.wait_for(|&down| down).await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// Re-splits a byte stream into random-size pieces (1 to 16 bytes), ignoring frame and
/// character boundaries, as a slow network or a proxy would.
struct Chunker {
    rng: SmallRng,
    buf: Vec<u8>,
    next: usize,
}

impl Chunker {
    fn new(seed: u64) -> Chunker {
        let mut rng = SmallRng::seed_from_u64(seed);
        let next = rng.random_range(1..=16);
        Chunker {
            rng,
            buf: Vec::new(),
            next,
        }
    }

    fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    fn next_piece(&mut self) -> Option<Bytes> {
        if self.buf.len() < self.next {
            return None;
        }
        let piece = Bytes::copy_from_slice(&self.buf[..self.next]);
        self.buf.drain(..self.next);
        self.next = self.rng.random_range(1..=16);
        Some(piece)
    }

    fn rest(&mut self) -> Option<Bytes> {
        if self.buf.is_empty() {
            return None;
        }
        Some(Bytes::from(std::mem::take(&mut self.buf)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_have_the_documented_shape() {
        assert_eq!(
            frame(Format::Sse, "c1", "hi \"x\"", false),
            "data: {\"conversationId\":\"c1\",\"content\":\"hi \\\"x\\\"\",\"done\":false}\n\n"
        );
        assert_eq!(
            frame(Format::SseSnake, "c1", "", true),
            "data: {\"conversation_id\":\"c1\",\"content\":\"\",\"done\":true}\n\n"
        );
        assert_eq!(
            frame(Format::Ndjson, "c1", "a", false),
            "{\"conversationId\":\"c1\",\"content\":\"a\",\"done\":false}\n"
        );
        assert!(frame(Format::Concat, "c1", "a", false).ends_with('}'));
        let extras = serde_json::json!({"citations": [{"filename": "f.pdf"}]});
        assert_eq!(
            done_frame(Format::Sse, "c1", extras.as_object().cloned()),
            "data: {\"citations\":[{\"filename\":\"f.pdf\"}],\"content\":\"\",\"conversationId\":\"c1\",\"done\":true}\n\n"
        );
        assert_eq!(
            done_frame(Format::Sse, "c1", None),
            frame(Format::Sse, "c1", "", true)
        );
        assert!(
            serde_json::from_str::<serde_json::Value>(&malformed_frame(Format::Concat, "c"))
                .is_err()
        );
    }

    #[test]
    fn chunker_keeps_every_byte_in_order_and_is_seeded() {
        let text = "你好，世界！hello 🙂".repeat(20);
        let run = |seed| {
            let mut c = Chunker::new(seed);
            let mut pieces = Vec::new();
            for part in text.as_bytes().chunks(7) {
                c.push(part);
                while let Some(p) = c.next_piece() {
                    pieces.push(p);
                }
            }
            pieces.extend(c.rest());
            pieces
        };
        let a = run(42);
        assert_eq!(a.concat(), text.as_bytes());
        assert!(a.iter().all(|p| (1..=16).contains(&p.len())));
        assert!(
            a.iter().any(|p| std::str::from_utf8(p).is_err()),
            "no split character"
        );
        assert_eq!(a, run(42));
        assert_ne!(a, run(43));
    }
}
