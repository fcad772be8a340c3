//! The retention worker must be able to purge a signed session note (and its range of
//! motion, timed procedures and addenda) once the clinic's retention period after an
//! erasure has run out. The triggers that keep signed notes final now let a DELETE
//! through only while the patient's erasure request is in the `purging` state, which
//! only the worker sets, inside the transaction that deletes the record. Every other
//! rewrite or delete is refused as before.

use sea_orm_migration::{prelude::*, sea_orm::DbBackend};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_000101_allow_purge_of_signed_notes"
    }
}

const PURGING: &str = "EXISTS (SELECT 1 FROM erasure_request WHERE patient_id = OLD.patient_id AND status = 'purging')";
const RAISE_NOTE: &str = "SELECT RAISE(ABORT, 'a signed session note never changes');";
const PARTS: [&str; 2] = ["rom_measure", "timed_procedure"];

fn signed(row: &str) -> String {
    format!("EXISTS (SELECT 1 FROM session_note WHERE id = {row}.session_note_id AND signed_at IS NOT NULL)")
}

fn sqlite_up() -> Vec<String> {
    let mut sql = vec![
        "DROP TRIGGER IF EXISTS session_note_signed_no_delete".to_owned(),
        format!(
            "CREATE TRIGGER session_note_signed_no_delete BEFORE DELETE ON session_note \
             WHEN OLD.signed_at IS NOT NULL AND NOT {PURGING} BEGIN {RAISE_NOTE} END"
        ),
        "DROP TRIGGER IF EXISTS session_note_addendum_no_delete".to_owned(),
        format!(
            "CREATE TRIGGER session_note_addendum_no_delete BEFORE DELETE ON session_note_addendum \
             WHEN NOT {PURGING} BEGIN SELECT RAISE(ABORT, 'session_note_addendum is append-only'); END"
        ),
    ];
    for table in PARTS {
        sql.push(format!("DROP TRIGGER IF EXISTS {table}_signed_no_delete"));
        sql.push(format!(
            "CREATE TRIGGER {table}_signed_no_delete BEFORE DELETE ON {table} \
             WHEN {} AND NOT {PURGING} BEGIN {RAISE_NOTE} END",
            signed("OLD")
        ));
    }
    sql
}

fn sqlite_down() -> Vec<String> {
    let mut sql = vec![
        "DROP TRIGGER IF EXISTS session_note_signed_no_delete".to_owned(),
        format!(
            "CREATE TRIGGER session_note_signed_no_delete BEFORE DELETE ON session_note \
             WHEN OLD.signed_at IS NOT NULL BEGIN {RAISE_NOTE} END"
        ),
        "DROP TRIGGER IF EXISTS session_note_addendum_no_delete".to_owned(),
        "CREATE TRIGGER session_note_addendum_no_delete BEFORE DELETE ON session_note_addendum \
         BEGIN SELECT RAISE(ABORT, 'session_note_addendum is append-only'); END"
            .to_owned(),
    ];
    for table in PARTS {
        sql.push(format!("DROP TRIGGER IF EXISTS {table}_signed_no_delete"));
        sql.push(format!(
            "CREATE TRIGGER {table}_signed_no_delete BEFORE DELETE ON {table} WHEN {} BEGIN {RAISE_NOTE} END",
            signed("OLD")
        ));
    }
    sql
}

/// Every column of a note but `version` (as in the migration that made notes final).
const FINAL_COLUMNS: [&str; 17] = [
    "id",
    "appointment_id",
    "patient_id",
    "author_id",
    "subjective",
    "objective",
    "assessment",
    "plan",
    "pain_before",
    "pain_after",
    "created_at",
    "updated_at",
    "signed_at",
    "signed_late",
    "position",
    "pressure",
    "response",
];

/// The PostgreSQL functions behind the triggers; `purge_exit` is put first in each body.
fn postgres(purge_exit: &str) -> Vec<String> {
    let new_row = FINAL_COLUMNS.iter().map(|c| format!("NEW.{c}")).collect::<Vec<_>>().join(", ");
    let old_row = FINAL_COLUMNS.iter().map(|c| format!("OLD.{c}")).collect::<Vec<_>>().join(", ");
    vec![
        format!(
            "CREATE OR REPLACE FUNCTION session_note_signed_is_final() RETURNS trigger AS $$ \
             BEGIN {purge_exit} \
               IF OLD.signed_at IS NOT NULL AND (TG_OP = 'DELETE' OR \
                  ROW({new_row}, NEW.treatment::text) IS DISTINCT FROM ROW({old_row}, OLD.treatment::text)) THEN \
                 RAISE EXCEPTION 'a signed session note never changes'; \
               END IF; \
               IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; \
               RETURN NEW; \
             END; $$ LANGUAGE plpgsql"
        ),
        format!(
            "CREATE OR REPLACE FUNCTION session_note_part_follows_signature() RETURNS trigger AS $$ \
             BEGIN {purge_exit} \
               IF (TG_OP <> 'DELETE' AND EXISTS (SELECT 1 FROM session_note \
                     WHERE id = NEW.session_note_id AND signed_at IS NOT NULL)) \
                  OR (TG_OP <> 'INSERT' AND EXISTS (SELECT 1 FROM session_note \
                     WHERE id = OLD.session_note_id AND signed_at IS NOT NULL)) THEN \
                 RAISE EXCEPTION 'a signed session note never changes'; \
               END IF; \
               IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; \
               RETURN NEW; \
             END; $$ LANGUAGE plpgsql"
        ),
        format!(
            "CREATE OR REPLACE FUNCTION session_note_addendum_append_only() RETURNS trigger AS $$ \
             BEGIN {purge_exit} RAISE EXCEPTION 'session_note_addendum is append-only'; END; $$ LANGUAGE plpgsql"
        ),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Nested IFs: a TRUNCATE (statement) trigger has no OLD row to look at.
        let exit = format!("IF TG_OP = 'DELETE' THEN IF {PURGING} THEN RETURN OLD; END IF; END IF;");
        let statements = match manager.get_database_backend() {
            DbBackend::Sqlite => sqlite_up(),
            DbBackend::Postgres => postgres(&exit),
            other => return Err(DbErr::Migration(format!("unsupported backend {other:?}"))),
        };
        // One call, so one connection runs the drop and the create: on a pool, another
        // connection may still see the trigger the first one dropped.
        manager.get_connection().execute_unprepared(&statements.join(";\n")).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let statements = match manager.get_database_backend() {
            DbBackend::Sqlite => sqlite_down(),
            DbBackend::Postgres => postgres(""),
            other => return Err(DbErr::Migration(format!("unsupported backend {other:?}"))),
        };
        // One call, so one connection runs the drop and the create: on a pool, another
        // connection may still see the trigger the first one dropped.
        manager.get_connection().execute_unprepared(&statements.join(";\n")).await?;
        Ok(())
    }
}
