//! Follow-ups Maax posts after an answer, stored with their conversation so that history
//! shows them (the widget finds new ones by reading history; see server/README.md).
//!
//! In memory for one instance, or in Redis when instances share one (`--pubsub-url`), so that
//! whichever instance a visitor's history call reaches sees what another instance received.
//! Each follow-up is kept once: a second delivery of the same text to the same webhook URL is a
//! duplicate. Both stores are bounded per conversation and in how long they keep things.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::redis_link::RedisLink;

/// Follow-ups kept per conversation (the newest).
pub const PER_CONVERSATION: usize = 50;
/// Conversations the in-memory store remembers (the most recently followed up).
const CONVERSATIONS: usize = 10_000;
/// How long Redis keeps a conversation's follow-ups after its last one.
const KEEP_SECS: u64 = 30 * 24 * 3600;

/// One stored follow-up.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowUp {
    pub text: String,
    pub at_ms: u64,
}

#[derive(Default)]
struct Memory {
    by_conversation: HashMap<String, Vec<FollowUp>>,
    order: VecDeque<String>,
    seen: HashSet<String>,
    seen_order: VecDeque<String>,
}

/// The store.
pub struct FollowUps {
    memory: Mutex<Memory>,
    redis: Option<Arc<RedisLink>>,
}

impl std::fmt::Debug for FollowUps {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FollowUps")
    }
}

/// What makes two deliveries the same follow-up: the webhook URL's nonce and the text.
fn dedup_key(nonce: &str, text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
    format!("{nonce}:{hex}")
}

fn list_key(conversation: &str) -> String {
    format!("chat-bubble:maax:followups:{conversation}")
}

impl FollowUps {
    pub fn new(redis: Option<Arc<RedisLink>>) -> FollowUps {
        FollowUps {
            memory: Mutex::default(),
            redis,
        }
    }

    /// Stores a follow-up; `Ok(false)` when it is a duplicate.
    pub async fn add(
        &self,
        conversation: &str,
        nonce: &str,
        text: &str,
        at_ms: u64,
    ) -> Result<bool, String> {
        let key = dedup_key(nonce, text);
        let item = FollowUp {
            text: text.to_string(),
            at_ms,
        };
        let Some(redis) = &self.redis else {
            return Ok(self.add_in_memory(conversation, key, item));
        };
        let mut conn = redis.conn().await?;
        let failed = |e: redis::RedisError| format!("Redis refused the follow-up ({:?})", e.kind());
        let fresh: Option<String> = redis::cmd("SET")
            .arg(format!("chat-bubble:maax:followup-seen:{key}"))
            .arg(1)
            .arg("NX")
            .arg("EX")
            .arg(KEEP_SECS)
            .query_async(&mut conn)
            .await
            .map_err(failed)?;
        if fresh.is_none() {
            return Ok(false);
        }
        let json = serde_json::to_string(&item).map_err(|e| e.to_string())?;
        let list = list_key(conversation);
        redis::pipe()
            .cmd("RPUSH")
            .arg(&list)
            .arg(json)
            .ignore()
            .cmd("LTRIM")
            .arg(&list)
            .arg(-(PER_CONVERSATION as i64))
            .arg(-1)
            .ignore()
            .cmd("EXPIRE")
            .arg(&list)
            .arg(KEEP_SECS)
            .ignore()
            .query_async::<()>(&mut conn)
            .await
            .map_err(failed)?;
        Ok(true)
    }

    fn add_in_memory(&self, conversation: &str, key: String, item: FollowUp) -> bool {
        let mut m = self.memory.lock().unwrap();
        if !m.seen.insert(key.clone()) {
            return false;
        }
        m.seen_order.push_back(key);
        if m.seen_order.len() > CONVERSATIONS * 4 {
            if let Some(old) = m.seen_order.pop_front() {
                m.seen.remove(&old);
            }
        }
        if !m.by_conversation.contains_key(conversation) {
            m.order.push_back(conversation.to_string());
            if m.order.len() > CONVERSATIONS {
                if let Some(old) = m.order.pop_front() {
                    m.by_conversation.remove(&old);
                }
            }
        }
        let list = m
            .by_conversation
            .entry(conversation.to_string())
            .or_default();
        list.push(item);
        if list.len() > PER_CONVERSATION {
            list.remove(0);
        }
        true
    }

    /// A conversation's follow-ups, oldest first.
    pub async fn list(&self, conversation: &str) -> Result<Vec<FollowUp>, String> {
        let Some(redis) = &self.redis else {
            let m = self.memory.lock().unwrap();
            return Ok(m
                .by_conversation
                .get(conversation)
                .cloned()
                .unwrap_or_default());
        };
        let mut conn = redis.conn().await?;
        let raw: Vec<String> = redis::cmd("LRANGE")
            .arg(list_key(conversation))
            .arg(0)
            .arg(-1)
            .query_async(&mut conn)
            .await
            .map_err(|e| format!("cannot read follow-ups from Redis ({:?})", e.kind()))?;
        Ok(raw
            .iter()
            .filter_map(|s| serde_json::from_str(s).ok())
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn memory_keeps_each_follow_up_once_and_bounded() {
        let s = FollowUps::new(None);
        assert!(s.add("7", "n", "later!", 1).await.unwrap());
        assert!(!s.add("7", "n", "later!", 2).await.unwrap());
        assert!(s.add("7", "n", "and more", 3).await.unwrap());
        assert!(s.add("8", "m", "later!", 4).await.unwrap());
        let got = s.list("7").await.unwrap();
        assert_eq!(
            got.iter().map(|f| f.text.as_str()).collect::<Vec<_>>(),
            ["later!", "and more"]
        );
        for i in 0..PER_CONVERSATION + 5 {
            s.add("9", "k", &i.to_string(), i as u64).await.unwrap();
        }
        let nine = s.list("9").await.unwrap();
        assert_eq!(nine.len(), PER_CONVERSATION);
        assert_eq!(nine[0].text, "5");
        assert!(s.list("none").await.unwrap().is_empty());
    }
}
