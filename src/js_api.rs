//! The bridge the loader drives: [`crate::mount`] returns a [`WidgetHandle`] whose methods back
//! `window.ChatBubble` (open, close, send, …), and events reach the loader through one callback,
//! `emit(name, detail)`.

use std::any::Any;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use leptos::mount::mount_to;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::HtmlElement;

use crate::chat::{ChatEvent, ChatState, HistoryStatus, PagePress};
use crate::config::Config;
use crate::contact::ContactStep;
use crate::ui::Widget;
use crate::{crash, session};

/// One mounted widget, as the loader sees it. Every method takes `&self`: an event listener may
/// call back into the handle while one of its methods runs.
#[wasm_bindgen]
pub struct WidgetHandle {
    state: ChatState,
    root: HtmlElement,
    /// Leptos's handle on the mounted view: dropping it unmounts the view and disposes its
    /// effects and listeners.
    view: RefCell<Option<Box<dyn Any>>>,
    /// Owns the chat state; disposed once no request still writes to it.
    state_owner: RefCell<Option<Owner>>,
    /// Messages sent through the API while a reply was streaming or the contact step was asked,
    /// sent in turn.
    pending: Rc<RefCell<VecDeque<String>>>,
}

impl WidgetHandle {
    /// `replaced_placeholder`: `root` held the loader's bubble, which the widget's takes over.
    pub(crate) fn mount(
        root: HtmlElement,
        config: Config,
        emit: Option<js_sys::Function>,
        replaced_placeholder: bool,
    ) -> Self {
        // A root of its own: the state must outlive whatever is mounting the widget (a Leptos
        // app's component may be unmounted while a request still settles).
        let state_owner = Owner::new_root(None);
        let state = state_owner.with(|| ChatState::new(config));
        crate::timers::every_midnight(state.day_changed);
        if let Some(emit) = emit {
            state.set_listener(Some(Rc::new(move |event: &ChatEvent| {
                let _ = emit.call2(
                    &JsValue::NULL,
                    &event.name().into(),
                    &detail(event).unwrap_or(JsValue::UNDEFINED),
                );
            })));
        }
        let pending: Rc<RefCell<VecDeque<String>>> = Rc::default();
        let queue = pending.clone();
        let view = mount_to(root.clone(), move || {
            provide_context(state);
            // Every problem shown to the visitor is also an `error` event, once: not at each
            // second of a countdown, nor when the wait of an exchange retried again shows it
            // again (see `ChatState::count_down_notice`).
            Effect::new(move |told: Option<Option<u64>>| {
                let told = told.flatten();
                let id = state.notice.with(|n| n.as_ref().map(|n| n.id));
                if id.is_none() || id == told {
                    return told;
                }
                if let Some(message) = state.notice_text() {
                    state.emit(ChatEvent::Error(message));
                }
                id
            });
            // API sends made while a reply streamed go out once it is done, and those made
            // while the contact step was asked once the visitor answered it.
            Effect::new(move |_| {
                if !state.replying.get() && !state.contact.with(ContactStep::asking) {
                    let next = queue.borrow_mut().pop_front();
                    if let Some(text) = next {
                        session::send_message(state, text);
                    }
                }
            });
            view! { <Widget replaced_placeholder/> }
        });
        WidgetHandle {
            state,
            root,
            view: RefCell::new(Some(Box::new(view))),
            state_owner: RefCell::new(Some(state_owner)),
            pending,
        }
    }

    fn alive(&self) -> bool {
        self.view.borrow().is_some()
    }

    /// A page's control pressed by the visitor is asking for the panel (see [`PagePress`]):
    /// the panel is to take focus for it.
    fn note_page_press(&self) {
        if let Some(press) = page_press() {
            self.state.page_press.set(Some(press));
        }
    }

    /// The widget's state, for the Leptos component to follow and drive.
    pub(crate) fn state(&self) -> ChatState {
        self.state
    }
}

/// The visitor's click or key on the page that is calling the API right now, if any: the event
/// the browser is dispatching (`window.event`), made by the visitor (trusted) and a press. A call
/// from a timer, a page's load, or a script of the page's own has none, and takes no focus: the
/// visitor may be typing elsewhere on the page.
fn page_press() -> Option<PagePress> {
    const PRESSES: [&str; 5] = ["click", "keydown", "keyup", "pointerup", "touchend"];
    let window = web_sys::window()?;
    let event = js_sys::Reflect::get(&window, &"event".into())
        .ok()?
        .dyn_into::<web_sys::Event>()
        .ok()?;
    if !event.is_trusted() || !PRESSES.contains(&event.type_().as_str()) {
        return None;
    }
    let focused = window
        .document()?
        .active_element()
        .filter(|e| e.tag_name() != "BODY")
        .and_then(|e| e.dyn_into::<HtmlElement>().ok());
    Some(PagePress { focused })
}

fn detail(event: &ChatEvent) -> Option<JsValue> {
    let (key, value) = match event {
        ChatEvent::Open | ChatEvent::Close => return None,
        ChatEvent::Message(text) | ChatEvent::Reply(text) => ("text", text),
        ChatEvent::Error(message) => ("message", message),
    };
    let object = js_sys::Object::new();
    js_sys::Reflect::set(&object, &key.into(), &value.into()).ok()?;
    Some(object.into())
}

#[wasm_bindgen]
impl WidgetHandle {
    pub fn open(&self) {
        if self.alive() {
            self.note_page_press();
            self.state.set_open(true);
        }
    }

    pub fn close(&self) {
        if self.alive() {
            self.state.set_open(false);
        }
    }

    pub fn toggle(&self) {
        if self.alive() {
            let open = !self.state.open.get_untracked();
            if open {
                self.note_page_press();
            }
            self.state.set_open(open);
        }
    }

    pub fn is_open(&self) -> bool {
        self.alive() && self.state.open.get_untracked()
    }

    /// Opens the panel and sends `text` as the visitor; while a reply streams, it waits its turn,
    /// and while the contact step is asked, the visitor's answer.
    pub fn send(&self, text: String) {
        if !self.alive() {
            return;
        }
        // A page's empty field sends nothing, and says so where the page's developer looks.
        if text.trim().is_empty() {
            let said = "chat-bubble: send() was given no words; nothing was sent";
            web_sys::console::warn_1(&said.into());
            return;
        }
        self.note_page_press();
        self.state.set_open(true);
        let waits = self.state.replying.get_untracked()
            || self.state.contact.with_untracked(ContactStep::asking);
        if waits || !self.pending.borrow().is_empty() {
            self.pending.borrow_mut().push_back(text);
        } else {
            session::send_message(self.state, text);
        }
    }

    pub fn new_conversation(&self) {
        if self.alive() {
            self.pending.borrow_mut().clear();
            session::new_conversation(self.state);
        }
    }

    pub fn clear_history(&self) {
        if self.alive() {
            self.pending.borrow_mut().clear();
            session::clear_history(self.state);
        }
    }

    /// Stops everything: no more events, the requests in flight aborted, the view unmounted. The
    /// loader removes the host element. The state is disposed once the aborted requests settle.
    pub fn destroy(&self) {
        let Some(view) = self.view.take() else {
            return;
        };
        let state = self.state;
        state.set_listener(None);
        // The page (a single-page app changing its view) took the widget away, not the
        // visitor: a reply under way is left as when the visitor goes to another page, cut
        // with its Retry, and replaced by the stored reply once the backend has it, when a
        // widget for this web chat shows again.
        session::remember_reply_in_flight(state);
        state.abort_all();
        self.pending.borrow_mut().clear();
        crash::unwatch(&self.root);
        let owner = self.state_owner.take();
        // Not now: destroy() may be called from an event listener inside a reactive update.
        spawn_local(async move {
            drop(view);
            if let Some(owner) = owner {
                settled(state, &owner).await;
                owner.cleanup();
            }
        });
    }
}

/// Resolves once no request writes to `state`: the aborted ones settle in tasks of their own.
async fn settled(state: ChatState, owner: &Owner) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        owner.with(|| {
            Effect::new(move |_| {
                let busy = state.replying.try_get() != Some(false)
                    || state.history.try_get() == Some(HistoryStatus::Loading);
                if !busy {
                    let _ = resolve.call0(&JsValue::NULL);
                }
            });
        });
    });
    let _ = JsFuture::from(promise).await;
}
