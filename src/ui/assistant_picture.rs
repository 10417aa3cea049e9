use leptos::prelude::*;

/// The assistant's picture (from `data-avatar` or the history), hidden rather than shown as a
/// broken image when it cannot be loaded: a wrong address, a server down, a host's CSP. What
/// takes its place then is the `fallback`, if any.
#[component]
pub fn AssistantPicture(
    src: String,
    class: &'static str,
    #[prop(optional, into)] fallback: ViewFn,
) -> impl IntoView {
    let failed = RwSignal::new(false);
    view! {
        <img class=class src=src alt="" hidden=move || failed.get() on:error=move |_| failed.set(true)/>
        {move || failed.get().then(|| fallback.run())}
    }
}
