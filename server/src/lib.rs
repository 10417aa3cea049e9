//! The native half of chat-bubble: one binary that serves the built widget and stands in for,
//! or fronts, the AI backend.
//!
//! Each backend mode lives in its own module and only has to produce an axum `Router` of API
//! routes; [`app`] puts CORS, request ids, tracing and the static files around it:
//!
//! - [`mock`]: an in-memory MaiAgent-compatible backend for demos and tests;
//! - [`proxy`]: forwards to the real MaiAgent API, adding the secret key;
//! - [`maax`]: the same MaiAgent-shaped API on top of Maax AI's initiate/poll API.
//!
//! [`guard`] (origins, rate limit, body size, id allow-lists), [`requests`] (the widget's
//! requests parsed and checked), [`upstream`] (client, timeouts, error mapping) and [`scrub`]
//! (the key kept out of relayed text) are shared by the two real modes. [`visitor`] (visitor
//! tokens) binds conversations to their visitors in every mode, [`uploads`] takes the files
//! visitors attach (every mode), and [`serve`] accepts
//! connections with timeouts and caps. [`load`] is the proxy load test behind the `load_test`
//! binary.

pub mod api_error;
pub mod api_routes;
pub mod app;
pub mod config;
pub mod guard;
pub mod ids;
pub mod load;
pub mod maax;
pub mod mock;
pub mod observe;
pub mod proxy;
pub mod requests;
pub mod scrub;
pub mod secret;
pub mod serve;
pub mod static_files;
pub mod uploads;
pub mod upstream;
pub mod visitor;
