//! Addenda to signed session notes. Append-only like the audit trail: a trigger on each
//! backend refuses UPDATE and DELETE, so a correction cannot itself be rewritten.

use sea_orm_migration::{prelude::*, schema::*, sea_orm::DbBackend};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000052_create_session_note_addendum"
    }
}

const SQLITE_TRIGGERS: &[&str] = &[
    "CREATE TRIGGER session_note_addendum_no_update BEFORE UPDATE ON session_note_addendum \
     BEGIN SELECT RAISE(ABORT, 'session_note_addendum is append-only'); END",
    "CREATE TRIGGER session_note_addendum_no_delete BEFORE DELETE ON session_note_addendum \
     BEGIN SELECT RAISE(ABORT, 'session_note_addendum is append-only'); END",
];

const POSTGRES_TRIGGERS: &[&str] = &[
    "CREATE OR REPLACE FUNCTION session_note_addendum_append_only() RETURNS trigger AS $$ \
     BEGIN RAISE EXCEPTION 'session_note_addendum is append-only'; END; $$ LANGUAGE plpgsql",
    "CREATE TRIGGER session_note_addendum_no_update BEFORE UPDATE OR DELETE ON session_note_addendum \
     FOR EACH ROW EXECUTE FUNCTION session_note_addendum_append_only()",
    "CREATE TRIGGER session_note_addendum_no_truncate BEFORE TRUNCATE ON session_note_addendum \
     FOR EACH STATEMENT EXECUTE FUNCTION session_note_addendum_append_only()",
];

fn fk(from_col: &'static str, to_table: &'static str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from("session_note_addendum", from_col)
        .to(to_table, "id")
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("session_note_addendum")
                    .col(pk_uuid("id"))
                    .col(uuid("session_note_id"))
                    .col(uuid("patient_id"))
                    .col(uuid("author_id"))
                    .col(string_len("reason", 200))
                    .col(text("text"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut fk("session_note_id", "session_note"))
                    .foreign_key(&mut fk("patient_id", "patient"))
                    .foreign_key(&mut fk("author_id", "app_user"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_session_note_addendum_note")
                    .table("session_note_addendum")
                    .col("session_note_id")
                    .col("created_at")
                    .to_owned(),
            )
            .await?;
        let triggers = match manager.get_database_backend() {
            DbBackend::Sqlite => SQLITE_TRIGGERS,
            DbBackend::Postgres => POSTGRES_TRIGGERS,
            other => return Err(DbErr::Migration(format!("unsupported backend {other:?}"))),
        };
        let db = manager.get_connection();
        for sql in triggers {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table("session_note_addendum").to_owned()).await?;
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("DROP FUNCTION IF EXISTS session_note_addendum_append_only()")
                .await?;
        }
        Ok(())
    }
}
