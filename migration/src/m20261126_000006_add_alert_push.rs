//! Remembers which alerts have been pushed to the therapist's devices, so every worker
//! claims each alert's push once.

use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261126_000006_add_alert_push"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter().table("alert").add_column(timestamp_with_time_zone_null("pushed_at")).to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table("alert").drop_column("pushed_at").to_owned()).await
    }
}
