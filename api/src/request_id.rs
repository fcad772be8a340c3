//! The id of the request being handled, kept task-local so that error bodies, logs and
//! audit events can name it without every function passing it along.
//!
//! This is a leaf: it imports nothing from the crate, so both the edge middleware (which
//! sets it) and the error type (which reads it) can depend on it without depending on
//! each other.

use std::future::Future;

tokio::task_local! {
    static REQUEST_ID: String;
}

/// The id of the request being handled on this task, if any.
pub fn current_request_id() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

/// Runs `fut` with `id` as the current request id.
pub async fn scope<F: Future>(id: String, fut: F) -> F::Output {
    REQUEST_ID.scope(id, fut).await
}

/// Runs `work` as part of request `id`, if there is one: work a request hands to another
/// task (the writer) keeps the request's id in its logs and audit rows.
pub async fn with_request_id<F: Future>(id: Option<String>, work: F) -> F::Output {
    match id {
        Some(id) => scope(id, work).await,
        None => work.await,
    }
}
