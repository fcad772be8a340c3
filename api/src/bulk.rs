//! Multi-row inserts that PostgreSQL parses once: every row travels in one `jsonb`
//! parameter, unpacked by `jsonb_populate_recordset` into the table's own row type.
//!
//! A multi-row `INSERT … VALUES` has one placeholder per value, so each batch size is a
//! different statement with thousands of parameters. PostgreSQL parses, types and plans
//! each such statement afresh, and that is slow: traced on the push benchmark, a
//! 500-row insert of reminder occurrences (7,000 parameters) took 46–50 ms to prepare
//! and 55 ms to run, where the same rows as one `jsonb` value take a few milliseconds.
//! SQLite prepares in process and keeps `VALUES`.
//!
//! Only the materialiser uses it. The writer's inserts (check-ins, exercise logs, audit
//! rows, the day roll-up) were moved here too, and the PostgreSQL check-in benchmark
//! fell from 1,054 to 502 one-item check-ins/s in alternate runs, so they keep `VALUES`
//! until that is understood.
//!
//! Values are carried as JSON of the column's text form (uuids, RFC 3339 instants to the
//! microsecond, ISO dates), which PostgreSQL reads with each type's own input function.
//! Rows with a column left unset or a value kind not handled here return `None`, and
//! the caller takes its `VALUES` path instead, so nothing is ever stored differently.

use chrono::SecondsFormat;
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DbBackend, DbErr, EntityName, EntityTrait, ExecResult, IdenStatic, Iterable,
    QueryResult, Statement, Value,
};

/// The JSON form of one value, or `None` for a kind this module does not carry.
fn json_of(value: Value) -> Option<serde_json::Value> {
    use serde_json::Value as J;
    Some(match value {
        Value::Bool(v) => v.map_or(J::Null, J::Bool),
        Value::SmallInt(v) => v.map_or(J::Null, J::from),
        Value::Int(v) => v.map_or(J::Null, J::from),
        Value::BigInt(v) => v.map_or(J::Null, J::from),
        Value::String(v) => v.map_or(J::Null, J::String),
        Value::Uuid(v) => v.map_or(J::Null, |u| J::String(u.to_string())),
        Value::ChronoDate(v) => v.map_or(J::Null, |d| J::String(d.format("%Y-%m-%d").to_string())),
        Value::ChronoDateTimeUtc(v) => v.map_or(J::Null, |t| J::String(t.to_rfc3339_opts(SecondsFormat::Micros, true))),
        _ => return None,
    })
}

/// The rows as one JSON array of objects keyed by column name; `None` when a column is
/// unset in some row (its default would be lost) or holds a value kind not carried.
fn rows_json<A: ActiveModelTrait>(rows: &[A]) -> Option<serde_json::Value> {
    let columns: Vec<<A::Entity as EntityTrait>::Column> = <A::Entity as EntityTrait>::Column::iter().collect();
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let mut object = serde_json::Map::with_capacity(columns.len());
        for column in &columns {
            object.insert(column.as_str().to_owned(), json_of(row.get(*column).into_value()?)?);
        }
        out.push(serde_json::Value::Object(object));
    }
    Some(serde_json::Value::Array(out))
}

/// `INSERT INTO t (every column) SELECT … FROM jsonb_populate_recordset(NULL::t, $1) <tail>`
/// for `rows` on PostgreSQL; `None` elsewhere or when the rows cannot travel as JSON.
fn statement<A: ActiveModelTrait>(backend: DbBackend, rows: &[A], tail: &str) -> Option<Statement> {
    if backend != DbBackend::Postgres || rows.is_empty() {
        return None;
    }
    let json = rows_json(rows)?;
    let table = <A::Entity as Default>::default().table_name().to_owned();
    let columns: Vec<String> =
        <A::Entity as EntityTrait>::Column::iter().map(|c| format!("\"{}\"", c.as_str())).collect();
    let columns = columns.join(", ");
    let sql = format!(
        "INSERT INTO \"{table}\" ({columns}) SELECT {columns} FROM jsonb_populate_recordset(NULL::\"{table}\", $1) {tail}"
    );
    Some(Statement::from_sql_and_values(DbBackend::Postgres, sql, [Value::Json(Some(Box::new(json)))]))
}

/// Inserts `rows` with one `jsonb` parameter; `tail` follows the `SELECT` (an `ON
/// CONFLICT` clause, or nothing). `Ok(None)`: not done, use the `VALUES` path.
pub async fn execute<A: ActiveModelTrait, C: ConnectionTrait>(
    db: &C,
    rows: &[A],
    tail: &str,
) -> Result<Option<ExecResult>, DbErr> {
    match statement(db.get_database_backend(), rows, tail) {
        Some(stmt) => db.execute_raw(stmt).await.map(Some),
        None => Ok(None),
    }
}

/// [`execute`] with a `RETURNING` clause in `tail`, answering the rows it returns.
pub async fn returning<A: ActiveModelTrait, C: ConnectionTrait>(
    db: &C,
    rows: &[A],
    tail: &str,
) -> Result<Option<Vec<QueryResult>>, DbErr> {
    match statement(db.get_database_backend(), rows, tail) {
        Some(stmt) => db.query_all_raw(stmt).await.map(Some),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, TimeZone, Utc};
    use entity::exercise_log;
    use sea_orm::ActiveValue::{NotSet, Set};
    use uuid::Uuid;

    use super::*;

    fn row() -> exercise_log::ActiveModel {
        let at = Utc.with_ymd_and_hms(2026, 6, 1, 10, 0, 0).unwrap() + chrono::Duration::nanoseconds(123_456_789);
        exercise_log::ActiveModel {
            id: Set(Uuid::nil()),
            patient_id: Set(Uuid::nil()),
            plan_id: Set(Uuid::nil()),
            plan_exercise_id: Set(Uuid::nil()),
            exercise_id: Set(Uuid::nil()),
            performed_at: Set(at),
            local_date: Set(NaiveDate::from_ymd_opt(2026, 6, 1).unwrap()),
            sets_done: Set(None),
            pain_during: Set(Some(3)),
            difficulty: Set(None),
            note: Set(Some("\"quoted\" \\ and ünïcode".into())),
            off_plan: Set(false),
            created_at: Set(at),
        }
    }

    #[test]
    fn rows_travel_as_their_text_forms_and_nulls() {
        let json = rows_json(&[row()]).expect("every column is carried");
        let r = &json[0];
        assert_eq!(r["performed_at"], "2026-06-01T10:00:00.123456Z");
        assert_eq!(r["local_date"], "2026-06-01");
        assert_eq!(r["sets_done"], serde_json::Value::Null);
        assert_eq!(r["pain_during"], 3);
        assert_eq!(r["note"], "\"quoted\" \\ and ünïcode");
        assert_eq!(r["off_plan"], false);
    }

    #[test]
    fn an_unset_column_or_another_backend_takes_the_values_path() {
        let mut unset = row();
        unset.note = NotSet;
        assert!(rows_json(&[row(), unset]).is_none());
        assert!(statement(DbBackend::Sqlite, &[row()], "").is_none());
        assert!(statement(DbBackend::Postgres, &Vec::<exercise_log::ActiveModel>::new(), "").is_none());
        let stmt = statement(DbBackend::Postgres, &[row()], "ON CONFLICT (\"id\") DO NOTHING").unwrap();
        assert!(stmt.sql.starts_with("INSERT INTO \"exercise_log\" (\"id\", \"patient_id\""));
        assert!(
            stmt.sql.ends_with("jsonb_populate_recordset(NULL::\"exercise_log\", $1) ON CONFLICT (\"id\") DO NOTHING")
        );
    }
}
