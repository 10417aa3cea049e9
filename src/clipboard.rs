//! Copying text to the visitor's clipboard, and knowing whether it worked. The Clipboard API is
//! tried first; where a page may not use it (a site served over plain http has none, a frame the
//! host did not allow `clipboard-write` is refused it) the text is selected in a hidden text area
//! and copied with the browser's copy command, which both still allow after a click.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Document, FocusOptions, HtmlDocument, HtmlElement, HtmlTextAreaElement, ShadowRoot};

use crate::texts::Texts;

/// What a copy came to, said on the button that asked for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CopyOutcome {
    Copied,
    Failed,
}

impl CopyOutcome {
    /// The words a Copy button shows, and its name, for a moment after a copy.
    pub fn words(self, t: &Texts) -> &'static str {
        match self {
            CopyOutcome::Copied => t.copied,
            CopyOutcome::Failed => t.copy_failed,
        }
    }
}

/// Puts `text` on the clipboard for a press of `button`. Never throws: a refusal is an outcome.
pub async fn copy_text(text: &str, button: &HtmlElement) -> CopyOutcome {
    if write_with_clipboard_api(text).await || copy_by_selection(text, button) == Some(true) {
        CopyOutcome::Copied
    } else {
        CopyOutcome::Failed
    }
}

/// Whether the Clipboard API took `text`.
async fn write_with_clipboard_api(text: &str) -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let clipboard = window.navigator().clipboard();
    // `navigator.clipboard` is undefined outside secure contexts.
    if clipboard.is_undefined() {
        return false;
    }
    JsFuture::from(clipboard.write_text(text)).await.is_ok()
}

/// The older way: `text` in a text area, selected, and the browser's copy command. The area
/// goes in `button`'s shadow root (or document), where it can take focus and the selection;
/// focus goes back where it was. Whether the browser copied it.
fn copy_by_selection(text: &str, button: &HtmlElement) -> Option<bool> {
    let document = button.owner_document()?;
    let root = button.get_root_node();
    let area = document
        .create_element("textarea")
        .ok()?
        .dyn_into::<HtmlTextAreaElement>()
        .ok()?;
    area.set_class_name("cb-copy-source");
    area.set_value(text);
    // Read-only: a phone raises no keyboard for it.
    area.set_read_only(true);
    let _ = area.set_attribute("aria-hidden", "true");
    let _ = area.set_attribute("tabindex", "-1");
    let focused = match root.dyn_ref::<ShadowRoot>() {
        Some(shadow) => {
            shadow.append_child(&area).ok()?;
            shadow.active_element()
        }
        None => {
            document.body()?.append_child(&area).ok()?;
            document.active_element()
        }
    };
    let still = FocusOptions::new();
    still.set_prevent_scroll(true);
    let _ = area.focus_with_options(&still);
    area.select();
    // iOS selects nothing with `select()` alone.
    let _ = area.set_selection_range(0, area.text_length());
    let copied = execute_copy(&document);
    area.remove();
    if let Some(element) = focused.as_ref().and_then(|e| e.dyn_ref::<HtmlElement>()) {
        let _ = element.focus_with_options(&still);
    }
    Some(copied)
}

/// `document.execCommand("copy")`: whether the browser copied the selection.
fn execute_copy(document: &Document) -> bool {
    document
        .dyn_ref::<HtmlDocument>()
        .and_then(|d| d.exec_command("copy").ok())
        .unwrap_or(false)
}
