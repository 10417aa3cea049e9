//! The mock's memory: conversations and their messages, shaped like MaiAgent's JSON.
//!
//! Nothing is persisted; a restart forgets everything, which is also how tests get a clean
//! backend.
//!
//! Memory is bounded however many conversations and messages callers make: anyone who reaches
//! the mock can make them. Past the bounds the least recently written conversations are
//! forgotten, as if a real backend had expired them (the widget starts a new one when its own
//! is gone), and a conversation over its own bound forgets its oldest messages.

use std::collections::{HashMap, VecDeque};

use serde::Serialize;
use serde_json::{json, Value};

use crate::ids::{now_ms, uuid_v4};

/// The assistant's fixed sender id, so every reply in every conversation has the same sender.
pub const ASSISTANT_ID: &str = "9a0c4e5b-7f1d-4c2a-b3e8-5d6f7a8b9c0d";

/// How much the mock keeps at most.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Conversations kept.
    pub conversations: usize,
    /// Bytes of text (messages, attachments, ids) kept in all conversations.
    pub bytes: usize,
    /// Bytes of text kept in one conversation.
    pub conversation_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            conversations: 10_000,
            bytes: 256 << 20,
            conversation_bytes: 16 << 20,
        }
    }
}

/// Who wrote a message: `incoming` is the visitor, `outgoing` the assistant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Incoming,
    Outgoing,
}

/// A message as the API returns it.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    pub id: String,
    pub conversation: String,
    pub sender: Sender,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub content: String,
    pub feedback: Option<Value>,
    pub created_at: String,
    pub attachments: Value,
    pub citations: Value,
    pub citation_nodes: Value,
}

#[derive(Clone, Debug, Serialize)]
pub struct Sender {
    pub id: String,
    pub name: String,
    pub avatar: String,
}

/// What a new message carries besides its text.
#[derive(Clone, Debug, Default)]
pub struct Extras {
    pub attachments: Option<Value>,
    pub citations: Option<(Value, Value)>,
}

#[derive(Debug)]
struct Conversation {
    id: String,
    web_chat: Option<String>,
    contact_id: String,
    created_at: u64,
    /// The last `createdAt` handed out here, so the next one can be made strictly greater.
    last_ms: u64,
    messages: VecDeque<Message>,
    /// What this conversation counts against the limits (see [`stored_size`]).
    bytes: usize,
}

impl Conversation {
    fn to_json(&self) -> Value {
        let last = self.messages.back();
        json!({
            "id": self.id,
            "webChat": self.web_chat,
            "contact": {
                "id": self.contact_id,
                "name": "Visitor",
                "avatar": "",
                "createdAt": self.created_at.to_string(),
            },
            "inbox": {
                "id": "3c1f6a2e-8b4d-4e7f-9a1b-2c3d4e5f6a7b",
                "name": "Mock web chat",
                "channelType": "web",
            },
            "title": "Mock conversation",
            "lastMessage": last.map(|m| serde_json::to_value(m).unwrap_or(Value::Null)),
            "lastMessageCreatedAt": last.map(|m| m.created_at.clone()),
            "unreadMessagesCount": 0,
            "autoReplyEnabled": true,
            "isAutoReplyNow": false,
            "lastReadAt": null,
            "createdAt": self.created_at.to_string(),
        })
    }

    /// A timestamp for a new message: now, or one past the previous one if the clock has not
    /// moved, so `createdAt` strictly increases and clients can sort by it.
    fn next_ms(&mut self) -> u64 {
        self.last_ms = now_ms().max(self.last_ms + 1);
        self.last_ms
    }
}

/// What a message costs beyond its text: its fields, its sender, its JSON values' nodes.
const MESSAGE_COST: usize = 512;

/// What a message counts against the limits: its text and what it carries, and its place in
/// the message index.
fn stored_size(message: &Message) -> usize {
    let json = |v: &Value| serde_json::to_string(v).map_or(0, |s| s.len());
    MESSAGE_COST
        + message.content.len()
        + json(&message.attachments)
        + json(&message.citations)
        + json(&message.citation_nodes)
        + 2 * (message.id.len() + message.conversation.len())
        + message.created_at.len()
}

/// All conversations, plus an index from message id to its conversation.
#[derive(Debug, Default)]
pub struct Store {
    conversations: HashMap<String, Conversation>,
    message_conversation: HashMap<String, String>,
    /// Conversation ids, the least recently written first: the order in which they are
    /// forgotten.
    order: VecDeque<String>,
    /// What all conversations count against the limits.
    bytes: usize,
    limits: Limits,
}

impl Store {
    pub fn with_limits(limits: Limits) -> Store {
        Store {
            limits,
            ..Store::default()
        }
    }

    /// Creates a conversation and returns its JSON.
    pub fn create_conversation(&mut self, web_chat: Option<String>) -> Value {
        let now = now_ms();
        let id = uuid_v4();
        let conv = Conversation {
            bytes: 2 * id.len() + web_chat.as_ref().map_or(0, String::len),
            id: id.clone(),
            web_chat,
            contact_id: uuid_v4(),
            created_at: now,
            last_ms: now,
            messages: VecDeque::new(),
        };
        let body = conv.to_json();
        self.bytes += conv.bytes;
        self.order.push_back(id.clone());
        self.conversations.insert(id.clone(), conv);
        self.make_room(&id);
        body
    }

    /// Forgets the least recently written conversations other than `kept` while over the
    /// limits.
    fn make_room(&mut self, kept: &str) {
        while self.conversations.len() > self.limits.conversations || self.bytes > self.limits.bytes
        {
            let Some(oldest) = self.order.iter().position(|id| id != kept) else {
                break;
            };
            if let Some(id) = self.order.remove(oldest) {
                self.forget(&id);
            }
        }
    }

    fn forget(&mut self, id: &str) {
        if let Some(conv) = self.conversations.remove(id) {
            self.bytes -= conv.bytes;
            for message in &conv.messages {
                self.message_conversation.remove(&message.id);
            }
        }
    }

    pub fn conversation(&self, id: &str) -> Option<Value> {
        self.conversations.get(id).map(Conversation::to_json)
    }

    pub fn has_conversation(&self, id: &str) -> bool {
        self.conversations.contains_key(id)
    }

    /// Appends a message; `None` if the conversation does not exist.
    pub fn add_message(
        &mut self,
        conversation: &str,
        direction: Direction,
        content: String,
        extras: Extras,
    ) -> Option<Message> {
        let conv = self.conversations.get_mut(conversation)?;
        let sender = match direction {
            Direction::Incoming => Sender {
                id: conv.contact_id.clone(),
                name: "Visitor".into(),
                avatar: String::new(),
            },
            Direction::Outgoing => Sender {
                id: ASSISTANT_ID.into(),
                name: "Mock Assistant".into(),
                avatar: String::new(),
            },
        };
        let (citations, citation_nodes) = extras.citations.unwrap_or((json!([]), json!([])));
        let message = Message {
            id: uuid_v4(),
            conversation: conv.id.clone(),
            sender,
            kind: match direction {
                Direction::Incoming => "incoming",
                Direction::Outgoing => "outgoing",
            },
            content,
            feedback: None,
            created_at: conv.next_ms().to_string(),
            attachments: extras.attachments.unwrap_or_else(|| json!([])),
            citations,
            citation_nodes,
        };
        let size = stored_size(&message);
        conv.bytes += size;
        self.bytes += size;
        conv.messages.push_back(message.clone());
        // Its own bound: the oldest messages go, never the one just added.
        while conv.bytes > self.limits.conversation_bytes && conv.messages.len() > 1 {
            if let Some(old) = conv.messages.pop_front() {
                let size = stored_size(&old);
                conv.bytes -= size;
                self.bytes -= size;
                self.message_conversation.remove(&old.id);
            }
        }
        self.message_conversation
            .insert(message.id.clone(), conversation.to_owned());
        // Now the most recently written: a conversation in use is the last to be forgotten.
        if let Some(at) = self.order.iter().rposition(|id| id == conversation) {
            if let Some(id) = self.order.remove(at) {
                self.order.push_back(id);
            }
        }
        self.make_room(conversation);
        Some(message)
    }

    /// One page of a conversation's messages, newest first, and the total count.
    /// An unknown conversation reads as empty.
    pub fn page(&self, conversation: &str, offset: usize, size: usize) -> (usize, Vec<Message>) {
        let Some(conv) = self.conversations.get(conversation) else {
            return (0, Vec::new());
        };
        let page = conv
            .messages
            .iter()
            .rev()
            .skip(offset)
            .take(size)
            .cloned()
            .collect();
        (conv.messages.len(), page)
    }

    pub fn message(&self, id: &str) -> Option<Message> {
        let conv = self.conversations.get(self.message_conversation.get(id)?)?;
        conv.messages.iter().find(|m| m.id == id).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_at_strictly_increases_even_within_one_millisecond() {
        let mut store = Store::default();
        let id = new_conversation(&mut store);
        let stamps: Vec<u64> = (0..50)
            .map(|i| {
                let dir = if i % 2 == 0 {
                    Direction::Incoming
                } else {
                    Direction::Outgoing
                };
                let m = store
                    .add_message(&id, dir, format!("m{i}"), Extras::default())
                    .unwrap();
                m.created_at.parse().unwrap()
            })
            .collect();
        assert!(stamps.windows(2).all(|w| w[0] < w[1]), "{stamps:?}");
        let (count, page) = store.page(&id, 0, 3);
        assert_eq!(count, 50);
        assert_eq!(page[0].content, "m49");
        assert_eq!(store.message(&page[2].id).unwrap().content, "m47");
    }

    fn new_conversation(store: &mut Store) -> String {
        store.create_conversation(Some("w".into()))["id"]
            .as_str()
            .unwrap()
            .to_string()
    }

    fn say(store: &mut Store, id: &str, text: &str) -> Message {
        store
            .add_message(id, Direction::Incoming, text.into(), Extras::default())
            .unwrap()
    }

    #[test]
    fn past_the_conversation_limit_the_least_recently_written_are_forgotten() {
        let mut store = Store::with_limits(Limits {
            conversations: 3,
            ..Limits::default()
        });
        let ids: Vec<String> = (0..5).map(|_| new_conversation(&mut store)).collect();
        let first_message = say(&mut store, &ids[2], "hello");
        assert_eq!(store.conversations.len(), 3);
        assert!(!store.has_conversation(&ids[0]) && !store.has_conversation(&ids[1]));
        assert!(ids[2..].iter().all(|id| store.has_conversation(id)));
        // The one written to goes after the others.
        new_conversation(&mut store);
        new_conversation(&mut store);
        assert!(!store.has_conversation(&ids[3]) && !store.has_conversation(&ids[4]));
        assert!(store.has_conversation(&ids[2]));
        new_conversation(&mut store);
        assert!(!store.has_conversation(&ids[2]));
        assert!(store.message(&first_message.id).is_none());
        assert!(
            store.message_conversation.is_empty(),
            "its index entries go too"
        );
    }

    #[test]
    fn past_the_byte_limit_the_oldest_other_conversations_are_forgotten() {
        let mut store = Store::with_limits(Limits {
            bytes: 12_000,
            ..Limits::default()
        });
        let old = new_conversation(&mut store);
        say(&mut store, &old, &"a".repeat(4_000));
        let busy = new_conversation(&mut store);
        say(&mut store, &busy, &"b".repeat(4_000));
        assert!(store.has_conversation(&old));
        // The busy conversation grows past the limit: the other one goes, never itself.
        say(&mut store, &busy, &"c".repeat(4_000));
        assert!(!store.has_conversation(&old));
        assert_eq!(store.page(&busy, 0, 10).0, 2);
        assert!(store.bytes <= 12_000, "{}", store.bytes);
    }

    #[test]
    fn a_conversation_over_its_own_limit_forgets_its_oldest_messages() {
        let mut store = Store::with_limits(Limits {
            conversation_bytes: 12_000,
            ..Limits::default()
        });
        let id = new_conversation(&mut store);
        let sent: Vec<Message> = (0..6)
            .map(|i| say(&mut store, &id, &i.to_string().repeat(3_000)))
            .collect();
        let (count, page) = store.page(&id, 0, 10);
        assert_eq!(count, 3);
        assert_eq!(page[0].id, sent[5].id, "the newest stays");
        assert!(store.message(&sent[0].id).is_none());
        assert_eq!(store.message_conversation.len(), 3);
        assert_eq!(store.bytes, store.conversations[&id].bytes);
        // A single message over the limit is still kept: the reply being streamed.
        say(&mut store, &id, &"x".repeat(20_000));
        assert_eq!(store.page(&id, 0, 10).0, 1);
    }

    #[test]
    fn unknown_conversation_is_empty_and_rejects_messages() {
        let mut store = Store::default();
        assert_eq!(store.page("nope", 0, 10).0, 0);
        assert!(store
            .add_message("nope", Direction::Incoming, "x".into(), Extras::default())
            .is_none());
    }
}
