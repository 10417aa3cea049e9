//! The documents a reply drew on, folded into a compact "Sources (N)" disclosure.

use web_sys::{Document, Element};

use crate::dom::{append_element, append_text, element, external_link};
use crate::markdown::safe_url;
use crate::models::Source;
use crate::texts::{fill, Texts};

/// `<details class="cb-sources">` listing `sources`.
pub fn sources_element(document: &Document, sources: &[Source], t: &Texts) -> Element {
    let details = element(document, "details", "cb-sources");
    let summary = append_element(&details, "summary", "");
    append_text(&summary, &fill(t.sources, sources.len()));
    let list = append_element(&details, "ol", "");
    for source in sources {
        let item = append_element(&list, "li", "");
        let title = if source.title.is_empty() {
            t.source
        } else {
            &source.title
        };
        let title_holder = match source.url.as_deref().and_then(|u| safe_url(u, false)) {
            Some(href) => external_link(&item, "", &href),
            None => append_element(&item, "span", ""),
        };
        append_text(&title_holder, title);
        if let Some(page) = &source.page {
            let span = append_element(&item, "span", "cb-source-page");
            append_text(&span, &fill(t.page, page));
        }
        if let Some(excerpt) = &source.excerpt {
            let quote = append_element(&item, "blockquote", "cb-source-excerpt");
            append_text(&quote, excerpt);
        }
    }
    details
}
