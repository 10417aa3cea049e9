//! Waiting for a Maax answer: polling `retrieve_answer` with a growing pause and an overall
//! bound, and (when streaming) keeping the connection alive meanwhile with SSE comments, so
//! that browsers and reverse proxies do not give up on a stream that is silent for a minute.
//! The answer then goes out as one delta and a `done` frame.

use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use bytes::Bytes;
use serde_json::json;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tracing::Instrument;

use super::client::{MaaxClient, Poll};
use crate::upstream::Failure;

/// The comment sent while waiting; SSE readers ignore it.
pub const KEEPALIVE: &[u8] = b": keepalive\n\n";

/// Transient failures (timeouts, 5xx) tolerated in a row before giving up.
const MAX_TRANSIENT: u32 = 5;

/// How to poll.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PollPolicy {
    /// The first pause; each next one is half as long again, up to `max`.
    pub initial: Duration,
    pub max: Duration,
    /// Give up on an answer after this long.
    pub answer_timeout: Duration,
}

/// Why no answer came.
#[derive(Debug)]
pub enum NoAnswer {
    Failed(Failure),
    TimedOut,
    /// The streaming client left; nothing more to do.
    ClientGone,
}

/// Sends keep-alive comments while something else is awaited, and notices a departed client.
struct Heartbeat {
    tx: Option<mpsc::Sender<io::Result<Bytes>>>,
    every: Duration,
    next: Instant,
}

impl Heartbeat {
    async fn during<F: Future>(&mut self, fut: F) -> Result<F::Output, NoAnswer> {
        let Some(tx) = self.tx.clone() else {
            return Ok(fut.await);
        };
        tokio::pin!(fut);
        loop {
            tokio::select! {
                out = &mut fut => return Ok(out),
                _ = tokio::time::sleep_until(self.next) => {
                    self.next = Instant::now() + self.every;
                    if tx.send(Ok(Bytes::from_static(KEEPALIVE))).await.is_err() {
                        return Err(NoAnswer::ClientGone);
                    }
                }
                _ = tx.closed() => return Err(NoAnswer::ClientGone),
            }
        }
    }
}

/// Polls until the answer is there, a failure that will not pass, or the bound.
async fn poll_answer(
    client: &MaaxClient,
    policy: PollPolicy,
    incoming_message_id: &str,
    beat: &mut Heartbeat,
) -> Result<(String, u32), NoAnswer> {
    let deadline = Instant::now() + policy.answer_timeout;
    let mut pause = policy.initial;
    let mut transient = 0;
    let mut polls = 0;
    loop {
        polls += 1;
        match beat.during(client.retrieve(incoming_message_id)).await? {
            Poll::Ready(answer) => return Ok((answer, polls)),
            Poll::Failed(f) => return Err(NoAnswer::Failed(f)),
            Poll::Transient(f) => {
                transient += 1;
                tracing::debug!(failure = ?f, transient, "poll failed; will retry");
                if transient >= MAX_TRANSIENT {
                    return Err(NoAnswer::Failed(f));
                }
            }
            Poll::Pending(hint) => {
                transient = 0;
                if let Some(hint) = hint {
                    pause = pause.max(hint);
                }
            }
        }
        let now = Instant::now();
        if now >= deadline {
            return Err(NoAnswer::TimedOut);
        }
        beat.during(tokio::time::sleep_until((now + pause).min(deadline)))
            .await?;
        pause = pause.mul_f64(1.5).min(policy.max.max(policy.initial));
    }
}

/// Waits for the answer without streaming (for `isStreaming: false`).
pub async fn wait(
    client: &MaaxClient,
    policy: PollPolicy,
    incoming_message_id: &str,
) -> Result<String, NoAnswer> {
    let mut beat = Heartbeat {
        tx: None,
        every: Duration::MAX,
        next: Instant::now(),
    };
    poll_answer(client, policy, incoming_message_id, &mut beat)
        .await
        .map(|(answer, _)| answer)
}

/// One SSE frame in MaiAgent's shape.
pub fn frame(conversation_id: &str, content: &str, done: bool) -> Bytes {
    let json = json!({"conversationId": conversation_id, "content": content, "done": done});
    Bytes::from(format!("data: {json}\n\n"))
}

/// The streamed reply: a keep-alive at once (so the stream is visibly open), more every
/// `keepalive` while polling, then the answer as one delta and `done`. A failure or the
/// bound ends the body with an error, as a dropped connection would, so the widget offers
/// its retry.
pub fn stream(
    client: Arc<MaaxClient>,
    policy: PollPolicy,
    keepalive: Duration,
    conversation_id: String,
    incoming_message_id: String,
) -> Body {
    let (tx, rx) = mpsc::channel::<io::Result<Bytes>>(4);
    let task = async move {
        if tx.send(Ok(Bytes::from_static(KEEPALIVE))).await.is_err() {
            return;
        }
        let mut beat = Heartbeat {
            tx: Some(tx.clone()),
            every: keepalive,
            next: Instant::now() + keepalive,
        };
        let started = Instant::now();
        let outcome = poll_answer(&client, policy, &incoming_message_id, &mut beat).await;
        let cut = match outcome {
            Ok((answer, polls)) => {
                tracing::info!(
                    polls,
                    chars = answer.chars().count(),
                    elapsed_ms = started.elapsed().as_millis() as u64,
                    "answer delivered"
                );
                let answer = client.settings().key.scrub(&answer);
                let _ = tx.send(Ok(frame(&conversation_id, &answer, false))).await;
                let _ = tx.send(Ok(frame(&conversation_id, "", true))).await;
                return;
            }
            Err(NoAnswer::ClientGone) => {
                tracing::info!("client went away while the answer was pending");
                return;
            }
            Err(NoAnswer::TimedOut) => {
                tracing::warn!(
                    bound_s = policy.answer_timeout.as_secs_f64(),
                    "no answer within the bound; cutting the stream"
                );
                io::Error::new(io::ErrorKind::TimedOut, "no answer in time")
            }
            Err(NoAnswer::Failed(f)) => {
                f.log("retrieve answer");
                io::Error::other("answer failed")
            }
        };
        let _ = tx.send(Err(cut)).await;
    };
    tokio::spawn(task.in_current_span());
    Body::from_stream(futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    }))
}
