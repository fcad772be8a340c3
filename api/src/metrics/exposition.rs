//! The metrics listener: `GET /metrics` renders the counters of [`super::Metrics`] and
//! a few gauges read at scrape time. Apart from the counters so that the application
//! state can hold them without the state and its rendering depending on each other.

use poem::{Endpoint, EndpointExt, Response, Route, get, handler, web::Data};

use super::{gauge, pool_use, write_database};
use crate::{state::AppState, writer::Writer};

/// The whole exposition for one scrape.
pub async fn render(state: &AppState) -> String {
    let mut out = String::new();
    state.metrics.write_requests(&mut out);
    let (size, idle) = pool_use(&state.db);
    gauge(&mut out, "fascia_db_pool_connections", "Open connections in the readers' pool.", size);
    gauge(&mut out, "fascia_db_pool_idle_connections", "Idle connections in the readers' pool.", idle);
    gauge(
        &mut out,
        "fascia_writer_queue_depth",
        "Writes waiting for the writer task.",
        Writer::queue_depth(&state.writer),
    );
    let up = match write_database(&mut out, &state.db, state.now()).await {
        Ok(()) => 1,
        Err(e) => {
            tracing::warn!(error = %e, "metrics: database counts unavailable");
            0
        }
    };
    gauge(&mut out, "fascia_metrics_database_up", "1 when the database counts above could be read.", up);
    out
}

#[handler]
async fn scrape(state: Data<&AppState>) -> Response {
    Response::builder().content_type("text/plain; version=0.0.4; charset=utf-8").body(render(&state).await)
}

/// The metrics listener's whole application: `GET /metrics`.
pub fn app(state: AppState) -> impl Endpoint {
    Route::new().at("/metrics", get(scrape)).data(state)
}
