use leptos::ev::KeyboardEvent;
use leptos::html::Div;
use leptos::prelude::*;

use super::announcer::{empty_once_said, Announcer};
use super::event_origin::event_origin;
use super::follow::Follow;
use super::launcher::Launcher;
use super::listen::listen;
use super::panel::Panel;
use super::phone::use_phone_layout;
use crate::attaching;
use crate::chat::ChatState;
use crate::contact::ContactStep;
use crate::{session, store};

/// The whole widget: the panel, the launcher, and what is said while the panel is closed.
/// Expects the [`ChatState`] in context (see [`crate::mount`] and [`crate::ChatBubble`]).
/// `replaced_placeholder`: it took the place of the loader's bubble (not so in tests and
/// Leptos apps, which have none).
#[component]
pub fn Widget(#[prop(optional)] replaced_placeholder: bool) -> impl IntoView {
    let state = expect_context::<ChatState>();
    provide_context(Follow::new());
    state.contact.set(state.config.with_value(|c| {
        ContactStep::at_start(
            c.ask_contact,
            store::conversation(c).is_some(),
            store::contact_choice(c),
        )
    }));
    session::restore_unsent(state);
    attaching::keep_across_reloads(state);
    // Follow-ups go on coming after the visitor moved to another page of the site.
    crate::follow_ups::watch_while_closed(state);
    // data-open opens the panel once the widget has started: after the page has heard `ready`
    // and the calls it made before have run (the loader runs them as it mounts the widget), so
    // that the page hears `open` after `ready`, and its own early close() stands.
    if state.config.with_value(|c| c.open_on_load) {
        leptos::task::spawn_local(async move {
            if !state.open_asked() {
                state.set_open(true);
            }
        });
    }
    // History is fetched when the visitor first opens the panel, not on page load.
    Effect::new(move |_| {
        if state.open.get() {
            // A read that failed is tried again each time the visitor comes back to the panel.
            session::retry_history(state);
            session::load_history(state);
        }
    });
    if let Some(window) = web_sys::window() {
        let window = window.into();
        // Messages that could not go out while offline go out by themselves once back online.
        listen(&window, "online", move || {
            state.back_online();
            session::retry_history(state);
            session::resend_unsent(state);
            session::look_for_late_replies(state)
        });
        listen(&window, "offline", move || state.went_offline());
        // A reply streaming when the page goes away would die unremembered; should the page
        // come back (Back, from the back-forward cache), it may stream on.
        let left = StoredValue::new(None::<session::LeftInFlight>);
        listen(&window, "pagehide", move || {
            left.set_value(session::remember_reply_in_flight(state))
        });
        listen(&window, "pageshow", move || {
            if let Some(left) = left.try_update_value(Option::take).flatten() {
                session::came_back(state, left);
            }
        });
    }
    // What the announcers said goes a while later (see `Announcer`).
    empty_once_said(state.announcement);
    empty_once_said(state.alert);
    let widget = NodeRef::<Div>::new();
    use_phone_layout(state, widget);
    let lang = state.config.with_value(|c| c.texts.lang);
    view! {
        <div
            class="cb-widget"
            lang=lang
            class:cb-open=move || state.open.get()
            node_ref=widget
            on:keydown=keep_typing_in
            on:keyup=keep_typing_in
            on:keypress=keep_typing_in
        >
            <Panel/>
            <Launcher replaced_placeholder/>
            <Announcer while_open=false/>
        </div>
    }
}

/// Keys typed in the widget's text fields stay in the widget. Out of the shadow root the page
/// sees them come from the widget's element, not from a text field, so its own shortcuts would
/// fire as the visitor types: `/` opening the site's search, `k` or Space pausing its video.
fn keep_typing_in(ev: KeyboardEvent) {
    let typed_in_field = event_origin(&ev)
        .is_some_and(|element| matches!(element.tag_name().as_str(), "TEXTAREA" | "INPUT"));
    if typed_in_field {
        ev.stop_propagation();
    }
}
