//! The widget's components, one per file.

mod attachments;
mod composer;
mod follow;
mod header;
mod icons;
mod launcher;
mod message_list;
mod message_row;
mod panel;
mod phone;
mod reply_body;
mod sources;
mod warm_up;
mod widget;

pub use widget::widget;
