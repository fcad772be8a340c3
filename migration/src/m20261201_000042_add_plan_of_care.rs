//! The plan of care on the care plan: in-clinic frequency and duration, when the patient
//! is due for re-evaluation, and the physician's certification (who, on which day, valid
//! until). A recertification overwrites these columns; earlier certifications stay in
//! the plan's version history. Goals get a target date. All nullable: plans written
//! before this have none of it.

use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000042_add_plan_of_care"
    }
}

fn plan_columns() -> Vec<ColumnDef> {
    vec![
        small_integer_null("sessions_per_week"),
        small_integer_null("duration_weeks"),
        date_null("reevaluation_due"),
        string_len_null("certified_by", 200),
        date_null("certified_on"),
        date_null("certified_until"),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite cannot add two in one ALTER TABLE.
        for mut column in plan_columns() {
            manager.alter_table(Table::alter().table("care_plan").add_column(&mut column).to_owned()).await?;
        }
        manager.alter_table(Table::alter().table("plan_goal").add_column(date_null("target_date")).to_owned()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table("plan_goal").drop_column("target_date").to_owned()).await?;
        for column in plan_columns() {
            let name = column.get_column_name();
            manager.alter_table(Table::alter().table("care_plan").drop_column(Alias::new(name)).to_owned()).await?;
        }
        Ok(())
    }
}
