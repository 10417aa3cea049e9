//! The attachment settings of the script tag: whether visitors may attach files, which kinds,
//! and how large.

use super::ConfigProblem;
use crate::uploads::{AttachmentMode, AttachmentSettings, DEFAULT_MAX_MB};

const ATTACHMENT_MB_RANGE: std::ops::RangeInclusive<u32> = 1..=100;
const MAX_ATTACHMENT_TYPES: usize = 20;

/// `data-attachments` (off, images, files), `data-attachment-types` (comma-separated MIME types,
/// `type/*` families or `.ext` extensions) and `data-attachment-max-mb`.
pub(super) fn settings<'a>(
    get: impl Fn(&str) -> Option<&'a str>,
    problems: &mut Vec<ConfigProblem>,
) -> AttachmentSettings {
    let mode = match get("data-attachments")
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        None | Some("") | Some("off") => AttachmentMode::Off,
        Some("images") => AttachmentMode::Images,
        Some("files") => AttachmentMode::Files,
        Some(_) => {
            problems.push(ConfigProblem {
                attribute: "data-attachments",
                message: "must be off, images or files; using off".into(),
            });
            AttachmentMode::Off
        }
    };
    let mut types = Vec::new();
    if let Some(list) = get("data-attachment-types").filter(|v| !v.is_empty()) {
        for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let entry = entry.to_ascii_lowercase();
            if !is_type_pattern(&entry) {
                problems.push(ConfigProblem {
                    attribute: "data-attachment-types",
                    message: format!(
                        "{entry:?} is not a MIME type (image/png), a family (image/*) or an \
                         extension (.pdf); left out"
                    ),
                });
            } else if mode == AttachmentMode::Images
                && !(entry.starts_with("image/") || is_image_extension(&entry))
            {
                problems.push(ConfigProblem {
                    attribute: "data-attachment-types",
                    message: format!(
                        "{entry:?} is not an image type, and data-attachments is images; left out"
                    ),
                });
            } else if types.len() < MAX_ATTACHMENT_TYPES && !types.contains(&entry) {
                types.push(entry);
            }
        }
        if types.is_empty() {
            problems.push(ConfigProblem {
                attribute: "data-attachment-types",
                message: "has no usable type; using the defaults".into(),
            });
        }
    }
    if types.is_empty() {
        types = AttachmentSettings::default_types(mode);
    }
    let max_mb = match get("data-attachment-max-mb") {
        None | Some("") => DEFAULT_MAX_MB,
        Some(v) => match v.parse::<u32>() {
            Ok(mb) if ATTACHMENT_MB_RANGE.contains(&mb) => mb,
            _ => {
                problems.push(ConfigProblem {
                    attribute: "data-attachment-max-mb",
                    message: format!(
                        "must be whole megabytes from {} to {}; using {DEFAULT_MAX_MB}",
                        ATTACHMENT_MB_RANGE.start(),
                        ATTACHMENT_MB_RANGE.end()
                    ),
                });
                DEFAULT_MAX_MB
            }
        },
    };
    AttachmentSettings {
        mode,
        types,
        max_bytes: u64::from(max_mb) * 1024 * 1024,
    }
}

/// `type/subtype`, `type/*` or `.ext`, in the characters MIME types and extensions use.
fn is_type_pattern(entry: &str) -> bool {
    let word = |w: &str| {
        !w.is_empty()
            && w.len() <= 64
            && w.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'+' | b'-'))
    };
    match entry.strip_prefix('.') {
        Some(ext) => word(ext) && !ext.contains('.'),
        None => match entry.split_once('/') {
            Some((family, "*")) => word(family),
            Some((family, sub)) => word(family) && word(sub),
            None => false,
        },
    }
}

fn is_image_extension(entry: &str) -> bool {
    matches!(
        entry,
        ".png" | ".jpg" | ".jpeg" | ".gif" | ".webp" | ".avif" | ".heic"
    )
}

#[cfg(test)]
mod tests {
    use super::super::tests::{attrs, BASE};
    use super::super::Config;
    use super::*;

    #[test]
    fn attachments_are_off_by_default_and_validated() {
        let read = |pairs: &[(&str, &str)]| {
            let mut all = vec![("data-web-chat-id", "w"), ("data-chatbot-id", "b")];
            all.extend_from_slice(pairs);
            let (config, problems) = Config::from_attributes(&attrs(&all), BASE);
            (config.unwrap().attachments, problems)
        };
        let (off, problems) = read(&[]);
        assert!(!off.enabled() && problems.is_empty());

        let (images, problems) = read(&[("data-attachments", "images")]);
        assert_eq!(images.mode, AttachmentMode::Images);
        assert!(images.allows("image/png", "a.png") && !images.allows("application/pdf", "a.pdf"));
        assert_eq!(images.max_bytes, 10 * 1024 * 1024);
        assert!(problems.is_empty());

        let (files, problems) = read(&[
            ("data-attachments", "FILES"),
            (
                "data-attachment-types",
                "image/*, .PDF, text/<b>, application/",
            ),
            ("data-attachment-max-mb", "2"),
        ]);
        assert_eq!(files.types, ["image/*", ".pdf"]);
        assert_eq!(files.max_bytes, 2 * 1024 * 1024);
        let named: Vec<_> = problems.iter().map(|p| p.attribute).collect();
        assert_eq!(named, ["data-attachment-types", "data-attachment-types"]);

        let (images, problems) = read(&[
            ("data-attachments", "images"),
            ("data-attachment-types", "application/pdf"),
            ("data-attachment-max-mb", "2.5"),
        ]);
        assert_eq!(
            images.types,
            AttachmentSettings::default_types(AttachmentMode::Images)
        );
        assert_eq!(images.max_bytes, 10 * 1024 * 1024);
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems
            .iter()
            .any(|p| p.message.contains("not an image type")));

        let (off, problems) = read(&[
            ("data-attachments", "yes"),
            ("data-attachment-max-mb", "500"),
        ]);
        assert!(!off.enabled());
        let named: Vec<_> = problems.iter().map(|p| p.attribute).collect();
        assert_eq!(named, ["data-attachments", "data-attachment-max-mb"]);
    }
}
