//! Timed procedures of a session note: one row per code with its minutes, from which
//! the 8-minute rule derives units.

use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000051_create_timed_procedure"
    }
}

fn fk(from_col: &'static str, to_table: &'static str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from("timed_procedure", from_col)
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
                    .table("timed_procedure")
                    .col(pk_uuid("id"))
                    .col(uuid("session_note_id"))
                    .col(uuid("patient_id"))
                    .col(string_len("code", 8))
                    .col(small_integer("minutes"))
                    .col(small_integer("position"))
                    .foreign_key(&mut fk("session_note_id", "session_note"))
                    .foreign_key(&mut fk("patient_id", "patient"))
                    .to_owned(),
            )
            .await?;
        // A code appears once per note: the rule adds a code's minutes together.
        manager
            .create_index(
                Index::create()
                    .name("ux_timed_procedure_note_code")
                    .table("timed_procedure")
                    .col("session_note_id")
                    .col("code")
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_timed_procedure_patient")
                    .table("timed_procedure")
                    .col("patient_id")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table("timed_procedure").to_owned()).await
    }
}
