//! The widget's components, one per file. [`Widget`] is the root; every component below it
//! reads the [`crate::chat::ChatState`] from context.

mod announcer;
mod assistant_picture;
mod attach_button;
mod attachments;
mod body_chunks;
mod carried_press;
mod composer;
mod contact_form;
mod copy_message;
mod day_separator;
mod empty_state;
mod event_origin;
mod follow;
mod header;
mod history_failed;
mod icons;
mod jump_to_latest;
mod keyboard_focus;
mod launcher;
mod listen;
mod message_batch;
mod message_body;
mod message_count;
mod message_list;
mod message_row;
mod message_status;
mod message_time;
mod notice;
mod other_tabs;
mod panel;
mod phone;
mod picture;
mod regenerate;
mod reply_body;
mod said_by;
mod scroll_lock;
mod sender_line;
mod sources;
mod starters;
mod upload_chip;
mod upload_chips;
mod version_pager;
mod widget;

pub use widget::Widget;

/// How long a Copy button says "Copied" before it offers to copy again.
pub const COPIED_SHOWN: std::time::Duration = std::time::Duration::from_millis(2000);
