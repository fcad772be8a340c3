//! Adaptive reminder timing: one row per daily reminder rule with the patient's
//! "adapt to my routine" choice, the time they chose themselves (so turning adaptation
//! off restores it), the last move and its numbers, and the fatigue state. A rule without
//! a row is one nobody created through the service (adaptation off, no back-off); rules
//! that existed before this migration get a row with adaptation off.
//! `next_review_at` is indexed so the nightly step reads only the rows due for review.

use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_000130_create_reminder_adaptation"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("reminder_adaptation")
                    .col(pk_uuid("rule_id"))
                    .col(uuid("patient_id"))
                    .col(boolean("adapt"))
                    .col(small_integer("chosen_minute"))
                    .col(date_null("changed_on"))
                    .col(small_integer_null("moved_from"))
                    .col(small_integer_null("moved_to"))
                    .col(small_integer_null("median_minute"))
                    .col(small_integer_null("observed_days"))
                    .col(small_integer("ignored_days"))
                    .col(date_null("backoff_since"))
                    .col(timestamp_with_time_zone("next_review_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("reminder_adaptation", "rule_id")
                            .to("reminder_rule", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_reminder_adaptation_review")
                    .table("reminder_adaptation")
                    .col("next_review_at")
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_reminder_adaptation_patient")
                    .table("reminder_adaptation")
                    .col("patient_id")
                    .to_owned(),
            )
            .await?;
        // Patients who had reminders before this keep their fixed times until they opt in;
        // their rows exist so the fatigue back-off covers them too. Their first review is
        // due at once (the rule's creation instant is a valid past timestamp on both
        // backends).
        manager
            .get_connection()
            .execute_unprepared(
                "INSERT INTO reminder_adaptation \
                   (rule_id, patient_id, adapt, chosen_minute, ignored_days, next_review_at, updated_at) \
                 SELECT id, patient_id, FALSE, local_minute, 0, created_at, created_at FROM reminder_rule \
                 WHERE kind IN ('exercises', 'check_in', 'lesson')",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table("reminder_adaptation").to_owned()).await
    }
}
