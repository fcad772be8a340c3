//! An appointment may count against a payer authorization and belong to a plan of care
//! (both nullable: sessions booked before, or paid privately, have neither). The service
//! checks both belong to the appointment's patient; SQLite cannot add a foreign key to an
//! existing table, so the check lives there on both databases.
//!
//! Alert kinds grow past 16 characters (`authorization_expiring`), so PostgreSQL's
//! `varchar(16)` widens; SQLite does not enforce lengths.

use sea_orm_migration::{prelude::*, schema::*, sea_orm::DbBackend};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000041_add_appointment_links"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite cannot add two in one ALTER TABLE.
        for column in ["authorization_id", "care_plan_id"] {
            manager.alter_table(Table::alter().table("appointment").add_column(uuid_null(column)).to_owned()).await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("ix_appointment_authorization")
                    .table("appointment")
                    .col("authorization_id")
                    .col("status")
                    .to_owned(),
            )
            .await?;
        if manager.get_database_backend() == DbBackend::Postgres {
            manager.get_connection().execute_unprepared("ALTER TABLE alert ALTER COLUMN kind TYPE varchar(32)").await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name("ix_appointment_authorization").table("appointment").to_owned()).await?;
        for column in ["care_plan_id", "authorization_id"] {
            manager.alter_table(Table::alter().table("appointment").drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}
