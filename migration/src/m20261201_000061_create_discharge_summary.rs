//! The discharge summary of a care plan: at most one per plan (a unique index makes a
//! second discharge a conflict even when two requests race). The goals and outcome
//! measures as they stood at discharge are kept as versioned JSON, so the summary reads
//! the same years later whatever happens to the plan's rows.

use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000061_create_discharge_summary"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("discharge_summary")
                    .col(pk_uuid("id"))
                    .col(uuid("clinic_id"))
                    .col(uuid("patient_id"))
                    .col(uuid_uniq("care_plan_id"))
                    .col(string_len("reason", 32))
                    .col(text("home_programme"))
                    .col(text("summary"))
                    .col(uuid("discharged_by"))
                    .col(timestamp_with_time_zone("discharged_at"))
                    .col(date("discharge_date"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("discharge_summary", "care_plan_id")
                            .to("care_plan", "id")
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from("discharge_summary", "patient_id")
                            .to("patient", "id")
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_discharge_summary_patient")
                    .table("discharge_summary")
                    .col("patient_id")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table("discharge_summary").to_owned()).await
    }
}
