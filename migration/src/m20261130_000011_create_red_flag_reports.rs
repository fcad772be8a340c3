//! Red flags are never lost: a check-in item that names a red flag but cannot be stored
//! as a check-in (a missing rating, an over-long note, an unknown field, a clashing id)
//! leaves a `red_flag_report` with the flags, so they are alerted and kept. The item key
//! is the item's id, or a hash of the item when it has none, so a replay stores nothing
//! new. Check-ins also gain the medication list (class, name, dose).

use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261130_000011_create_red_flag_reports"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("red_flag_report")
                    .col(pk_uuid("id"))
                    .col(uuid("patient_id"))
                    .col(uuid("item_key"))
                    .col(uuid_null("check_in_id"))
                    .col(text("red_flags"))
                    .col(timestamp_with_time_zone_null("recorded_at"))
                    .col(text("problems"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("red_flag_report", "patient_id")
                            .to("patient", "id")
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_red_flag_report_item")
                    .table("red_flag_report")
                    .col("patient_id")
                    .col("item_key")
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(Table::alter().table("check_in").add_column(text("medications").default("[]")).to_owned())
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table("check_in").drop_column("medications").to_owned()).await?;
        manager.drop_table(Table::drop().table("red_flag_report").to_owned()).await
    }
}
