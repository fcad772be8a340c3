//! Per-clinic safety settings used in red-flag guidance and escalation: the emergency
//! number, the clinic's own phone, a crisis line, and how long an urgent red-flag alert
//! may stay unacknowledged before other staff are told.

use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261130_000010_add_clinic_safety_settings"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one column at a time.
        for column in [
            string_len_null("emergency_number", 60),
            string_len_null("clinic_phone", 60),
            string_len_null("crisis_line", 120),
            integer("escalation_delay_seconds").default(7200).to_owned(),
        ] {
            let mut column = column;
            manager.alter_table(Table::alter().table("clinic").add_column(&mut column).to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in ["escalation_delay_seconds", "crisis_line", "clinic_phone", "emergency_number"] {
            manager.alter_table(Table::alter().table("clinic").drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}
