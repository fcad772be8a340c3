//! An alert for every red flag: the open red-flag alert lists its flags and their highest
//! tier; a new flag is added to it and pushed again (`updated_at` moves, `pushed_at` is
//! cleared). `urgent_since` is when it first carried an emergency or same-day flag, the
//! start of the clinic's escalation delay; `escalated_at` marks the one escalation.

use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261130_000012_add_alert_red_flags"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            text("flags").default("[]").to_owned(),
            string_len_null("tier", 16),
            timestamp_with_time_zone_null("urgent_since"),
            timestamp_with_time_zone_null("escalated_at"),
            timestamp_with_time_zone_null("updated_at"),
        ] {
            let mut column = column;
            manager.alter_table(Table::alter().table("alert").add_column(&mut column).to_owned()).await?;
        }
        manager.get_connection().execute_unprepared("UPDATE alert SET updated_at = created_at").await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_alert_escalation")
                    .table("alert")
                    .col("escalated_at")
                    .col("urgent_since")
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name("ix_alert_escalation").table("alert").to_owned()).await?;
        for column in ["updated_at", "escalated_at", "urgent_since", "tier", "flags"] {
            manager.alter_table(Table::alter().table("alert").drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}
