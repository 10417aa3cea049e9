//! A Leptos app that shows the chat bubble as a component. Served from the same origin as the
//! API (`chat-bubble-server` in mock mode), so the component's default `api_base` finds it.

use chat_bubble::ChatBubble;
use leptos::prelude::*;

#[component]
fn App() -> impl IntoView {
    let shown = RwSignal::new(true);
    view! {
        <main>
            <h1>"A Leptos app with a chat bubble"</h1>
            <p>"The bubble in the corner is the chat_bubble::ChatBubble component."</p>
            <button id="toggle-bubble" on:click=move |_| shown.update(|s| *s = !*s)>
                "Show or hide the chat bubble"
            </button>
            <Show when=move || shown.get()>
                <ChatBubble
                    web_chat_id="leptos-app"
                    chatbot_id="demo-bot"
                    title="Leptos app assistant"
                    starters=vec!["Hello".to_owned()]
                />
            </Show>
        </main>
    }
}

fn main() {
    leptos::mount::mount_to_body(App);
}
