//! What an embedding page hears of the conversation, and who listens.

use std::rc::Rc;

use leptos::prelude::*;

use super::ChatState;

/// What an embedding page can listen to (see `js_api`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChatEvent {
    Open,
    Close,
    /// The visitor sent a message.
    Message(String),
    /// An assistant reply completed.
    Reply(String),
    /// A problem was shown to the visitor.
    Error(String),
}

impl ChatEvent {
    pub fn name(&self) -> &'static str {
        match self {
            ChatEvent::Open => "open",
            ChatEvent::Close => "close",
            ChatEvent::Message(_) => "message",
            ChatEvent::Reply(_) => "reply",
            ChatEvent::Error(_) => "error",
        }
    }
}

pub(super) type Listener = Rc<dyn Fn(&ChatEvent)>;

impl ChatState {
    /// Who hears [`ChatEvent`]s; `None` silences them.
    pub fn set_listener(&self, listener: Option<Listener>) {
        self.inner.update_value(|inner| inner.listener = listener);
    }

    /// Tells the listener, if any. The listener may call back into the state.
    pub fn emit(&self, event: ChatEvent) {
        let listener = self
            .inner
            .try_with_value(|inner| inner.listener.clone())
            .flatten();
        if let Some(listener) = listener {
            listener(&event);
        }
    }
}
