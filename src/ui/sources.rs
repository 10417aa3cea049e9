use leptos::prelude::*;

use crate::markdown::safe_url;
use crate::models::Source;

/// The documents a reply drew on, folded into a compact "Sources (N)" disclosure.
#[component]
pub fn Sources(sources: Vec<Source>) -> impl IntoView {
    let count = sources.len();
    let items = sources
        .into_iter()
        .map(|source| {
            let title = if source.title.is_empty() {
                "Source".to_owned()
            } else {
                source.title
            };
            let title_view = match source.url.as_deref().and_then(|u| safe_url(u, false)) {
                Some(href) => view! {
                    <a href=href target="_blank" rel="noopener noreferrer">{title}</a>
                }
                .into_any(),
                None => view! { <span>{title}</span> }.into_any(),
            };
            let page = source
                .page
                .map(|p| view! { <span class="cb-source-page">{format!(" · p. {p}")}</span> });
            let excerpt = source
                .excerpt
                .map(|e| view! { <blockquote class="cb-source-excerpt">{e}</blockquote> });
            view! { <li>{title_view} {page} {excerpt}</li> }
        })
        .collect_view();
    view! {
        <details class="cb-sources">
            <summary>{format!("Sources ({count})")}</summary>
            <ol>{items}</ol>
        </details>
    }
}
