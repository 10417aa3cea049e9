use leptos::html::Div;
use leptos::prelude::*;
use web_sys::MouseEvent;

use super::event_origin::event_origin;
use super::follow::Follow;
use super::reply_body::ReplyBody;
use crate::chat::{ChatMessage, ChatState};
use crate::models::Role;
use crate::render::handle_copy_click;
use crate::text_parts::plain_parts;

/// A message's text. The visitor's is plain text, built once. The assistant's is markdown that
/// grows as it streams: the one imperative island of the widget, a node that [`ReplyBody`]
/// patches so that finished blocks are built once and only the open tail changes with each
/// delta.
#[component]
pub fn MessageBody(message: ChatMessage) -> impl IntoView {
    let state = expect_context::<ChatState>();
    let follow = expect_context::<Follow>();
    let t = state.config.with_value(|c| c.texts);
    if message.role == Role::Visitor {
        // What a visitor wrote never changes once it is in the list.
        return view! { <div class="cb-text">{message.text.with_untracked(|text| visitor_text(text))}</div> }
            .into_any();
    }
    let body = NodeRef::<Div>::new();
    // The body as built, and the version of the reply it shows: another version of a
    // regenerated reply is built afresh, not patched from the one before.
    // `more` is bumped to show the next slice of a text that arrived faster than one task
    // should render.
    let more = RwSignal::new(0u32);
    Effect::new(move |shown: Option<Option<(ReplyBody, usize)>>| {
        let element = body.get()?;
        more.track();
        let first_run = shown.as_ref().is_none_or(Option::is_none);
        let version = message.versions.with(|v| v.shown());
        let mut shown = match shown.flatten() {
            Some((shown, built_for)) if built_for == version => shown,
            Some(_) => {
                element.set_text_content(None);
                ReplyBody::markdown(t)
            }
            None => ReplyBody::markdown(t),
        };
        let rest = message.text.with(|text| {
            let end = shown.next_end(text);
            shown.show(&element, &text[..end]);
            text.len() - end
        });
        // Busy while slices are still to come: a screen reader waits for the whole text, and
        // so can a test.
        let _ = element.toggle_attribute_with_force("aria-busy", rest > 0);
        if rest > 0 {
            // The rest in later tasks, so the page stays responsive while a huge reply (or
            // history row) is shown.
            set_timeout(
                move || {
                    more.try_update(|n| *n = n.wrapping_add(1));
                },
                std::time::Duration::ZERO,
            );
        }
        // The list scrolls for rows it adds; later growth is this row's to report.
        if !first_run {
            follow.content_changed(false);
        }
        Some((shown, version))
    });
    // The code blocks' Copy buttons are built with the markdown, not by `view!`: the message
    // list answers their clicks (see [`code_copy_click`]).
    view! { <div class="cb-text" node_ref=body></div> }.into_any()
}

/// Copies a code block's code when its Copy button is pressed. The list handles the clicks of
/// all its replies' code blocks, rather than each reply body having a handler of its own.
pub fn code_copy_click(ev: MouseEvent, t: &'static crate::texts::Texts) {
    if let Some(target) = event_origin(&ev) {
        handle_copy_click(&target, t);
    }
}

/// A visitor's text as a text node, or, when it is long, as parts the page lays out one by one
/// (see [`crate::text_parts`]), each a `cb-part` as a long paragraph's are (`cb-plain`: sized
/// for its smaller parts).
fn visitor_text(text: &str) -> AnyView {
    let parts = plain_parts(text);
    if parts.len() == 1 {
        return text.to_owned().into_any();
    }
    parts
        .into_iter()
        .map(|part| view! { <span class="cb-part cb-plain">{part.to_owned()}</span> })
        .collect_view()
        .into_any()
}
