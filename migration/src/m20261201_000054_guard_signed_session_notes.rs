//! A signed session note never changes, and the database holds to that too: triggers
//! refuse to rewrite or delete a signed note, and to add, change or remove the range of
//! motion and timed procedures of one. Only its `version` may still move (an addendum
//! changes the note as served). Drafts are untouched by these triggers.

use sea_orm_migration::{prelude::*, sea_orm::DbBackend};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000054_guard_signed_session_notes"
    }
}

/// Every column of a note but `version`.
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

const PARTS: [&str; 2] = ["rom_measure", "timed_procedure"];

fn sqlite_statements() -> Vec<String> {
    let changed = FINAL_COLUMNS
        .iter()
        .chain(["treatment"].iter())
        .map(|c| format!("NEW.{c} IS NOT OLD.{c}"))
        .collect::<Vec<_>>()
        .join(" OR ");
    let raise = "SELECT RAISE(ABORT, 'a signed session note never changes');";
    let mut sql = vec![
        format!(
            "CREATE TRIGGER session_note_signed_no_update BEFORE UPDATE ON session_note \
             WHEN OLD.signed_at IS NOT NULL AND ({changed}) BEGIN {raise} END"
        ),
        format!(
            "CREATE TRIGGER session_note_signed_no_delete BEFORE DELETE ON session_note \
             WHEN OLD.signed_at IS NOT NULL BEGIN {raise} END"
        ),
    ];
    let signed = |row: &str| {
        format!("EXISTS (SELECT 1 FROM session_note WHERE id = {row}.session_note_id AND signed_at IS NOT NULL)")
    };
    for table in PARTS {
        for (event, rows) in [("INSERT", vec!["NEW"]), ("UPDATE", vec!["NEW", "OLD"]), ("DELETE", vec!["OLD"])] {
            let when = rows.iter().map(|r| signed(r)).collect::<Vec<_>>().join(" OR ");
            sql.push(format!(
                "CREATE TRIGGER {table}_signed_no_{} BEFORE {event} ON {table} WHEN {when} BEGIN {raise} END",
                event.to_lowercase()
            ));
        }
    }
    sql
}

fn postgres_statements() -> Vec<String> {
    // `json` has no equality operator: compare the treatment as text.
    let new_row = FINAL_COLUMNS.iter().map(|c| format!("NEW.{c}")).collect::<Vec<_>>().join(", ");
    let old_row = FINAL_COLUMNS.iter().map(|c| format!("OLD.{c}")).collect::<Vec<_>>().join(", ");
    let mut sql = vec![
        format!(
            "CREATE OR REPLACE FUNCTION session_note_signed_is_final() RETURNS trigger AS $$ \
             BEGIN \
               IF OLD.signed_at IS NOT NULL AND (TG_OP = 'DELETE' OR \
                  ROW({new_row}, NEW.treatment::text) IS DISTINCT FROM ROW({old_row}, OLD.treatment::text)) THEN \
                 RAISE EXCEPTION 'a signed session note never changes'; \
               END IF; \
               IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; \
               RETURN NEW; \
             END; $$ LANGUAGE plpgsql"
        ),
        "CREATE TRIGGER session_note_signed_is_final BEFORE UPDATE OR DELETE ON session_note \
         FOR EACH ROW EXECUTE FUNCTION session_note_signed_is_final()"
            .to_owned(),
        "CREATE OR REPLACE FUNCTION session_note_part_follows_signature() RETURNS trigger AS $$ \
         BEGIN \
           IF (TG_OP <> 'DELETE' AND EXISTS (SELECT 1 FROM session_note \
                 WHERE id = NEW.session_note_id AND signed_at IS NOT NULL)) \
              OR (TG_OP <> 'INSERT' AND EXISTS (SELECT 1 FROM session_note \
                 WHERE id = OLD.session_note_id AND signed_at IS NOT NULL)) THEN \
             RAISE EXCEPTION 'a signed session note never changes'; \
           END IF; \
           IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; \
           RETURN NEW; \
         END; $$ LANGUAGE plpgsql"
            .to_owned(),
    ];
    for table in PARTS {
        sql.push(format!(
            "CREATE TRIGGER {table}_follows_signature BEFORE INSERT OR UPDATE OR DELETE ON {table} \
             FOR EACH ROW EXECUTE FUNCTION session_note_part_follows_signature()"
        ));
    }
    sql
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let statements = match manager.get_database_backend() {
            DbBackend::Sqlite => sqlite_statements(),
            DbBackend::Postgres => postgres_statements(),
            other => return Err(DbErr::Migration(format!("unsupported backend {other:?}"))),
        };
        let db = manager.get_connection();
        for sql in statements {
            db.execute_unprepared(&sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                for table in PARTS {
                    db.execute_unprepared(&format!("DROP TRIGGER IF EXISTS {table}_follows_signature ON {table}"))
                        .await?;
                }
                db.execute_unprepared("DROP TRIGGER IF EXISTS session_note_signed_is_final ON session_note").await?;
                db.execute_unprepared("DROP FUNCTION IF EXISTS session_note_part_follows_signature()").await?;
                db.execute_unprepared("DROP FUNCTION IF EXISTS session_note_signed_is_final()").await?;
            }
            _ => {
                let mut names =
                    vec!["session_note_signed_no_update".to_owned(), "session_note_signed_no_delete".into()];
                for table in PARTS {
                    for event in ["insert", "update", "delete"] {
                        names.push(format!("{table}_signed_no_{event}"));
                    }
                }
                for name in names {
                    db.execute_unprepared(&format!("DROP TRIGGER IF EXISTS {name}")).await?;
                }
            }
        }
        Ok(())
    }
}
