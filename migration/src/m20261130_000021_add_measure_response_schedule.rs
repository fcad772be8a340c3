//! A measure response remembers the schedule it answered and, for patient-specific
//! instruments, the activity texts it rated, so a later change of activities does not
//! make ratings of different activities look like a change. Older rows have neither.

use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261130_000021_add_measure_response_schedule"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite cannot add two in one ALTER TABLE.
        manager
            .alter_table(Table::alter().table("measure_response").add_column(uuid_null("schedule_id")).to_owned())
            .await?;
        manager
            .alter_table(Table::alter().table("measure_response").add_column(text_null("activities")).to_owned())
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table("measure_response").drop_column("activities").to_owned()).await?;
        manager.alter_table(Table::alter().table("measure_response").drop_column("schedule_id").to_owned()).await
    }
}
