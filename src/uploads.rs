//! Files a visitor attaches: what the site allows (`data-attachments`,
//! `data-attachment-types`, `data-attachment-max-mb`), the checks made before a byte is sent,
//! and how an upload's failure is said to the visitor. Pure logic; the browser glue is in
//! [`crate::attaching`] and [`crate::api::upload_file`].

use serde::Deserialize;

use crate::errors::ApiError;
use crate::file_kinds::accepted_kinds;
use crate::texts::{fill, Texts};

/// What the composer lets a visitor attach.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AttachmentMode {
    /// Nothing (the default: the bot behind the widget must be able to read files).
    #[default]
    Off,
    /// Pictures only: screenshots, photos.
    Images,
    /// Pictures and documents.
    Files,
}

/// The attachment settings of one widget.
#[derive(Debug, Clone, PartialEq)]
pub struct AttachmentSettings {
    pub mode: AttachmentMode,
    /// Allowed types: MIME types (`image/png`), families (`image/*`) or extensions (`.pdf`),
    /// lower case.
    pub types: Vec<String>,
    pub max_bytes: u64,
}

/// The types `chat-bubble-server` stores (it sniffs the bytes and refuses anything else).
pub const IMAGE_TYPES: [&str; 4] = ["image/png", "image/jpeg", "image/gif", "image/webp"];
pub const DOCUMENT_TYPES: [&str; 5] = [
    "application/pdf",
    "text/plain",
    "video/mp4",
    "audio/mpeg",
    "audio/mp4",
];
/// The server's default limit, in megabytes.
pub const DEFAULT_MAX_MB: u32 = 10;
/// Files one message may carry (the server forwards at most 10).
pub const MAX_FILES: usize = 5;

/// Extensions browsers may leave without a MIME type (`File.type` is then empty).
const EXTENSION_TYPES: [(&str, &str); 10] = [
    ("png", "image/png"),
    ("jpg", "image/jpeg"),
    ("jpeg", "image/jpeg"),
    ("gif", "image/gif"),
    ("webp", "image/webp"),
    ("pdf", "application/pdf"),
    ("txt", "text/plain"),
    ("mp4", "video/mp4"),
    ("mp3", "audio/mpeg"),
    ("m4a", "audio/mp4"),
];

/// Other names browsers give these types (an M4A is `audio/x-m4a` in Chrome and Safari), as
/// the allow-list names them.
const TYPE_ALIASES: [(&str, &str); 3] = [
    ("audio/x-m4a", "audio/mp4"),
    ("audio/m4a", "audio/mp4"),
    ("audio/mp3", "audio/mpeg"),
];

impl Default for AttachmentSettings {
    fn default() -> Self {
        AttachmentSettings {
            mode: AttachmentMode::Off,
            types: Vec::new(),
            max_bytes: u64::from(DEFAULT_MAX_MB) * 1024 * 1024,
        }
    }
}

/// Why a file is not taken before it is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    TooLarge,
    WrongType,
    TooMany,
    /// Nothing in it: a backend has nothing to read, and the server refuses it.
    Empty,
}

impl AttachmentSettings {
    pub fn enabled(&self) -> bool {
        self.mode != AttachmentMode::Off
    }

    /// The default allow-list of a mode.
    pub fn default_types(mode: AttachmentMode) -> Vec<String> {
        let documents: &[&str] = match mode {
            AttachmentMode::Files => &DOCUMENT_TYPES,
            _ => &[],
        };
        IMAGE_TYPES
            .iter()
            .chain(documents)
            .map(|t| t.to_string())
            .collect()
    }

    /// The file input's `accept`: the allow-list itself, so that the picker offers only what
    /// can be sent (a phone still offers its camera for a list of picture types, and a phone
    /// that takes photos in a kind not on the list gives them in one that is).
    pub fn accept(&self) -> String {
        self.types.join(",")
    }

    /// Whether a file of MIME type `mime` (possibly empty) named `name` is allowed.
    pub fn allows(&self, mime: &str, name: &str) -> bool {
        let name = name.to_ascii_lowercase();
        let mime = match mime.trim().to_ascii_lowercase() {
            m if !m.is_empty() => TYPE_ALIASES
                .iter()
                .find(|(alias, _)| *alias == m)
                .map_or(m, |(_, t)| t.to_string()),
            _ => {
                let ext = name.rsplit_once('.').map(|(_, e)| e).unwrap_or_default();
                EXTENSION_TYPES
                    .iter()
                    .find(|(e, _)| *e == ext)
                    .map(|(_, t)| t.to_string())
                    .unwrap_or_default()
            }
        };
        self.types.iter().any(|allowed| {
            if let Some(ext) = allowed.strip_prefix('.') {
                name.ends_with(&format!(".{ext}"))
            } else if let Some(family) = allowed.strip_suffix("/*") {
                mime.split_once('/').is_some_and(|(f, _)| f == family)
            } else {
                mime == *allowed
            }
        })
    }

    /// The checks made before uploading a file, `already` being the files chosen so far.
    pub fn check(&self, mime: &str, name: &str, size: u64, already: usize) -> Result<(), Refusal> {
        if already >= MAX_FILES {
            Err(Refusal::TooMany)
        } else if !self.allows(mime, name) {
            Err(Refusal::WrongType)
        } else if size == 0 {
            Err(Refusal::Empty)
        } else if size > self.max_bytes {
            Err(Refusal::TooLarge)
        } else {
            Ok(())
        }
    }

    /// The visitor's words for a refusal of the file `name`.
    pub fn refusal_message(&self, refusal: Refusal, name: &str, t: &Texts) -> String {
        match refusal {
            Refusal::TooLarge => format!(
                "{} {}",
                fill(t.file_too_large, name),
                fill(t.size_limit, readable_size(self.max_bytes))
            ),
            Refusal::WrongType => format!(
                "{} {}",
                fill(t.file_wrong_type, name),
                fill(t.accepted_kinds, accepted_kinds(&self.types, t))
            ),
            Refusal::TooMany => fill(t.too_many_files, MAX_FILES),
            Refusal::Empty => fill(t.file_empty, name),
        }
    }
}

/// A file's name as the widget shows and sends it: without direction marks, which would make
/// `invoice\u{202e}gnp.exe` read as `invoiceexe.png`, nor control characters, of which those
/// that part words (a newline, a tab) become spaces. The server cleans the name it stores the
/// same way.
pub fn clean_name(raw: &str) -> String {
    raw.chars()
        .filter(|&c| !is_direction_mark(c) && (!c.is_control() || c.is_whitespace()))
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn is_direction_mark(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `1.5 MB`, `48 KB`: sizes as a visitor reads them (powers of 1024, as file managers and the
/// server count).
pub fn readable_size(bytes: u64) -> String {
    const KB: u64 = 1024;
    const MB: u64 = KB * KB;
    let kilobytes = bytes.div_ceil(KB);
    if bytes < KB {
        format!("{bytes} B")
    } else if kilobytes < KB {
        format!("{kilobytes} KB")
    } else {
        let tenths = (bytes * 10 + MB / 2) / MB;
        match tenths % 10 {
            0 => format!("{} MB", tenths / 10),
            t => format!("{}.{t} MB", tenths / 10),
        }
    }
}

/// The answer of `POST uploads/`: what goes into `message.attachments`.
#[derive(Debug, Clone, Deserialize)]
pub struct UploadedFile {
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    pub filename: String,
    #[serde(default)]
    pub file: String,
    #[serde(default)]
    pub size: Option<u64>,
}

/// The body of a refused upload: `{"detail", "code"}`, and the server's size limit with
/// `too_large`.
#[derive(Debug, Default, Deserialize)]
struct RefusalBody {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    max_bytes: Option<u64>,
}

/// Why an upload failed, as the visitor is told.
#[derive(Debug, Clone, PartialEq)]
pub enum UploadError {
    /// Over the server's limit, when it says what that is.
    TooLarge(Option<u64>),
    WrongType,
    Quota,
    StorageDown,
    /// The request failed in a way any call can (network, rate limit, the server's own words).
    Api(ApiError),
}

impl UploadError {
    /// Sorts an error answer by the `code` `chat-bubble-server` gives; any other server's answer
    /// falls back to its status.
    pub fn from_status(status: u16, body: &str, retry_after: Option<&str>) -> UploadError {
        let refusal = serde_json::from_str::<RefusalBody>(body).unwrap_or_default();
        let code = refusal.code.unwrap_or_default();
        match (status, code.as_str()) {
            (413, _) | (_, "too_large") => UploadError::TooLarge(refusal.max_bytes),
            (415, _) | (_, "wrong_type") => UploadError::WrongType,
            (_, "quota") => UploadError::Quota,
            (503, "storage") => UploadError::StorageDown,
            _ => UploadError::Api(ApiError::from_status(status, body, retry_after)),
        }
    }

    /// One sentence for the visitor about the file `name`.
    pub fn message(&self, name: &str, settings: &AttachmentSettings, t: &Texts) -> String {
        match self {
            // The server's limit may be lower than the widget's: only the server's own figure
            // is given.
            UploadError::TooLarge(Some(max)) => format!(
                "{} {}",
                fill(t.file_too_large, name),
                fill(t.size_limit, readable_size(*max))
            ),
            UploadError::TooLarge(None) => fill(t.file_too_large, name),
            UploadError::WrongType => settings.refusal_message(Refusal::WrongType, name, t),
            UploadError::Quota => t.upload_quota.to_owned(),
            UploadError::StorageDown => t.storage_down.to_owned(),
            UploadError::Api(error) => {
                format!("{} {}", fill(t.upload_failed, name), error.user_message(t))
            }
        }
    }
}

impl UploadError {
    /// Whether trying the same file again may go otherwise: not when the server refused the
    /// file itself (its size, its kind) or the visitor's quota, which Retry would only meet
    /// again.
    pub fn can_retry(&self) -> bool {
        !matches!(
            self,
            UploadError::TooLarge(_) | UploadError::WrongType | UploadError::Quota
        )
    }
}

/// The longest extension kept in sight when a name is cut short.
const SHOWN_EXTENSION_CHARS: usize = 10;

/// `name` as its start and its extension (`.pdf`, with its dot), or whole and an empty
/// extension when it has none worth keeping in sight: a chip too narrow for a long name cuts
/// its start short and still shows what kind of file it is, and two names that differ only at
/// their ends stay apart.
pub fn start_and_extension(name: &str) -> (&str, &str) {
    match name.rfind('.') {
        Some(at)
            if at > 0
                && name[at..].chars().count() <= SHOWN_EXTENSION_CHARS + 1
                && !name[at..].contains(char::is_whitespace) =>
        {
            name.split_at(at)
        }
        _ => (name, ""),
    }
}

/// `name`, or, when `taken` says a chip already goes by it, `name (2)`, `name (3)`… before its
/// extension: two screenshots pasted one after the other are both `image.png` to the browser,
/// and the visitor, the Remove buttons and the assistant must tell them apart.
pub fn distinct_name(name: &str, taken: impl Fn(&str) -> bool) -> String {
    if !taken(name) {
        return name.to_owned();
    }
    let (stem, ext) = match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => (stem, format!(".{ext}")),
        _ => (name, String::new()),
    };
    // The chips are few: a free number comes within as many tries as there are chips.
    (2..)
        .map(|n| format!("{stem} ({n}){ext}"))
        .find(|candidate| !taken(candidate))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::texts::EN;

    #[test]
    fn a_name_keeps_its_extension_in_sight() {
        assert_eq!(
            start_and_extension("quarterly-report-final-version-2024.pdf"),
            ("quarterly-report-final-version-2024", ".pdf")
        );
        assert_eq!(start_and_extension("a.tar.gz"), ("a.tar", ".gz"));
        assert_eq!(start_and_extension("README"), ("README", ""));
        assert_eq!(start_and_extension(".bashrc"), (".bashrc", ""));
        assert_eq!(start_and_extension("v1.2 notes"), ("v1.2 notes", ""));
        assert_eq!(
            start_and_extension("x.averyveryverylongtail"),
            ("x.averyveryverylongtail", "")
        );
        assert_eq!(
            start_and_extension("報價單（最終版）.docx"),
            ("報價單（最終版）", ".docx")
        );
    }

    fn settings(mode: AttachmentMode) -> AttachmentSettings {
        AttachmentSettings {
            mode,
            types: AttachmentSettings::default_types(mode),
            max_bytes: 1024 * 1024,
        }
    }

    #[test]
    fn types_are_matched_by_mime_family_and_extension() {
        let images = settings(AttachmentMode::Images);
        assert!(images.allows("image/png", "a.png"));
        assert!(images.allows("", "Shot.PNG"), "no MIME type: the extension");
        assert!(!images.allows("application/pdf", "a.pdf"));
        assert!(!images.allows("text/html", "a.png"));
        assert_eq!(images.accept(), "image/png,image/jpeg,image/gif,image/webp");
        let files = settings(AttachmentMode::Files);
        assert!(files.allows("application/pdf", "a.pdf"));
        assert!(files.accept().contains("application/pdf"));
        // An M4A by each name browsers give it, and by its extension alone.
        for mime in ["audio/mp4", "audio/x-m4a", "audio/m4a", ""] {
            assert!(files.allows(mime, "voice.m4a"), "{mime:?}");
        }
        assert!(files.allows("audio/mp3", "song.mp3"));
        assert!(!images.allows("audio/x-m4a", "voice.m4a"));
        let custom = AttachmentSettings {
            types: vec!["image/*".into(), ".csv".into()],
            ..files
        };
        assert!(custom.allows("image/bmp", "x.bmp"));
        assert!(custom.allows("text/csv", "data.CSV"));
        assert!(!custom.allows("text/plain", "a.txt"));
    }

    #[test]
    fn names_lose_direction_marks_and_controls_and_keep_their_words_apart() {
        assert_eq!(clean_name("invoice\u{202e}gnp.exe"), "invoicegnp.exe");
        assert_eq!(clean_name("\u{2067}a\u{2069}\u{200f}.png"), "a.png");
        assert_eq!(clean_name("report\n2024\t.png"), "report 2024 .png");
        assert_eq!(clean_name("a\u{0}b\u{7f}.txt"), "ab.txt");
        assert_eq!(clean_name("שלום 照片.jpg"), "שלום 照片.jpg");
    }

    #[test]
    fn checks_before_sending_say_what_is_wrong() {
        let s = settings(AttachmentMode::Images);
        assert_eq!(s.check("image/png", "a.png", 1024, 0), Ok(()));
        assert_eq!(
            s.check("image/png", "a.png", 2 * 1024 * 1024, 0),
            Err(Refusal::TooLarge)
        );
        assert_eq!(
            s.check("application/zip", "a.zip", 1, 0),
            Err(Refusal::WrongType)
        );
        assert_eq!(
            s.check("image/png", "a.png", 1, MAX_FILES),
            Err(Refusal::TooMany)
        );
        assert_eq!(s.check("image/png", "a.png", 0, 0), Err(Refusal::Empty));
        assert_eq!(
            s.refusal_message(Refusal::Empty, "blank.png", &EN),
            "blank.png is empty."
        );
        assert_eq!(
            s.refusal_message(Refusal::TooLarge, "big.png", &EN),
            "big.png is too large. Files can be up to 1 MB."
        );
        assert_eq!(
            s.refusal_message(Refusal::WrongType, "a.zip", &EN),
            "a.zip can't be sent: this kind of file isn't accepted here. You can send PNG, JPEG, GIF, WebP."
        );
    }

    #[test]
    fn server_refusals_are_sorted_by_their_code() {
        let e = |status, body: &str| UploadError::from_status(status, body, None);
        assert_eq!(e(413, ""), UploadError::TooLarge(None));
        assert_eq!(
            e(413, r#"{"code":"too_large","max_bytes":20000}"#),
            UploadError::TooLarge(Some(20000))
        );
        assert_eq!(e(415, r#"{"code":"damaged"}"#), UploadError::WrongType);
        assert_eq!(e(429, r#"{"code":"quota"}"#), UploadError::Quota);
        assert_eq!(e(503, r#"{"code":"storage"}"#), UploadError::StorageDown);
        assert!(matches!(e(429, r#"{"code":"rate"}"#), UploadError::Api(_)));
        let s = settings(AttachmentMode::Files);
        assert_eq!(
            e(413, "").message("big.png", &s, &EN),
            "big.png is too large."
        );
        // The server's own limit, when it gives it: lower than the widget's 1 MB here.
        assert_eq!(
            e(413, r#"{"code":"too_large","max_bytes":20000}"#).message("big.png", &s, &EN),
            "big.png is too large. Files can be up to 20 KB."
        );
        // Only what may go otherwise is offered again.
        assert!(!e(413, "").can_retry());
        assert!(!e(415, "").can_retry());
        assert!(!e(429, r#"{"code":"quota"}"#).can_retry());
        assert!(e(503, r#"{"code":"storage"}"#).can_retry());
        assert!(e(500, "").can_retry());
        assert!(e(429, r#"{"code":"rate"}"#).can_retry());
        let refused = e(
            400,
            r#"{"detail":"This assistant reads text only.","code":"not_accepted"}"#,
        );
        assert_eq!(
            refused.message("a.png", &s, &EN),
            "Couldn't upload a.png. The message was not accepted: This assistant reads text only."
        );
    }

    #[test]
    fn a_name_already_on_a_chip_gets_a_number_before_its_extension() {
        let chips = ["image.png", "image (2).png", "notes", ".env"];
        let taken = |n: &str| chips.contains(&n);
        assert_eq!(distinct_name("photo.png", taken), "photo.png");
        assert_eq!(distinct_name("image.png", taken), "image (3).png");
        assert_eq!(distinct_name("notes", taken), "notes (2)");
        assert_eq!(distinct_name(".env", taken), ".env (2)");
        assert_eq!(
            distinct_name("a.tar.gz", |n| n == "a.tar.gz"),
            "a.tar (2).gz"
        );
    }

    #[test]
    fn sizes_read_as_a_visitor_expects() {
        assert_eq!(readable_size(48 * 1024), "48 KB");
        assert_eq!(readable_size(1_572_864), "1.5 MB");
        assert_eq!(readable_size(10 * 1024 * 1024), "10 MB");
        // A small file says its bytes, not "1 KB"; one just short of a megabyte says "1 MB".
        assert_eq!(readable_size(0), "0 B");
        assert_eq!(readable_size(612), "612 B");
        assert_eq!(readable_size(1024), "1 KB");
        assert_eq!(readable_size(1025), "2 KB");
        assert_eq!(readable_size(1024 * 1024 - 1), "1 MB");
    }
}
