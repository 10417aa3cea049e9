//! The reactive layer: Leptos 0.8's signals, effects and owners, from `reactive_graph` (the crate
//! `leptos::prelude` re-exports) and `any_spawner` (the executor Leptos runs effects and tasks on).
//! The widget builds its DOM by hand, so it needs nothing else of Leptos; the `leptos` facade
//! would also bring server functions' browser streams, whose exported classes stay in every
//! build (8 KB brotli, measured).

pub use any_spawner::Executor;
pub use reactive_graph::effect::{Effect, RenderEffect};
pub use reactive_graph::owner::{on_cleanup, LocalStorage, Owner, StoredValue, WeakOwner};
pub use reactive_graph::prelude::*;
pub use reactive_graph::signal::RwSignal;

/// Runs `task` on the executor Leptos's effects use (set up by `mount`).
pub fn spawn_local(task: impl std::future::Future<Output = ()> + 'static) {
    Executor::spawn_local(task)
}
