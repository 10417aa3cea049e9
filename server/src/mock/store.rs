//! The mock's memory: conversations and their messages, shaped like MaiAgent's JSON.
//!
//! Nothing is persisted; a restart forgets everything, which is also how tests get a clean
//! backend.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::{json, Value};

use crate::ids::{now_ms, uuid_v4};

/// The assistant's fixed sender id, so every reply in every conversation has the same sender.
pub const ASSISTANT_ID: &str = "9a0c4e5b-7f1d-4c2a-b3e8-5d6f7a8b9c0d";

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
    messages: Vec<Message>,
}

impl Conversation {
    fn to_json(&self) -> Value {
        let last = self.messages.last();
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

/// All conversations, plus an index from message id to its conversation.
#[derive(Debug, Default)]
pub struct Store {
    conversations: HashMap<String, Conversation>,
    message_conversation: HashMap<String, String>,
}

impl Store {
    /// Creates a conversation and returns its JSON.
    pub fn create_conversation(&mut self, web_chat: Option<String>) -> Value {
        let now = now_ms();
        let conv = Conversation {
            id: uuid_v4(),
            web_chat,
            contact_id: uuid_v4(),
            created_at: now,
            last_ms: now,
            messages: Vec::new(),
        };
        let body = conv.to_json();
        self.conversations.insert(conv.id.clone(), conv);
        body
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
        conv.messages.push(message.clone());
        self.message_conversation
            .insert(message.id.clone(), conv.id.clone());
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
        let id = store.create_conversation(Some("w".into()))["id"]
            .as_str()
            .unwrap()
            .to_string();
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

    #[test]
    fn unknown_conversation_is_empty_and_rejects_messages() {
        let mut store = Store::default();
        assert_eq!(store.page("nope", 0, 10).0, 0);
        assert!(store
            .add_message("nope", Direction::Incoming, "x".into(), Extras::default())
            .is_none());
    }
}
