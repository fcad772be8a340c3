//! Prometheus metrics in the text exposition format, served on their own listen address
//! (`FASCIA_METRICS_ADDR`) so that they never share the public port.
//!
//! Labels name operations by their `operation_id` and responses by status code: never
//! a path (paths hold record ids), never a user. Request counts and latencies are kept
//! in this process; the rest is read when scraped: the readers' pool, the writer's
//! queue, and a few counts from the database (reminders due and not yet sent, push
//! attempts by outcome, open alerts), which are the same on every replica.
//!
//! Hand-written rather than `prometheus-client`: two counters, one histogram family and
//! a handful of gauges are a page of code, and the format is plain text.

pub mod exposition;

use std::{collections::BTreeMap, fmt::Write as _, sync::Mutex, time::Duration};

use chrono::{DateTime, Utc};
use entity::{alert, push_delivery, reminder_occurrence};
use sea_orm::{
    ActiveEnum, ColumnTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, PaginatorTrait, QueryFilter,
    QuerySelect,
};

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 11] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// Which operation a request reached, from the spec's path templates and methods.
#[derive(Debug, Clone, Default)]
pub struct OperationIndex(Vec<(Vec<String>, String, String)>);

impl OperationIndex {
    pub fn from_spec(spec: &serde_json::Value) -> Self {
        let mut entries = Vec::new();
        for (template, ops) in spec["paths"].as_object().into_iter().flatten() {
            let segments: Vec<String> = template.split('/').map(str::to_owned).collect();
            for (method, op) in ops.as_object().into_iter().flatten() {
                if let Some(id) = op["operationId"].as_str() {
                    entries.push((segments.clone(), method.to_uppercase(), id.to_owned()));
                }
            }
        }
        // A literal segment wins over a parameter at the same place (`/me/x` over `/{id}/x`).
        entries.sort_by_key(|(segments, _, _)| segments.iter().filter(|s| s.starts_with('{')).count());
        Self(entries)
    }

    /// The operation id for a method and concrete path; `other` when none matches.
    pub fn operation(&self, method: &str, path: &str) -> &str {
        let segments: Vec<&str> = path.split('/').collect();
        self.0
            .iter()
            .find(|(template, m, _)| {
                m == method
                    && template.len() == segments.len()
                    && template.iter().zip(&segments).all(|(t, s)| (t.starts_with('{') && !s.is_empty()) || t == s)
            })
            .map_or("other", |(_, _, id)| id.as_str())
    }
}

#[derive(Debug, Default, Clone)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

/// The request counters and latency histograms of this process.
#[derive(Debug, Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, u16), u64>>,
    latency: Mutex<BTreeMap<String, Histogram>>,
}

impl Metrics {
    pub fn observe(&self, operation: &str, status: u16, elapsed: Duration) {
        *self.requests.lock().expect("metrics lock").entry((operation.to_owned(), status)).or_default() += 1;
        let seconds = elapsed.as_secs_f64();
        let mut latency = self.latency.lock().expect("metrics lock");
        let h = latency.entry(operation.to_owned()).or_default();
        for (i, bound) in BUCKETS.iter().enumerate() {
            if seconds <= *bound {
                h.counts[i] += 1;
            }
        }
        h.count += 1;
        h.sum += seconds;
    }

    fn write_requests(&self, out: &mut String) {
        out.push_str("# HELP fascia_http_requests_total Requests answered, by operation and status code.\n");
        out.push_str("# TYPE fascia_http_requests_total counter\n");
        for ((op, status), n) in self.requests.lock().expect("metrics lock").iter() {
            let _ = writeln!(out, "fascia_http_requests_total{{operation=\"{op}\",status=\"{status}\"}} {n}");
        }
        out.push_str("# HELP fascia_http_request_duration_seconds Time to answer a request, by operation.\n");
        out.push_str("# TYPE fascia_http_request_duration_seconds histogram\n");
        for (op, h) in self.latency.lock().expect("metrics lock").iter() {
            for (bound, n) in BUCKETS.iter().zip(h.counts) {
                let _ = writeln!(
                    out,
                    "fascia_http_request_duration_seconds_bucket{{operation=\"{op}\",le=\"{bound}\"}} {n}"
                );
            }
            let _ = writeln!(
                out,
                "fascia_http_request_duration_seconds_bucket{{operation=\"{op}\",le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(out, "fascia_http_request_duration_seconds_sum{{operation=\"{op}\"}} {}", h.sum);
            let _ = writeln!(out, "fascia_http_request_duration_seconds_count{{operation=\"{op}\"}} {}", h.count);
        }
    }
}

fn gauge(out: &mut String, name: &str, help: &str, value: impl std::fmt::Display) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}");
}

fn pool_use(db: &DatabaseConnection) -> (u32, usize) {
    match db.get_database_backend() {
        DbBackend::Sqlite => {
            let pool = db.get_sqlite_connection_pool();
            (pool.size(), pool.num_idle())
        }
        DbBackend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            (pool.size(), pool.num_idle())
        }
        _ => (0, 0),
    }
}

async fn write_database(out: &mut String, db: &DatabaseConnection, now: DateTime<Utc>) -> Result<(), DbErr> {
    let backlog = reminder_occurrence::Entity::find()
        .filter(
            reminder_occurrence::Column::Status
                .is_in([reminder_occurrence::Status::Pending, reminder_occurrence::Status::Leased]),
        )
        .filter(reminder_occurrence::Column::DueAt.lte(now))
        .count(db)
        .await?;
    gauge(out, "fascia_reminder_backlog", "Reminders due and not yet sent, skipped or failed.", backlog);
    let open = alert::Entity::find().filter(alert::Column::AcknowledgedAt.is_null()).count(db).await?;
    gauge(out, "fascia_alerts_open", "Alerts nobody has acknowledged yet.", open);
    let outcomes: Vec<(push_delivery::Outcome, Option<i32>, i64)> = push_delivery::Entity::find()
        .select_only()
        .column(push_delivery::Column::Outcome)
        .column(push_delivery::Column::HttpStatus)
        .column_as(push_delivery::Column::Id.count(), "n")
        .group_by(push_delivery::Column::Outcome)
        .group_by(push_delivery::Column::HttpStatus)
        .into_tuple()
        .all(db)
        .await?;
    out.push_str(
        "# HELP fascia_push_deliveries_total Attempts to hand a message to a push service, by outcome and \
         the push service's HTTP status (none: not reached).\n",
    );
    out.push_str("# TYPE fascia_push_deliveries_total counter\n");
    for (outcome, status, n) in outcomes {
        let status = status.map_or_else(|| "none".to_owned(), |s| s.to_string());
        let _ =
            writeln!(out, "fascia_push_deliveries_total{{outcome=\"{}\",status=\"{status}\"}} {n}", outcome.to_value());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_map_to_operation_ids_with_literals_before_parameters() {
        let spec = serde_json::json!({ "paths": {
            "/api/v1/patients/{id}": { "get": { "operationId": "get_patient" } },
            "/api/v1/patients/export": { "get": { "operationId": "export_patients" } },
        } });
        let index = OperationIndex::from_spec(&spec);
        assert_eq!(index.operation("GET", "/api/v1/patients/0193a5b2-4c00-7000-8000-0000000000b1"), "get_patient");
        assert_eq!(index.operation("GET", "/api/v1/patients/export"), "export_patients");
        assert_eq!(index.operation("POST", "/api/v1/patients/export"), "other");
        assert_eq!(index.operation("GET", "/api/v1/patients/"), "other");
    }

    #[test]
    fn the_exposition_counts_requests_and_fills_cumulative_buckets() {
        let m = Metrics::default();
        m.observe("get_me", 200, Duration::from_millis(20));
        m.observe("get_me", 200, Duration::from_secs(20));
        let mut out = String::new();
        m.write_requests(&mut out);
        assert!(out.contains("fascia_http_requests_total{operation=\"get_me\",status=\"200\"} 2\n"), "{out}");
        assert!(out.contains("fascia_http_request_duration_seconds_bucket{operation=\"get_me\",le=\"0.025\"} 1\n"));
        assert!(out.contains("fascia_http_request_duration_seconds_bucket{operation=\"get_me\",le=\"10\"} 1\n"));
        assert!(out.contains("fascia_http_request_duration_seconds_bucket{operation=\"get_me\",le=\"+Inf\"} 2\n"));
    }
}
