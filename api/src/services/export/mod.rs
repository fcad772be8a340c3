//! The patient's copy of their data (`GET /api/v1/me/export`): every row about them, as
//! tables that the API serves as JSON and as a ZIP of CSV files (one per table).
//!
//! Invariants:
//! - Only the calling patient's rows: every query is bound to their patient id (or to
//!   their account, or to their plans, rules and signed notes found that way).
//! - Secrets stay out: no password hash, no push keys or endpoint URLs, no sealed payer
//!   member id. Draft session notes are the therapist's working copy and stay out too;
//!   signed notes, their measures and addenda are in.
//! - Every column of an exported table is written, so a column added later is exported
//!   without anyone remembering to; a stored value this module cannot write as text is
//!   an error, never a silent blank.
//!
//! [`Export::documents`] holds whole files that go into the ZIP beside the CSVs (and are
//! listed in the JSON): the patient's FHIR R4 bundle, the same one `GET /me/fhir` serves,
//! for taking the record to another system.

pub mod csv;

use entity::AuditAction;
use std::io::Write;

use chrono::{DateTime, SecondsFormat, Utc};
use entity::{
    alert, appointment, audit_event, care_plan, care_plan_version, check_in, check_in_day, consent_event,
    discharge_summary, erasure_request, exercise_log, girth_measurement, lesson_completion, measure_response,
    measure_schedule, message, message_attachment, message_record_entry, patient, payer_authorization, plan_exercise,
    plan_goal, plan_lesson, push_subscription, red_flag_report, referral, reminder_occurrence, reminder_preference,
    reminder_rule, rom_measure, scar_assessment, session_note, session_note_addendum, timed_procedure, user,
};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, IdenStatic, Iterable, ModelTrait, QueryFilter,
    QuerySelect, QueryTrait, Value, sea_query::SelectStatement,
};
use uuid::Uuid;

use crate::{
    auth::PatientPrincipal,
    services::{
        audit::{self, Event},
        fhir, patients,
    },
};

/// Bumped when the shape of the export changes (not when a table gains a column).
pub const FORMAT_VERSION: u32 = 1;

/// One table of the export: its column names and its rows, every value as text
/// (instants RFC 3339 in UTC, dates `YYYY-MM-DD`, JSON columns as their JSON text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub name: &'static str,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Option<String>>>,
}

/// A whole file that goes into the export as it is (the FHIR bundle, later).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub file_name: String,
    pub media_type: &'static str,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone)]
pub struct Export {
    pub patient_id: Uuid,
    pub generated_at: DateTime<Utc>,
    pub tables: Vec<Table>,
    pub documents: Vec<Document>,
}

fn instant(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// A stored value as export text; `None` for SQL NULL.
fn text(table: &str, column: &str, value: Value) -> Result<Option<String>, DbErr> {
    Ok(match value {
        Value::Bool(v) => v.map(|v| v.to_string()),
        Value::TinyInt(v) => v.map(|v| v.to_string()),
        Value::SmallInt(v) => v.map(|v| v.to_string()),
        Value::Int(v) => v.map(|v| v.to_string()),
        Value::BigInt(v) => v.map(|v| v.to_string()),
        Value::TinyUnsigned(v) => v.map(|v| v.to_string()),
        Value::SmallUnsigned(v) => v.map(|v| v.to_string()),
        Value::Unsigned(v) => v.map(|v| v.to_string()),
        Value::BigUnsigned(v) => v.map(|v| v.to_string()),
        Value::Float(v) => v.map(|v| v.to_string()),
        Value::Double(v) => v.map(|v| v.to_string()),
        Value::String(v) => v,
        Value::Char(v) => v.map(String::from),
        Value::Enum(sea_orm::sea_query::OptionEnum::Some(e)) => Some(e.value.into_owned()),
        Value::Enum(sea_orm::sea_query::OptionEnum::None(_)) => None,
        Value::Json(v) => v.map(|v| v.to_string()),
        Value::ChronoDate(v) => v.map(|v| v.to_string()),
        Value::ChronoTime(v) => v.map(|v| v.to_string()),
        Value::ChronoDateTime(v) => v.map(|v| instant(v.and_utc())),
        Value::ChronoDateTimeUtc(v) => v.map(instant),
        Value::ChronoDateTimeWithTimeZone(v) => v.map(|v| instant(v.with_timezone(&Utc))),
        Value::Uuid(v) => v.map(|v| v.to_string()),
        _ => return Err(DbErr::Type(format!("export cannot write {table}.{column} as text"))),
    })
}

/// Every column of `E` but `skip`, for `models`.
fn table<E: EntityTrait>(name: &'static str, models: Vec<E::Model>, skip: &[&str]) -> Result<Table, DbErr> {
    let columns: Vec<E::Column> = E::Column::iter().filter(|c| !skip.contains(&c.as_str())).collect();
    let rows = models
        .iter()
        .map(|m| columns.iter().map(|c| text(name, c.as_str(), m.get(*c))).collect::<Result<Vec<_>, _>>())
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Table { name, columns: columns.iter().map(|c| c.as_str().to_owned()).collect(), rows })
}

/// `SELECT <id> FROM <entity> WHERE <filter>`, to find child rows.
fn ids_of<E: EntityTrait>(id: E::Column, filter: impl sea_orm::sea_query::IntoCondition) -> SelectStatement {
    E::find().select_only().column(id).filter(filter).into_query()
}

/// Gathers everything about the calling patient (audited as an export).
pub async fn build<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &PatientPrincipal,
    links: &fhir::Links,
) -> Result<Export, DbErr> {
    let pid = who.patient_id.uuid();
    let uid = who.user_id;
    // First, so the export lists itself among the reads of the record.
    audit::record(db, now, Event::by(who, AuditAction::PatientExport).patient(pid)).await?;
    macro_rules! of_patient {
        ($table:ident) => {
            table::<$table::Entity>(
                stringify!($table),
                $table::Entity::find().filter($table::Column::PatientId.eq(pid)).all(db).await?,
                &[],
            )?
        };
    }
    let plans = ids_of::<care_plan::Entity>(care_plan::Column::Id, care_plan::Column::PatientId.eq(pid));
    macro_rules! of_plans {
        ($table:ident) => {
            table::<$table::Entity>(
                stringify!($table),
                $table::Entity::find().filter($table::Column::PlanId.in_subquery(plans.clone())).all(db).await?,
                &[],
            )?
        };
    }
    let signed_notes = ids_of::<session_note::Entity>(
        session_note::Column::Id,
        Condition::all().add(session_note::Column::PatientId.eq(pid)).add(session_note::Column::SignedAt.is_not_null()),
    );
    macro_rules! of_signed_notes {
        ($table:ident) => {
            table::<$table::Entity>(
                stringify!($table),
                $table::Entity::find()
                    .filter($table::Column::PatientId.eq(pid))
                    .filter($table::Column::SessionNoteId.in_subquery(signed_notes.clone()))
                    .all(db)
                    .await?,
                &[],
            )?
        };
    }
    let rules = ids_of::<reminder_rule::Entity>(reminder_rule::Column::Id, reminder_rule::Column::PatientId.eq(pid));
    let tables = vec![
        table::<patient::Entity>("patient", patient::Entity::find_by_id(pid).all(db).await?, &["search_name"])?,
        table::<user::Entity>("account", user::Entity::find_by_id(uid).all(db).await?, &["password_hash"])?,
        of_patient!(consent_event),
        of_patient!(check_in),
        of_patient!(check_in_day),
        of_patient!(exercise_log),
        of_patient!(lesson_completion),
        of_patient!(measure_schedule),
        of_patient!(measure_response),
        of_patient!(care_plan),
        of_plans!(care_plan_version),
        of_plans!(plan_goal),
        of_plans!(plan_exercise),
        of_plans!(plan_lesson),
        of_patient!(appointment),
        table::<session_note::Entity>(
            "session_note",
            session_note::Entity::find()
                .filter(session_note::Column::PatientId.eq(pid))
                .filter(session_note::Column::SignedAt.is_not_null())
                .all(db)
                .await?,
            &[],
        )?,
        of_signed_notes!(rom_measure),
        of_signed_notes!(timed_procedure),
        of_patient!(session_note_addendum),
        of_patient!(scar_assessment),
        of_patient!(girth_measurement),
        of_patient!(referral),
        table::<payer_authorization::Entity>(
            "payer_authorization",
            payer_authorization::Entity::find().filter(payer_authorization::Column::PatientId.eq(pid)).all(db).await?,
            &["member_id_sealed"],
        )?,
        of_patient!(discharge_summary),
        of_patient!(alert),
        of_patient!(red_flag_report),
        of_patient!(reminder_rule),
        table::<reminder_occurrence::Entity>(
            "reminder_occurrence",
            reminder_occurrence::Entity::find()
                .filter(reminder_occurrence::Column::RuleId.in_subquery(rules))
                .all(db)
                .await?,
            &["lease_token"],
        )?,
        table::<reminder_preference::Entity>(
            "reminder_preference",
            reminder_preference::Entity::find().filter(reminder_preference::Column::UserId.eq(uid)).all(db).await?,
            &[],
        )?,
        table::<push_subscription::Entity>(
            "push_device",
            push_subscription::Entity::find().filter(push_subscription::Column::UserId.eq(uid)).all(db).await?,
            &["endpoint", "p256dh", "auth"],
        )?,
        of_patient!(erasure_request),
        // The message thread and its images' descriptions (the images are in the app).
        table::<message::Entity>(
            "message",
            message::Entity::find().filter(message::Column::PatientId.eq(pid)).all(db).await?,
            &["order_key", "body_digest", "push_due_at"],
        )?,
        table::<message_attachment::Entity>(
            "message_attachment",
            message_attachment::Entity::find().filter(message_attachment::Column::PatientId.eq(pid)).all(db).await?,
            &["blob_key", "thumb_key"],
        )?,
        of_patient!(message_record_entry),
        table::<audit_event::Entity>(
            "audit_event",
            audit_event::Entity::find().filter(audit_event::Column::PatientId.eq(pid)).all(db).await?,
            &[],
        )?,
    ];
    // The token named this record a moment ago; if it is gone, that is not the caller's fault.
    let record = patients::own_record(db, who).await.map_err(|e| match e {
        patients::PatientError::Db(e) => e,
        other => DbErr::RecordNotFound(other.to_string()),
    })?;
    let bundle = fhir::patient_bundle(db, now, links, record).await?;
    // A `serde_json::Value` has string keys only, so writing it out cannot fail.
    let bundle = serde_json::to_vec_pretty(&bundle).expect("a JSON value serialises");
    let documents =
        vec![Document { file_name: "fhir-bundle.json".into(), media_type: "application/fhir+json", bytes: bundle }];
    Ok(Export { patient_id: pid, generated_at: now, tables, documents })
}

/// The export as a ZIP (deflate): `README.txt`, one `<table>.csv` per table, and the
/// documents.
pub fn zip(export: &Export) -> Result<Vec<u8>, zip::result::ZipError> {
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    out.start_file("README.txt", options)?;
    let readme = format!(
        "Your data from Fascia, export format {FORMAT_VERSION}, made {}.\r\n\
         One CSV file per kind of record (RFC 4180, UTF-8, comma-separated, first line names the columns).\r\n\
         Instants are UTC (RFC 3339); an empty field is an empty or missing value.\r\n",
        instant(export.generated_at)
    );
    out.write_all(readme.as_bytes())?;
    for t in &export.tables {
        out.start_file(format!("{}.csv", t.name), options)?;
        out.write_all(csv::write(&t.columns, &t.rows).as_bytes())?;
    }
    for d in &export.documents {
        out.start_file(d.file_name.as_str(), options)?;
        out.write_all(&d.bytes)?;
    }
    Ok(out.finish()?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_values_are_written_as_plain_text_and_null_as_nothing() {
        let at: DateTime<Utc> = "2026-06-01T10:00:00Z".parse().unwrap();
        assert_eq!(text("t", "c", Value::ChronoDateTimeUtc(Some(at))).unwrap().unwrap(), "2026-06-01T10:00:00.000000Z");
        assert_eq!(text("t", "c", Value::Bool(Some(true))).unwrap().unwrap(), "true");
        assert_eq!(text("t", "c", Value::SmallInt(Some(-3))).unwrap().unwrap(), "-3");
        assert_eq!(text("t", "c", Value::String(None)).unwrap(), None);
    }

    #[test]
    fn a_value_the_export_cannot_write_is_an_error_not_a_blank() {
        assert!(text("t", "c", Value::Bytes(Some(vec![1, 2]))).is_err());
    }

    #[test]
    fn the_zip_holds_a_readme_and_a_csv_per_table() {
        let export = Export {
            patient_id: Uuid::nil(),
            generated_at: "2026-06-01T10:00:00Z".parse().unwrap(),
            tables: vec![Table { name: "check_in", columns: vec!["id".into()], rows: vec![vec![Some("a".into())]] }],
            documents: vec![Document {
                file_name: "extra.json".into(),
                media_type: "application/json",
                bytes: b"{}".to_vec(),
            }],
        };
        let bytes = zip(&export).unwrap();
        let archive = ::zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut names: Vec<String> = archive.file_names().map(|n| n.unwrap().into_owned()).collect();
        names.sort();
        assert_eq!(names, ["README.txt", "check_in.csv", "extra.json"]);
    }
}
