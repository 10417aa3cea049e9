use leptos::prelude::*;

use crate::chat::ChatState;
use crate::markdown::safe_url;
use crate::models::Source;
use crate::texts::fill;

/// The documents a reply drew on, folded into a compact "Sources (N)" disclosure.
#[component]
pub fn Sources(sources: Vec<Source>) -> impl IntoView {
    let state = expect_context::<ChatState>();
    let t = state.config.with_value(|c| c.texts);
    let summary = fill(t.sources, sources.len());
    let items = sources
        .into_iter()
        .map(|source| {
            let title = if source.title.is_empty() {
                t.source.to_owned()
            } else {
                source.title
            };
            let title = match source.url.as_deref().and_then(|u| safe_url(u, false)) {
                Some(href) => view! {
                    <a href=href target="_blank" rel="noopener noreferrer">{title}</a>
                }
                .into_any(),
                None => view! { <span>{title}</span> }.into_any(),
            };
            view! {
                <li>
                    {title}
                    {source.page.map(|page| view! {
                        <span class="cb-source-page">{fill(t.page, page)}</span>
                    })}
                    {source.excerpt.map(|excerpt| view! {
                        <blockquote class="cb-source-excerpt">{excerpt}</blockquote>
                    })}
                </li>
            }
        })
        .collect_view();
    view! {
        <details class="cb-sources">
            <summary>{summary}</summary>
            <ol>{items}</ol>
        </details>
    }
}
