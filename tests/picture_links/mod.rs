//! What the widget's markdown adds that pulldown-cmark, the tests' oracle, does not.

/// `html` without the links from a picture to itself: the widget puts one around a picture (so
/// that it opens full size), which pulldown-cmark does not.
pub fn without_picture_links(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find("<a href=\"") {
        out.push_str(&rest[..at]);
        let link = &rest[at..];
        let href = &link["<a href=\"".len()..];
        let href = &href[..href.find('"').unwrap_or(0)];
        let opening = format!("<a href=\"{href}\">");
        let picture = format!("<img src=\"{href}\"");
        let unwrapped = link
            .strip_prefix(opening.as_str())
            .filter(|inner| inner.starts_with(picture.as_str()))
            .and_then(|inner| {
                let end = inner.find('>')? + 1;
                let after = inner[end..].strip_prefix("</a>")?;
                Some((&inner[..end], after))
            });
        match unwrapped {
            Some((img, after)) => {
                out.push_str(img);
                rest = after;
            }
            None => {
                out.push_str(&link[..1]);
                rest = &link[1..];
            }
        }
    }
    out.push_str(rest);
    out
}
