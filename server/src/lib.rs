//! The native half of chat-bubble: one binary that serves the built widget and stands in for
//! (or, later, fronts) the AI backend.
//!
//! Each backend mode lives in its own module and only has to produce an axum `Router` of API
//! routes; [`app`] puts CORS, tracing and the static files around it. Today there is one mode,
//! [`mock`]; `proxy` and `maax` are meant to sit beside it.

pub mod app;
pub mod config;
pub mod ids;
pub mod mock;
pub mod static_files;
