//! Leptos apps that use `chat_bubble::ChatBubble` the ways apps do: one case per page, named
//! by `?case=`, for tests/e2e/leptos-app.test.mjs.

use chat_bubble::{ChatBubble, ChatEvent};
use leptos::prelude::*;

/// The app changes a prop: it renders the component again with the new value.
#[component]
fn TitleFromState() -> impl IntoView {
    let title = RwSignal::new("First title".to_owned());
    view! {
        <button id="change" on:click=move |_| title.set("Second title".to_owned())>
            "Change the title"
        </button>
        {move || view! { <ChatBubble web_chat_id="cases-title" chatbot_id="demo-bot" title=title.get()/> }}
    }
}

/// The app opens the panel from a button of its own, knows when it is open, and hears what
/// happens in the chat.
#[component]
fn DrivenByTheApp() -> impl IntoView {
    let panel_open = RwSignal::new(false);
    let heard = RwSignal::new(Vec::<String>::new());
    let hear = move |event: ChatEvent| {
        let said = match event {
            ChatEvent::Open => "open".to_owned(),
            ChatEvent::Close => "close".to_owned(),
            ChatEvent::Message(text) => format!("message: {text}"),
            ChatEvent::Reply(text) => format!("reply: {} characters", text.chars().count()),
            ChatEvent::Error(text) => format!("error: {text}"),
        };
        heard.update(|heard| heard.push(said));
    };
    let shown = RwSignal::new(true);
    view! {
        <button id="contact-us" on:click=move |_| panel_open.set(true)>"Contact us"</button>
        <button id="toggle" on:click=move |_| shown.update(|s| *s = !*s)>"Show or hide the chat"</button>
        <p id="state">{move || if panel_open.get() { "open" } else { "closed" }}</p>
        <ul id="heard">
            <For each=move || heard.get().into_iter().enumerate() key=|(i, _)| *i let:((_, said))>
                <li>{said}</li>
            </For>
        </ul>
        <Show when=move || shown.get()>
            <ChatBubble web_chat_id="cases-driven" chatbot_id="demo-bot" panel_open=panel_open on_event=hear/>
        </Show>
    }
}

/// The component on one route of the app only, reached by the app's own navigation.
#[component]
fn OnARoute() -> impl IntoView {
    let on_help = RwSignal::new(false);
    let go_to_help = move |_| {
        let _ = window().history().and_then(|h| {
            h.push_state_with_url(&leptos::wasm_bindgen::JsValue::NULL, "", Some("/help/"))
        });
        on_help.set(true);
    };
    view! {
        <button id="help" on:click=go_to_help>"Help"</button>
        <Show when=move || on_help.get()>
            <ChatBubble web_chat_id="cases-route" chatbot_id="demo-bot"/>
        </Show>
    }
}

/// The component inside a card with a transform, on a long page.
#[component]
fn InATransformedCard() -> impl IntoView {
    view! {
        <div id="card" style="transform: translateX(0); width: 300px; height: 200px; overflow: hidden">
            "A card"
            <ChatBubble web_chat_id="cases-card" chatbot_id="demo-bot"/>
        </div>
        <div style="height: 3000px"></div>
    }
}

/// Suggestions with a `|` in their words.
#[component]
fn StartersWithBars() -> impl IntoView {
    view! {
        <ChatBubble
            web_chat_id="cases-starters"
            chatbot_id="demo-bot"
            starters=vec!["Plans | pricing".to_owned(), "  ".to_owned(), "Opening hours".to_owned()]
        />
    }
}

/// Ids that are no ids: the widget does not start.
#[component]
fn WrongIds() -> impl IntoView {
    view! { <ChatBubble web_chat_id="not an id" chatbot_id=""/> }
}

/// An app with a panic hook of its own, and a bug of its own.
#[component]
fn AppWithPanicHook() -> impl IntoView {
    std::panic::set_hook(Box::new(|_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-app-hook", "ran");
        }
    }));
    let items: Vec<u32> = Vec::new();
    view! {
        <button id="app-bug" on:click=move |_| {
            let _ = items[3];
        }>"A bug in the app"</button>
        <ChatBubble web_chat_id="cases-panic" chatbot_id="demo-bot"/>
    }
}

/// Every field of the widget: the contact step, the message box and the file picker (this app,
/// like the others here, is built with Leptos's event delegation).
#[component]
fn EveryField() -> impl IntoView {
    view! {
        <ChatBubble web_chat_id="cases-fields" chatbot_id="demo-bot" ask_contact=true attachments="images"/>
    }
}

fn main() {
    let case = window()
        .location()
        .search()
        .unwrap_or_default()
        .trim_start_matches("?case=")
        .to_owned();
    match case.as_str() {
        "title" => leptos::mount::mount_to_body(TitleFromState),
        "driven" => leptos::mount::mount_to_body(DrivenByTheApp),
        "route" => leptos::mount::mount_to_body(OnARoute),
        "card" => leptos::mount::mount_to_body(InATransformedCard),
        "starters" => leptos::mount::mount_to_body(StartersWithBars),
        "panic" => leptos::mount::mount_to_body(AppWithPanicHook),
        "wrong-ids" => leptos::mount::mount_to_body(WrongIds),
        "fields" => leptos::mount::mount_to_body(EveryField),
        _ => {}
    }
}
