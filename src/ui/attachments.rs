use leptos::prelude::*;

use crate::chat::ChatState;
use crate::markdown::safe_url;
use crate::models::Attachment;
use crate::uploads::readable_size;

/// Files sent with a message: images as thumbnails that open full size, other files as links
/// with their name and, when known, size. A file whose URL is
/// not http(s) shows its name only.
#[component]
pub fn Attachments(attachments: Vec<Attachment>) -> impl IntoView {
    let state = expect_context::<ChatState>();
    let t = state.config.with_value(|c| c.texts);
    let entries = attachments
        .into_iter()
        .map(|a| {
            let name = if a.filename.is_empty() {
                t.file.to_owned()
            } else {
                a.filename.clone()
            };
            match safe_url(&a.file, false) {
                Some(href) if is_image(&a.kind, &name) => {
                    let thumbnail = href.clone();
                    view! {
                        <a class="cb-attachment" href=href target="_blank" rel="noopener noreferrer">
                            <img class="cb-thumb" src=thumbnail alt=name.clone() title=name/>
                        </a>
                    }
                    .into_any()
                }
                Some(href) => {
                    let size = a.size.map(|bytes| {
                        view! { <span class="cb-attachment-size">{readable_size(bytes)}</span> }
                    });
                    view! {
                        <a class="cb-attachment" href=href target="_blank" rel="noopener noreferrer">
                            {name}
                            {size}
                        </a>
                    }
                    .into_any()
                }
                None => view! { <span class="cb-attachment">{name}</span> }.into_any(),
            }
        })
        .collect_view();
    view! { <div class="cb-attachments">{entries}</div> }
}

/// Whether a file shows as a picture: as its `type` says when it has one (the server sniffed
/// it from the bytes, whatever the file was called; MaiAgent's `image` and `sticker` are
/// pictures), by its name's extension only when it has none (a history that gives no type).
fn is_image(kind: &str, name: &str) -> bool {
    if !kind.trim().is_empty() {
        let kind = kind.to_ascii_lowercase();
        return kind.contains("image") || kind.contains("sticker");
    }
    let name = name.to_ascii_lowercase();
    [".png", ".jpg", ".jpeg", ".gif", ".webp"]
        .iter()
        .any(|ext| name.ends_with(ext))
}

#[cfg(test)]
mod tests {
    use super::is_image;

    #[test]
    fn the_type_decides_over_the_name_and_the_name_only_without_one() {
        assert!(is_image("image", "screenshot.png"));
        assert!(is_image("Image", "photo"));
        assert!(is_image("sticker", "wave"));
        // Text named .png: the server sniffed it as a file, not a picture.
        assert!(!is_image("other", "fake.png"));
        assert!(is_image("", "photo.JPG"));
        assert!(!is_image("", "notes.txt"));
    }
}
