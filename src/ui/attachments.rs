//! Files sent with a message: images as thumbnails, other files as links. A file whose URL is
//! not http(s) shows its name only.

use web_sys::Element;

use crate::dom::{append_element, append_text, external_link, set};
use crate::markdown::safe_url;
use crate::models::Attachment;
use crate::texts::Texts;

/// Appends `<div class="cb-attachments">` with one entry per file to `parent`.
pub fn append_attachments(parent: &Element, attachments: &[Attachment], t: &Texts) {
    let holder = append_element(parent, "div", "cb-attachments");
    for a in attachments {
        let name = if a.filename.is_empty() {
            t.file
        } else {
            &a.filename
        };
        match safe_url(&a.file, false) {
            Some(href) if is_image(&a.kind, name) => {
                let link = external_link(&holder, "cb-attachment", &href);
                let image = append_element(&link, "img", "cb-thumb");
                set(&image, "src", &href);
                set(&image, "alt", name);
                set(&image, "title", name);
            }
            Some(href) => append_text(&external_link(&holder, "cb-attachment", &href), name),
            None => append_text(&append_element(&holder, "span", "cb-attachment"), name),
        }
    }
}

fn is_image(kind: &str, name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    kind.to_ascii_lowercase().contains("image")
        || [".png", ".jpg", ".jpeg", ".gif", ".webp"]
            .iter()
            .any(|ext| name.ends_with(ext))
}
