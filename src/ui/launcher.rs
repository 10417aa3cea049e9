use crate::reactive::*;
use web_sys::{Document, Element};

use super::icons;
use crate::chat::ChatState;
use crate::dom::{bind, element, icon, on, set};
use crate::texts::fill;

/// The round button in the corner that opens and closes the panel, with a badge counting the
/// replies that arrived while it was closed.
pub fn launcher(document: &Document, state: ChatState) -> Element {
    let (open, unread) = (state.open, state.unread);
    let t = state.config.with_value(|c| c.texts);
    let button = element(document, "button", "cb-launcher");
    set(&button, "type", "button");
    let (chat, close) = (icon(document, icons::CHAT), icon(document, icons::CLOSE));
    let badge = element(document, "span", "cb-badge");
    set(&badge, "aria-hidden", "true");
    {
        let button = button.clone();
        bind(move || {
            let (open, unread) = (open.get(), unread.get());
            let label = match (open, unread) {
                (true, _) => t.close_chat.to_owned(),
                (false, 0) => t.open_chat.to_owned(),
                (false, n) => fill(t.open_chat_unread, n),
            };
            set(
                &button,
                "aria-expanded",
                if open { "true" } else { "false" },
            );
            set(&button, "aria-label", &label);
            let (shown, hidden) = if open {
                (&close, &chat)
            } else {
                (&chat, &close)
            };
            hidden.remove();
            let _ = button.insert_before(shown, button.first_child().as_ref());
            if open || unread == 0 {
                badge.remove();
            } else {
                badge.set_text_content(Some(&unread.min(99).to_string()));
                let _ = button.append_child(&badge);
            }
        });
    }
    on(&button, "click", move |_| {
        state.set_open(!open.get_untracked())
    });
    button
}
