use leptos::html::Section;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{ClipboardEvent, DragEvent, Element, HtmlElement, KeyboardEvent};

use super::announcer::Announcer;
use super::composer::Composer;
use super::contact_form::ContactForm;
use super::header::Header;
use super::jump_to_latest::JumpToLatest;
use super::keyboard_focus::{self, focus};
use super::listen::listen;
use super::message_list::MessageList;
use super::notice::Notice;
use super::other_tabs::OtherTabs;
use super::phone::is_phone;
use crate::attaching::{add_files, files_of};
use crate::chat::ChatState;
use crate::contact::ContactStep;
use crate::uploads::AttachmentMode;

/// The chat window: header, messages, the latest problem if any, and the composer. Stays
/// mounted while closed so the draft and the scroll position survive.
#[component]
pub fn Panel() -> impl IntoView {
    let state = expect_context::<ChatState>();
    let title = state.config.with_value(|c| c.title());
    let panel = NodeRef::<Section>::new();
    let asking_contact = move || state.contact.with(ContactStep::asking);
    let attaching = state.attaching;
    // Files that waited for the connection upload once it is back.
    if let Some(window) = web_sys::window() {
        listen(&window.into(), "online", move || {
            attaching.back_online(state)
        });
    }
    let (attachments_on, drop_text) = state.config.with_value(|c| {
        let drop_text = match c.attachments.mode {
            AttachmentMode::Images => c.texts.drop_images,
            _ => c.texts.drop_files,
        };
        (c.attachments.enabled(), drop_text)
    });
    // Files go with a message: none are taken while the contact step holds the message box's
    // place, as their upload would start the conversation without it.
    let takes_files = move || attachments_on && !state.contact.with_untracked(ContactStep::asking);
    // Files pasted (a screenshot) or dropped anywhere on the panel are attached; text is left
    // to the browser. Text copied from a spreadsheet or a word processor comes with a picture
    // of itself: the text is what the visitor meant, so a paste with text attaches nothing.
    let on_paste = move |ev: ClipboardEvent| {
        let Some(data) = ev.clipboard_data() else {
            return;
        };
        let has_text = data
            .get_data("text/plain")
            .is_ok_and(|text| !text.trim().is_empty());
        if !takes_files() || has_text {
            return;
        }
        let files = files_of(data.files());
        if !files.is_empty() {
            ev.prevent_default();
            add_files(state, files);
        }
    };
    let carries_files = |ev: &DragEvent| {
        ev.data_transfer()
            .is_some_and(|d| d.types().includes(&"Files".into(), 0))
    };
    // A file let go over the panel never leaves the page: the browser's own handling would open
    // it in place of the page, and the visitor would lose the page and the chat. When the panel
    // takes no files, the pointer says so and the drop does nothing.
    let on_dragover = move |ev: DragEvent| {
        if !carries_files(&ev) {
            return;
        }
        ev.prevent_default();
        if takes_files() {
            attaching.dragging.set(true);
        } else if let Some(data) = ev.data_transfer() {
            data.set_drop_effect("none");
        }
    };
    let on_drop = move |ev: DragEvent| {
        attaching.dragging.set(false);
        if carries_files(&ev) {
            ev.prevent_default();
            if takes_files() {
                add_files(state, files_of(ev.data_transfer().and_then(|d| d.files())));
            }
        }
    };
    // The page's own control that opened the panel (see `PagePress`), for focus to go back to.
    let opened_by = StoredValue::new_local(None::<HtmlElement>);
    // Focus follows the panel: a real side effect on the page's focus, not on the panel's DOM.
    // The panel starts closed; an open asked for before this first runs (a click on the loader's
    // launcher, replayed once the wasm is ready) counts as opening.
    Effect::new(move |was_open: Option<bool>| {
        let open = state.open.get();
        if let Some(panel) = panel.get() {
            if was_open.unwrap_or(false) != open {
                let opened_by = if open {
                    None
                } else {
                    opened_by.try_update_value(Option::take).flatten()
                };
                move_focus(&panel, open, opened_by);
            }
        }
        open
    });
    // A visitor's press on the page's own control asked for the panel: focus goes into it as
    // from the launcher. Also when the panel was already open (focus had gone back to the page).
    Effect::new(move |_| {
        state.page_press.track();
        let Some(press) = state
            .page_press
            .try_update_untracked(Option::take)
            .flatten()
        else {
            return;
        };
        if let (Some(panel), true) = (panel.get_untracked(), state.open.get_untracked()) {
            opened_by.set_value(press.focused);
            request_animation_frame(move || focus(&panel, keyboard_focus::MESSAGE_BOX));
        }
    });
    view! {
        <section
            class="cb-panel"
            role="dialog"
            aria-label=title
            // Focus can rest on the panel itself (not by Tab): see `keyboard_focus::go_on_at`.
            tabindex="-1"
            hidden=move || !state.open.get()
            aria-modal=move || if state.open.get() && is_phone() { "true" } else { "false" }
            node_ref=panel
            class:cb-dragging=move || attaching.dragging.get()
            on:pointerdown=keyboard_focus::note_pointer
            on:paste=on_paste
            on:dragover=on_dragover
            on:dragleave=move |_| attaching.dragging.set(false)
            on:drop=on_drop
            on:keydown=move |ev: KeyboardEvent| {
                keyboard_focus::note_key(&ev);
                // An Escape while an input method is composing (Japanese, Chinese) cancels the
                // composition; it is the input method's, not the panel's (229: see the
                // composer's Enter).
                let composing = ev.is_composing() || ev.key_code() == 229;
                if ev.key() == "Escape" && !composing {
                    ev.stop_propagation();
                    state.set_open(false);
                } else if ev.key() == "Tab" && is_phone() {
                    if let Some(panel) = panel.get_untracked() {
                        keep_focus_inside(&panel, &ev);
                    }
                }
            }
        >
            <Announcer while_open=true/>
            <OtherTabs/>
            <Header/>
            <MessageList/>
            <JumpToLatest/>
            <Notice/>
            <Show when=asking_contact fallback=|| view! { <Composer/> }>
                <ContactForm/>
            </Show>
            {move || {
                attaching
                    .dragging
                    .get()
                    .then(|| view! {
                        <div class="cb-drop-hint" aria-hidden="true"><p>{drop_text}</p></div>
                    })
            }}
        </section>
    }
}

/// Keyboard users land in the message box when they open the panel from the launcher, and
/// back on the launcher when it closes while focus was inside, or on the page's control that
/// opened it (`opened_by`) if it is still there. Opening by API takes no focus here: see the
/// panel's `page_press` effect for the API called from a visitor's press.
fn move_focus(panel: &HtmlElement, open: bool, opened_by: Option<HtmlElement>) {
    let active = keyboard_focus::focused_near(panel);
    let launcher_had_focus = active
        .as_ref()
        .is_some_and(|a| a.class_list().contains("cb-launcher"));
    // Hiding the panel can drop focus to <body> before this runs; focus in the host page is
    // left alone.
    let focus_dropped = active.is_none()
        && panel
            .owner_document()
            .and_then(|d| d.active_element())
            .is_none_or(|a| a.tag_name() == "BODY");
    let focus_was_inside =
        active.as_ref().is_some_and(|a| panel.contains(Some(a))) || focus_dropped;
    // The panel's `hidden` may change in the same update as this: focus once it has.
    let target = if open && launcher_had_focus {
        Some((
            panel.clone().unchecked_into::<Element>(),
            keyboard_focus::MESSAGE_BOX,
        ))
    } else if !open && focus_was_inside {
        if let Some(control) = opened_by.filter(|c| c.is_connected()) {
            request_animation_frame(move || {
                let _ = control.focus();
            });
            return;
        }
        panel
            .parent_element()
            .map(|widget| (widget, ".cb-launcher"))
    } else {
        None
    };
    if let Some((within, selector)) = target {
        request_animation_frame(move || focus(&within, selector));
    }
}

/// What Tab can reach inside the panel.
const FOCUSABLE: &str =
    "button:not([disabled]), textarea:not([disabled]), a[href], summary, [tabindex=\"0\"]";

/// The full-screen panel is the whole screen: Tab and Shift+Tab go round inside it instead of
/// reaching the page hidden behind.
fn keep_focus_inside(panel: &HtmlElement, ev: &KeyboardEvent) {
    let Ok(found) = panel.query_selector_all(FOCUSABLE) else {
        return;
    };
    let reachable: Vec<HtmlElement> = (0..found.length())
        .filter_map(|i| found.item(i)?.dyn_into::<HtmlElement>().ok())
        // Hidden ones (a `hidden` ancestor, `display: none`) have no offset parent.
        .filter(|e| e.offset_parent().is_some())
        .collect();
    let (Some(first), Some(last)) = (reachable.first(), reachable.last()) else {
        return;
    };
    let active = keyboard_focus::focused_near(panel);
    let at = |edge: &HtmlElement| {
        active
            .as_ref()
            .is_some_and(|a| a == edge.as_ref() as &Element)
    };
    // Focus resting on the panel itself (after a tap on a button that went) is outside its
    // controls too: Tab and Shift+Tab go to its first and last.
    let outside = !active
        .as_ref()
        .is_some_and(|a| panel.contains(Some(a)) && a != panel.as_ref() as &Element);
    let wrap_to = if ev.shift_key() && (at(first) || outside) {
        Some(last)
    } else if !ev.shift_key() && (at(last) || outside) {
        Some(first)
    } else {
        None
    };
    if let Some(target) = wrap_to {
        ev.prevent_default();
        let _ = target.focus();
    }
}
