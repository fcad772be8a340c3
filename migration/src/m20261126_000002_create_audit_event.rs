//! The append-only audit trail. UPDATE and DELETE are refused by the database itself
//! (a trigger on each backend), so not even a bug in the server can rewrite history.

use sea_orm_migration::{prelude::*, schema::*, sea_orm::DbBackend};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261126_000002_create_audit_event"
    }
}

const SQLITE_TRIGGERS: &[&str] = &[
    "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event \
     BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END",
    "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event \
     BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END",
];

const POSTGRES_TRIGGERS: &[&str] = &[
    "CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$ \
     BEGIN RAISE EXCEPTION 'audit_event is append-only'; END; $$ LANGUAGE plpgsql",
    "CREATE TRIGGER audit_event_no_update BEFORE UPDATE OR DELETE ON audit_event \
     FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()",
    // TRUNCATE skips row triggers, so it gets a statement trigger of its own.
    "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event \
     FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("audit_event")
                    .col(pk_uuid("id"))
                    .col(timestamp_with_time_zone("at"))
                    .col(uuid_null("clinic_id"))
                    .col(uuid_null("actor_user_id"))
                    .col(string_len_null("actor_role", 16))
                    .col(string_len("action", 64))
                    .col(uuid_null("patient_id"))
                    .col(string_len_null("resource", 200))
                    .col(string_len("outcome", 16))
                    .col(string_len_null("request_id", 64))
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            ("ix_audit_event_clinic_at", &["clinic_id", "at"][..]),
            ("ix_audit_event_patient_at", &["patient_id", "at"][..]),
        ] {
            let mut index = Index::create();
            index.name(name).table("audit_event");
            for col in cols {
                index.col(*col);
            }
            manager.create_index(index.to_owned()).await?;
        }

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
        manager.drop_table(Table::drop().table("audit_event").to_owned()).await?;
        if manager.get_database_backend() == DbBackend::Postgres {
            manager.get_connection().execute_unprepared("DROP FUNCTION IF EXISTS audit_event_append_only()").await?;
        }
        Ok(())
    }
}
