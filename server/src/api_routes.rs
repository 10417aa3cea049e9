//! The MaiAgent-shaped API every mode serves: the same five calls under `/api/v1/` and `/api/`,
//! each with and without its trailing slash. Modes differ only in their handlers.

use axum::routing::MethodRouter;
use axum::Router;

/// One mode's handlers for the five calls the widget makes.
pub struct ApiHandlers<S> {
    pub create_conversation: MethodRouter<S>,
    pub get_conversation: MethodRouter<S>,
    pub completions: MethodRouter<S>,
    pub list_messages: MethodRouter<S>,
    pub get_message: MethodRouter<S>,
}

/// The five routes, relative to a prefix.
pub fn routes<S: Clone + Send + Sync + 'static>(handlers: ApiHandlers<S>) -> Router<S> {
    let table = [
        ("/conversations", handlers.create_conversation),
        ("/conversations/{id}", handlers.get_conversation),
        ("/chatbots/{chatbot}/completions", handlers.completions),
        ("/messages", handlers.list_messages),
        ("/messages/{id}", handlers.get_message),
    ];
    table
        .into_iter()
        .fold(Router::new(), |router, (path, method)| {
            router
                .route(&format!("{path}/"), method.clone())
                .route(path, method)
        })
}

/// `api` mounted under both prefixes the real API answers on.
pub fn under_both_prefixes<S: Clone + Send + Sync + 'static>(
    api: impl Fn() -> Router<S>,
) -> Router<S> {
    Router::new().nest("/api/v1", api()).nest("/api", api())
}
