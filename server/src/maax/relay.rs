//! Handing an answer to the instance whose visitor waits for it.
//!
//! A webhook reaches whichever instance the load balancer picks. The answer goes first to
//! this instance's [`Waiters`]; if no stream here knows its nonce and `--pubsub-url` is set,
//! it is published on a Redis channel that every instance subscribes to, and the instance
//! holding the stream delivers it (duplicates are dropped there, by nonce). Without Redis the
//! server must run as one instance, and says so at start.

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use tokio::sync::watch;
use tracing::Instrument;

use super::redis_link::RedisLink;
use super::waiters::{Delivery, Waiters};

/// The channel answers travel on.
pub const CHANNEL: &str = "chat-bubble:maax:answers";

/// One answer on the channel.
#[derive(Serialize, Deserialize)]
struct Handoff {
    nonce: String,
    text: String,
}

/// Where an answer went.
#[derive(Debug, PartialEq, Eq)]
pub enum Routed {
    /// To a stream on this instance.
    Here,
    /// Already answered or given up on here.
    Finished,
    /// Published for the other instances.
    Published,
    /// Nobody is waiting for it (one instance, no stream).
    Nowhere,
}

/// The relay of one instance.
#[derive(Debug)]
pub struct Relay {
    pub waiters: Waiters,
    redis: Option<Arc<RedisLink>>,
    /// True while subscribed to the channel (tests wait for it).
    pub subscribed: watch::Receiver<bool>,
}

impl Relay {
    /// A relay within this process only.
    pub fn local() -> Relay {
        let (_, rx) = watch::channel(false);
        Relay {
            waiters: Waiters::default(),
            redis: None,
            subscribed: rx,
        }
    }

    /// A relay through Redis; subscribes in the background, and again after a lost link.
    pub fn through(redis: Arc<RedisLink>) -> Relay {
        let waiters = Waiters::default();
        let (tx, rx) = watch::channel(false);
        tokio::spawn(subscribe(redis.clone(), waiters.clone(), tx).in_current_span());
        Relay {
            waiters,
            redis: Some(redis),
            subscribed: rx,
        }
    }

    pub fn is_shared(&self) -> bool {
        self.redis.is_some()
    }

    /// Delivers here, or hands over to the other instances.
    pub async fn route(&self, nonce: &str, text: String) -> Result<Routed, String> {
        match self.waiters.deliver(nonce, text.clone()) {
            Delivery::Delivered => Ok(Routed::Here),
            Delivery::Finished => Ok(Routed::Finished),
            Delivery::Unknown => {
                let Some(redis) = &self.redis else {
                    return Ok(Routed::Nowhere);
                };
                let message = serde_json::to_string(&Handoff {
                    nonce: nonce.to_string(),
                    text,
                })
                .map_err(|e| e.to_string())?;
                let mut conn = redis.conn().await?;
                redis::cmd("PUBLISH")
                    .arg(CHANNEL)
                    .arg(message)
                    .query_async::<i64>(&mut conn)
                    .await
                    .map_err(|e| format!("cannot publish to Redis ({:?})", e.kind()))?;
                Ok(Routed::Published)
            }
        }
    }
}

async fn subscribe(redis: Arc<RedisLink>, waiters: Waiters, subscribed: watch::Sender<bool>) {
    let mut pause = Duration::from_millis(200);
    loop {
        match redis.client.get_async_pubsub().await {
            Ok(mut pubsub) => match pubsub.subscribe(CHANNEL).await {
                Ok(()) => {
                    tracing::info!("subscribed to Redis for answers from other instances");
                    pause = Duration::from_millis(200);
                    let _ = subscribed.send(true);
                    let mut messages = pubsub.on_message();
                    while let Some(msg) = messages.next().await {
                        let Ok(handoff) =
                            serde_json::from_slice::<Handoff>(msg.get_payload_bytes())
                        else {
                            tracing::warn!("unreadable answer hand-off on Redis; ignored");
                            continue;
                        };
                        if waiters.deliver(&handoff.nonce, handoff.text) == Delivery::Delivered {
                            tracing::info!("answer handed over by another instance delivered");
                        }
                    }
                    let _ = subscribed.send(false);
                    tracing::warn!("Redis subscription ended; subscribing again");
                }
                Err(e) => tracing::warn!(kind = ?e.kind(), "cannot subscribe on Redis"),
            },
            Err(e) => tracing::warn!(kind = ?e.kind(), "cannot reach Redis for answers"),
        }
        if subscribed.is_closed() {
            return;
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_secs(10));
    }
}
