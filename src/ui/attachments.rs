use leptos::prelude::*;

use super::picture::Picture;
use crate::chat::ChatState;
use crate::markdown::safe_url;
use crate::models::Attachment;
use crate::uploads::readable_size;

/// Files sent with a message: images first, as thumbnails in a row that open full size, then
/// other files, a link a line with their name and, when known, size. A file whose URL is not
/// http(s) shows its name only.
#[component]
pub fn Attachments(attachments: Vec<Attachment>) -> impl IntoView {
    let state = expect_context::<ChatState>();
    let t = state.config.with_value(|c| c.texts);
    let entries = in_shown_order(attachments, t.file)
        .into_iter()
        .map(|entry| match entry {
            Shown::Picture { href, name } => view! { <Picture href name/> }.into_any(),
            Shown::Link { href, name, size } => {
                let size = size.map(|bytes| {
                    view! { <span class="cb-attachment-size">{readable_size(bytes)}</span> }
                });
                view! {
                    <a class="cb-attachment cb-file" href=href target="_blank" rel="noopener noreferrer">
                        {name}
                        {size}
                    </a>
                }
                .into_any()
            }
            Shown::Name(name) => view! { <span class="cb-attachment cb-file">{name}</span> }.into_any(),
        })
        .collect_view();
    view! { <div class="cb-attachments">{entries}</div> }
}

/// How one attachment shows.
#[derive(Debug, PartialEq)]
enum Shown {
    Picture {
        href: String,
        name: String,
    },
    Link {
        href: String,
        name: String,
        size: Option<u64>,
    },
    /// Its URL is not one to open.
    Name(String),
}

/// The attachments as they show, pictures first: thumbnails side by side above the files'
/// lines, however the visitor chose them. Each kind keeps its order.
fn in_shown_order(attachments: Vec<Attachment>, unnamed: &str) -> Vec<Shown> {
    let (mut pictures, others): (Vec<Shown>, Vec<Shown>) = attachments
        .into_iter()
        .map(|a| {
            let picture = a.is_picture();
            let name = if a.filename.is_empty() {
                unnamed.to_owned()
            } else {
                a.filename
            };
            match safe_url(&a.file, false) {
                Some(href) if picture => Shown::Picture { href, name },
                Some(href) => Shown::Link {
                    href,
                    name,
                    size: a.size,
                },
                None => Shown::Name(name),
            }
        })
        .partition(|shown| matches!(shown, Shown::Picture { .. }));
    pictures.extend(others);
    pictures
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attachment(kind: &str, filename: &str, file: &str) -> Attachment {
        Attachment {
            kind: kind.into(),
            filename: filename.into(),
            file: file.into(),
            ..Attachment::default()
        }
    }

    #[test]
    fn pictures_come_first_and_each_kind_keeps_its_order() {
        let sent = vec![
            attachment("other", "a.pdf", "https://x/a.pdf"),
            attachment("image", "b.png", "https://x/b.png"),
            attachment("other", "c.txt", "javascript:alert(1)"),
            attachment("image", "", "https://x/d.png"),
        ];
        let names: Vec<String> = in_shown_order(sent, "File")
            .into_iter()
            .map(|shown| match shown {
                Shown::Picture { name, .. } => format!("picture {name}"),
                Shown::Link { name, .. } => format!("link {name}"),
                Shown::Name(name) => format!("name {name}"),
            })
            .collect();
        assert_eq!(
            names,
            ["picture b.png", "picture File", "link a.pdf", "name c.txt"]
        );
    }
}
