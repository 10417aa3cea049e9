//! The widget never dies silently: after a Rust panic the wasm instance cannot be trusted, so a
//! plain DOM message replaces each mounted widget and the panic is logged once. The host page
//! keeps working.

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Once;

use web_sys::HtmlElement;

thread_local! {
    /// Each mounted widget's root, with what it says if the widget crashes (in its locale).
    static ROOTS: RefCell<Vec<(HtmlElement, &'static str)>> = const { RefCell::new(Vec::new()) };
}

static HOOK: Once = Once::new();
static REPORTED: AtomicBool = AtomicBool::new(false);

/// Remembers `root` so a panic can replace it, and installs the hook once.
pub fn watch(root: &HtmlElement, message: &'static str) {
    ROOTS.with(|roots| roots.borrow_mut().push((root.clone(), message)));
    HOOK.call_once(|| std::panic::set_hook(Box::new(on_panic)));
}

/// Installs the hook so that one set before it (a Leptos app's own, when the widget is the
/// app's component) still runs, first: the panic may be the app's. It stops the widget all the
/// same, as the whole wasm instance is done for. The script tag's wasm runs no other code, and
/// has no hook before the widget's to keep.
pub fn keep_earlier_hook() {
    HOOK.call_once(|| {
        let earlier = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            earlier(info);
            on_panic(info);
        }));
    });
}

/// Forgets `root` (its widget was destroyed).
pub fn unwatch(root: &HtmlElement) {
    ROOTS.with(|roots| roots.borrow_mut().retain(|(r, _)| r != root));
}

fn on_panic(info: &std::panic::PanicHookInfo<'_>) {
    if REPORTED.swap(true, Ordering::SeqCst) {
        return;
    }
    // Not called the widget's own: in a Leptos app the panic may be the app's.
    web_sys::console::error_1(&format!("chat-bubble: stopped by a panic: {info}").into());
    let roots = ROOTS.with(|roots| roots.try_borrow().map(|r| r.clone()).unwrap_or_default());
    for (root, message) in roots {
        show_crashed(&root, message);
    }
}

fn show_crashed(root: &HtmlElement, message: &str) {
    let Some(document) = root.owner_document() else {
        return;
    };
    let Ok(notice) = document.create_element("div") else {
        return;
    };
    notice.set_class_name("cb-crashed");
    let _ = notice.set_attribute("role", "alert");
    notice.set_text_content(Some(message));
    root.set_text_content(None);
    let _ = root.append_child(&notice);
}
