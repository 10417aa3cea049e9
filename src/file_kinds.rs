//! The names visitors know kinds of files by (PNG, PDF), to say what a site takes when a file
//! is refused for its kind: "this kind isn't accepted" alone leaves the visitor guessing.

use crate::texts::Texts;

/// MIME types by the names file managers give them.
const KNOWN: [(&str, &str); 9] = [
    ("image/png", "PNG"),
    ("image/jpeg", "JPEG"),
    ("image/gif", "GIF"),
    ("image/webp", "WebP"),
    ("application/pdf", "PDF"),
    ("text/plain", "TXT"),
    ("video/mp4", "MP4"),
    ("audio/mpeg", "MP3"),
    ("audio/mp4", "M4A"),
];

/// The name of one entry of the allow-list (`image/png`, `image/*`, `.pdf`).
fn kind_name(allowed: &str, t: &Texts) -> String {
    if let Some(ext) = allowed.strip_prefix('.') {
        return ext.to_ascii_uppercase();
    }
    if let Some((_, name)) = KNOWN.iter().find(|(mime, _)| *mime == allowed) {
        return (*name).to_owned();
    }
    match allowed.split_once('/') {
        Some(("image", "*")) => t.any_image.to_owned(),
        Some((family, "*")) => format!("{family}/*"),
        // `text/csv` is a CSV; `application/vnd.ms-excel` an EXCEL: the subtype's last word.
        Some((_, subtype)) => subtype
            .rsplit(['.', '-', '+'])
            .next()
            .unwrap_or(subtype)
            .to_ascii_uppercase(),
        None => allowed.to_owned(),
    }
}

/// The kinds of the allow-list `types`, once each, in its order: "PNG, JPEG, GIF, WebP"
/// ("PNG、JPEG、GIF、WebP" in Chinese).
pub fn accepted_kinds(types: &[String], t: &Texts) -> String {
    let mut names: Vec<String> = Vec::new();
    for allowed in types {
        let name = kind_name(allowed, t);
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names.join(t.list_separator)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::texts::{EN, ZH_TW};

    fn kinds(types: &[&str]) -> String {
        let types: Vec<String> = types.iter().map(|t| t.to_string()).collect();
        accepted_kinds(&types, &EN)
    }

    #[test]
    fn known_types_go_by_their_usual_names() {
        assert_eq!(
            kinds(&["image/png", "image/jpeg", "image/gif", "image/webp"]),
            "PNG, JPEG, GIF, WebP"
        );
        assert_eq!(kinds(&["application/pdf", "audio/mp4"]), "PDF, M4A");
    }

    #[test]
    fn extensions_families_and_other_types_are_named_too() {
        assert_eq!(kinds(&[".pdf", ".Docx"]), "PDF, DOCX");
        assert_eq!(kinds(&["image/*", "video/*"]), "any image, video/*");
        assert_eq!(
            kinds(&["text/csv", "application/vnd.ms-excel"]),
            "CSV, EXCEL"
        );
        let types = ["image/*".to_string()];
        assert_eq!(accepted_kinds(&types, &ZH_TW), "任何圖片");
        let types = ["image/png".to_string(), "application/pdf".to_string()];
        assert_eq!(accepted_kinds(&types, &ZH_TW), "PNG、PDF", "a Chinese list");
    }

    #[test]
    fn each_kind_is_named_once() {
        assert_eq!(kinds(&["application/pdf", ".pdf", ".PDF"]), "PDF");
        assert_eq!(kinds(&[]), "");
    }
}
