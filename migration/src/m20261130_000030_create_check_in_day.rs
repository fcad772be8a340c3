//! Trends read one row per patient and local day instead of every raw check-in: counts,
//! sums, minima and maxima of the ratings and the medication counts. The service that
//! writes check-ins keeps it current in the same transaction; this migration fills it
//! from the check-ins already stored (withdrawn ones left out, as trends leave them out).

use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261130_000030_create_check_in_day"
    }
}

/// Plain SQL both SQLite and PostgreSQL accept. On PostgreSQL `COUNT`/`SUM` give
/// `bigint`, which INSERT narrows to the `integer` columns; a day's sums stay far below
/// that range (ratings are 0–10).
const BACKFILL: &str = "\
INSERT INTO check_in_day (patient_id, local_date, \
 pain_count, pain_sum, pain_min, pain_max, \
 stress_count, stress_sum, stress_min, stress_max, \
 sleep_quality_count, sleep_quality_sum, sleep_quality_min, sleep_quality_max, \
 medication_none, medication_non_opioid, medication_opioid) \
SELECT patient_id, local_date, \
 COUNT(pain), COALESCE(SUM(pain), 0), MIN(pain), MAX(pain), \
 COUNT(stress), COALESCE(SUM(stress), 0), MIN(stress), MAX(stress), \
 COUNT(sleep_quality), COALESCE(SUM(sleep_quality), 0), MIN(sleep_quality), MAX(sleep_quality), \
 SUM(CASE WHEN medication = 'none' THEN 1 ELSE 0 END), \
 SUM(CASE WHEN medication = 'non_opioid' THEN 1 ELSE 0 END), \
 SUM(CASE WHEN medication = 'opioid' THEN 1 ELSE 0 END) \
FROM check_in WHERE deleted_at IS NULL GROUP BY patient_id, local_date";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut table = Table::create();
        table.table("check_in_day").col(uuid("patient_id")).col(date("local_date"));
        for rating in ["pain", "stress", "sleep_quality"] {
            table
                .col(integer(format!("{rating}_count")))
                .col(integer(format!("{rating}_sum")))
                .col(small_integer_null(format!("{rating}_min")))
                .col(small_integer_null(format!("{rating}_max")));
        }
        table
            .col(integer("medication_none"))
            .col(integer("medication_non_opioid"))
            .col(integer("medication_opioid"))
            .primary_key(Index::create().col("patient_id").col("local_date"))
            .foreign_key(
                ForeignKey::create()
                    .from("check_in_day", "patient_id")
                    .to("patient", "id")
                    .on_delete(ForeignKeyAction::Restrict),
            );
        manager.create_table(table.to_owned()).await?;
        manager.get_connection().execute_unprepared(BACKFILL).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table("check_in_day").to_owned()).await
    }
}
