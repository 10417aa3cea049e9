use leptos::html::{Button, Textarea};
use leptos::prelude::*;
use web_sys::KeyboardEvent;

use super::attach_button::AttachButton;
use super::event_origin::origin_value;
use super::icons::{Icon, SEND, STOP};
use super::keyboard_focus::panel_of;
use super::message_count::{MessageCount, COUNT_ID};
use super::upload_chips::UploadChips;
use crate::chat::ChatState;
use crate::message_length::{self, Length, Zone};
use crate::session;
use crate::store;
use crate::texts::fill;
use crate::timers;
use crate::uploads::MAX_FILES;
use crate::writing_direction::starts_right_to_left;

/// How long Stop ignores clicks after it takes Send's place: longer than the gap within a
/// double-click or a double tap, shorter than a visitor takes to decide to stop.
const STOP_ARMS_AFTER_MS: f64 = 600.0;
/// The longest a press is taken to come before its own click: longer than a busy phone takes
/// to come to a tap, shorter than a finger held down on purpose.
const PRESS_TO_CLICK_MS: f64 = 1_500.0;

/// The message box: Enter sends, Shift+Enter adds a line. Typing stays possible while a reply
/// streams (the button then stops the reply), and Enter then sends the message once the reply
/// ends, saying so under the box; the draft survives a reload. A message longer
/// than the backend takes is not sent: Send says by how much to shorten it, and a count under
/// the box shows near the limit.
#[component]
pub fn Composer() -> impl IntoView {
    let state = expect_context::<ChatState>();
    let (placeholder, t) = state.config.with_value(|c| {
        let placeholder = c.placeholder.clone();
        (
            placeholder.unwrap_or_else(|| c.texts.placeholder.to_owned()),
            c.texts,
        )
    });
    let (draft, replying) = (state.draft, state.replying);
    draft.set(state.config.with_value(store::draft));
    // An empty box shows its hint, which the browser does not look at for `dir="auto"`: a
    // Hebrew or Arabic hint would sit on the left, its ellipsis on the side it starts from.
    let hint_right_to_left = starts_right_to_left(&placeholder);
    let direction = move || {
        if hint_right_to_left && draft.with(String::is_empty) {
            "rtl"
        } else {
            "auto"
        }
    };
    let set_draft = move |text: String| {
        state
            .config
            .with_value(|config| store::save_draft(config, &text));
        draft.set(text);
    };
    let attaching = state.attaching;
    let attachments_on = state.config.with_value(|c| c.attachments.enabled());
    let can_send =
        move || !replying.get() && (draft.with(|d| !d.trim().is_empty()) || !attaching.is_empty());
    // One pass over the text at each change, however long it is.
    let length = Memo::new(move |_| draft.with(|d| Length::of(d)));
    // The notice Send put up for a message too long: it goes once the message is short enough.
    let said_too_long = StoredValue::new(None::<u64>);
    let (input, button) = (NodeRef::<Textarea>::new(), NodeRef::<Button>::new());
    let submit = move || {
        if !can_send() {
            return;
        }
        // The words stay in the box, to shorten.
        if let Some(by) = length.get_untracked().over_by() {
            let said = state.show_notice(message_length::too_long(by, t));
            said_too_long.set_value(Some(said));
            if let Some(input) = input.get_untracked() {
                let _ = input.focus();
            }
            return;
        }
        // More files than a message carries: the visitor chooses which to leave out.
        if attaching.too_many() {
            state.show_notice(fill(t.too_many_files, MAX_FILES));
            return;
        }
        // Files still on their way: the message goes when they are done (see below).
        if attaching.uploading() {
            attaching.send_waiting.set(true);
            return;
        }
        // A failed file stays with its Retry, and so does the message.
        if let Some(why) = attaching.failed() {
            state.show_notice(why);
            return;
        }
        // Files uploaded before a new conversation started go again, to the new one.
        let conversation = state.config.with_value(store::conversation);
        if attaching.upload_again_outside(state, conversation.as_ref().map(|c| c.id.as_str())) {
            attaching.send_waiting.set(true);
            return;
        }
        let files = attaching.take_uploaded();
        session::send_with_attachments(state, draft.get_untracked(), files);
        set_draft(String::new());
    };
    // Enter was pressed while a reply streamed: the message goes once the reply ends, however it
    // ends (Stop sends it at once). The words stay in the box until then, and emptying the box
    // takes the message back.
    let send_after_reply = RwSignal::new(false);
    Effect::new(move |_| {
        if !send_after_reply.get() {
            return;
        }
        if draft.with(|d| d.trim().is_empty()) && attaching.is_empty() {
            send_after_reply.set(false);
        } else if !replying.get() {
            send_after_reply.set(false);
            submit();
        }
    });
    // Send was pressed while files uploaded: send once the last one is done, unless one failed.
    Effect::new(move |_| {
        if attaching.send_waiting.get() && !attaching.uploading() {
            attaching.send_waiting.set(false);
            if attaching.failed().is_none() {
                submit();
            }
        }
    });
    Effect::new(move |_| {
        if length.with(|l| l.zone()) != Zone::Over {
            if let Some(said) = said_too_long.get_value() {
                state.take_down_notice(said);
            }
            said_too_long.set_value(None);
        }
    });
    let disabled = move || !replying.get() && !can_send();
    // When the button last became Stop: a second click of a double-click on Send (or a second
    // tap) lands on Stop, and would end the reply it just asked for.
    let stop_shown_at = StoredValue::new(0.0);
    // When the finger or the mouse button last came down on the button, until its click: a
    // busy page (a slow phone) may come to a tap's click long after the finger came down, and
    // the click then carries the time it was made, not the time of the tap.
    let pressed_at = StoredValue::new(None::<f64>);
    // Whether the button's last press was a finger's (or a pen's), to know where focus goes on
    // when the button loses it by itself.
    let pressed_by_finger = StoredValue::new(false);
    Effect::new(move |_| {
        if replying.get() {
            stop_shown_at.set_value(timers::now_ms());
        }
    });
    // A button that becomes disabled (Stop turning back into an empty box's Send as the reply
    // ends) drops focus to the page. Keyboard users go on in the box; after a tap, focus goes
    // to the panel: in the box it would raise a phone's keyboard over the reply just ended.
    Effect::new(move |_| {
        if disabled() {
            let Some(focused) = button
                .get_untracked()
                .filter(|b| b.matches(":focus").unwrap_or(false))
            else {
                return;
            };
            match (
                pressed_by_finger.get_value(),
                panel_of(&focused),
                input.get_untracked(),
            ) {
                (true, Some(panel), _) => {
                    let _ = panel.focus();
                }
                (_, _, Some(input)) => {
                    let _ = input.focus();
                }
                _ => {}
            }
        }
    });

    view! {
        <form
            class="cb-composer"
            // The form's own listener in every build (see `super::event_origin`): `submit` does
            // not leave the shadow root, so a handler delegated to `window` never hears it.
            on:submit:capture=move |ev| {
                ev.prevent_default();
                submit();
            }
        >
            {attachments_on.then(|| view! { <UploadChips/> <AttachButton/> })}
            // The status stays and its words come and go: a live region put in with its words
            // already in it is not read reliably.
            <p class="cb-composer-status" role="status">
                {move || send_after_reply.get().then_some(t.waiting_for_reply)}
            </p>
            <textarea
                class="cb-input"
                // What is typed goes the way its first letters do, as in the messages.
                dir=direction
                rows="1"
                // Return sends (see the Enter below): the on-screen keyboard's key says so.
                enterkeyhint="send"
                placeholder=placeholder
                aria-label=t.message_box
                aria-describedby=move || (length.with(|l| l.zone()) != Zone::Fine).then_some(COUNT_ID)
                aria-invalid=move || (length.with(|l| l.zone()) == Zone::Over).then_some("true")
                node_ref=input
                prop:value=move || draft.get()
                on:input=move |ev| set_draft(origin_value(&ev))
                on:keydown=move |ev: KeyboardEvent| {
                    // While an input method is composing (e.g. Chinese), Enter confirms it.
                    // Safari ends the composition before that Enter's keydown, which then says
                    // it is not composing but keeps the input method's key code, 229.
                    let composing = ev.is_composing() || ev.key_code() == 229;
                    if ev.key() == "Enter" && !ev.shift_key() && !composing {
                        ev.prevent_default();
                        if replying.get_untracked() {
                            send_after_reply.set(true);
                        } else {
                            submit();
                        }
                    }
                }
            ></textarea>
            // One button: Send (submits the form) or, while a reply streams, Stop.
            <button
                class="cb-send"
                class:cb-stop=move || replying.get()
                type=move || if replying.get() { "button" } else { "submit" }
                aria-label=move || if replying.get() { t.stop } else { t.send }
                disabled=disabled
                node_ref=button
                on:pointerdown=move |ev| {
                    pressed_at.set_value(Some(ev.time_stamp()));
                    pressed_by_finger
                        .set_value(matches!(ev.pointer_type().as_str(), "touch" | "pen"));
                }
                on:click=move |ev| {
                    // Enter or Space: a click that counted no presses.
                    if ev.detail() == 0 {
                        pressed_by_finger.set_value(false);
                    }
                    // When the visitor pressed (the events' times, on the page's clock), not when
                    // a busy page came to it: a double tap's second tap is still seen as such. A
                    // press long before its click (held, or one that never made a click) is not
                    // this click's.
                    let clicked = ev.time_stamp();
                    let pressed = pressed_at
                        .try_update_value(Option::take)
                        .flatten()
                        .filter(|&at| at <= clicked && clicked - at < PRESS_TO_CLICK_MS)
                        .unwrap_or(clicked);
                    // A click on Send submits the form after this runs; a click on Stop must
                    // not, even though the button may have turned back into Send by then.
                    if replying.get_untracked() {
                        ev.prevent_default();
                        if pressed - stop_shown_at.get_value() >= STOP_ARMS_AFTER_MS {
                            session::stop(state);
                        }
                    }
                }
            >
                {move || view! { <Icon path=if replying.get() { STOP } else { SEND }/> }}
            </button>
            <MessageCount length/>
        </form>
    }
}
