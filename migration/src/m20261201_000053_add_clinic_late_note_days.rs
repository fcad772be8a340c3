//! The clinic setting after how many days past the session a signature marks the note
//! late (3 by default, a common documentation policy).

use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000053_add_clinic_late_note_days"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table("clinic").add_column(integer("late_note_days").default(3)).to_owned())
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table("clinic").drop_column("late_note_days").to_owned()).await
    }
}
