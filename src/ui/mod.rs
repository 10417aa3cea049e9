//! The widget's components, one per file.

mod composer;
mod header;
mod icons;
mod launcher;
mod message;
mod message_list;
mod panel;
mod widget;

pub use widget::Widget;
