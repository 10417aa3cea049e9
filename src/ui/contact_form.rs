use leptos::html::Input;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement};

use super::event_origin::origin_value;
use super::keyboard_focus::{focused_near, go_on_once_drawn, MESSAGE_BOX};
use crate::chat::ChatState;
use crate::contact::{check, ContactChoice, ContactProblem, ContactStep};
use crate::store;

/// The optional step before the first message (`data-ask-contact`): name and email or phone,
/// checked as typed in; Start keeps them for the new conversation, Skip goes on without. Either
/// way the step is not asked again, and the message box takes its place. It goes too when the
/// visitor answers it, or begins a conversation, in another tab of the site
/// ([`answered_elsewhere`]).
#[component]
pub fn ContactForm() -> impl IntoView {
    let state = expect_context::<ChatState>();
    let t = state.config.with_value(|c| c.texts);
    let (name, reach) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    let problem = RwSignal::new(None::<ContactProblem>);
    let (name_input, reach_input) = (NodeRef::<Input>::new(), NodeRef::<Input>::new());
    let finish = move |choice: ContactChoice| {
        state
            .config
            .with_value(|config| store::save_contact_choice(config, &choice));
        state.contact.set(ContactStep::Answered(choice));
    };
    // Both buttons go with the form: the visitor goes on in the message box that replaces it.
    // Enter in a field presses Start too.
    let go_on = move |ev: leptos::ev::MouseEvent| go_on_once_drawn(&ev, MESSAGE_BOX);
    let submit = move || match check(&name.get_untracked(), &reach.get_untracked(), t) {
        Ok(contact) => finish(ContactChoice::Given(contact)),
        Err(p) => {
            let field = match p {
                ContactProblem::Name(_) => name_input,
                ContactProblem::Reach(_) => reach_input,
            };
            problem.set(Some(p));
            if let Some(input) = field.get_untracked() {
                let _ = input.focus();
            }
        }
    };
    // Each field's problem is said under it, where the eye and the screen reader are.
    let name_problem = move || match problem.get() {
        Some(ContactProblem::Name(m)) => Some(m),
        _ => None,
    };
    let reach_problem = move || match problem.get() {
        Some(ContactProblem::Reach(m)) => Some(m),
        _ => None,
    };
    let name_wrong = move || name_problem().is_some();
    let reach_wrong = move || reach_problem().is_some();
    view! {
        <form
            class="cb-contact"
            novalidate=true
            // The form's own listener in every build: see the composer's.
            on:submit:capture=move |ev| {
                ev.prevent_default();
                submit();
            }
        >
            <p class="cb-contact-intro" id="cb-contact-intro">{t.contact_intro}</p>
            // No `maxlength` on either field: the browser would cut a long entry without a word
            // (a question typed in the name field); the check says it is too long instead.
            <label class="cb-contact-field">
                <span>{t.contact_name}</span>
                <input
                    class="cb-input cb-contact-name"
                    type="text"
                    autocomplete="name"
                    aria-required="true"
                    aria-invalid=move || name_wrong().to_string()
                    aria-describedby=move || if name_wrong() { "cb-contact-name-problem" } else { "cb-contact-intro" }
                    node_ref=name_input
                    prop:value=name
                    on:input=move |ev| name.set(origin_value(&ev))
                />
            </label>
            <p class="cb-contact-problem" id="cb-contact-name-problem" role="alert">
                {name_problem}
            </p>
            <label class="cb-contact-field">
                <span>{t.contact_reach}</span>
                <input
                    class="cb-input cb-contact-reach"
                    type="text"
                    autocomplete="email"
                    aria-required="true"
                    aria-invalid=move || reach_wrong().to_string()
                    aria-describedby=move || if reach_wrong() { "cb-contact-reach-problem" } else { "cb-contact-intro" }
                    node_ref=reach_input
                    prop:value=reach
                    on:input=move |ev| reach.set(origin_value(&ev))
                />
            </label>
            <p class="cb-contact-problem" id="cb-contact-reach-problem" role="alert">
                {reach_problem}
            </p>
            <div class="cb-contact-actions">
                <button
                    type="button"
                    class="cb-contact-skip"
                    on:click=move |ev| {
                        go_on(ev);
                        finish(ContactChoice::Skipped);
                    }
                >
                    {t.contact_skip}
                </button>
                <button type="submit" class="cb-contact-start" on:click=go_on>
                    {t.contact_start}
                </button>
            </div>
        </form>
    }
}

/// Another tab of the site changed what is stored: if the visitor answered the step there, or
/// began a conversation there without it, it is no longer asked here. Focus left in the form,
/// away from this tab, stays in the chat (`within` is an element of the widget): on the panel
/// itself, which raises no on-screen keyboard when the visitor comes back.
pub fn answered_elsewhere(state: ChatState, within: &Element) {
    // Most changes come when the step is long answered: nothing to read then.
    if !state.contact.with_untracked(ContactStep::asking) {
        return;
    }
    let now = state.config.with_value(|config| {
        state.contact.with_untracked(|step| {
            step.answered_elsewhere(
                store::conversation(config).is_some(),
                store::contact_choice(config),
            )
        })
    });
    let Some(now) = now else {
        return;
    };
    let panel = focused_near(within)
        .filter(|focused| focused.closest(".cb-contact").ok().flatten().is_some())
        .and_then(|focused| focused.closest(".cb-panel").ok().flatten())
        .and_then(|panel| panel.dyn_into::<HtmlElement>().ok());
    if let Some(panel) = panel {
        let _ = panel.focus();
    }
    state.contact.set(now);
}
