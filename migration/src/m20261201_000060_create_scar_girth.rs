//! Scar assessments (size and the Vancouver Scar Scale) and girth measurements for
//! swelling, each recorded in a session and trended over sessions. Both are read per
//! patient in time order, hence the `(patient_id, measured_at)` indexes.

use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000060_create_scar_girth"
    }
}

fn fk(from: &'static str, col: &'static str, to: &'static str) -> ForeignKeyCreateStatement {
    ForeignKey::create().from(from, col).to(to, "id").on_delete(ForeignKeyAction::Restrict).to_owned()
}

fn by_patient(name: &'static str, table: &'static str) -> IndexCreateStatement {
    Index::create().name(name).table(table).col("patient_id").col("measured_at").to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("scar_assessment")
                    .col(pk_uuid("id"))
                    .col(uuid("clinic_id"))
                    .col(uuid("patient_id"))
                    .col(uuid("appointment_id"))
                    .col(timestamp_with_time_zone("measured_at"))
                    .col(string_len("region", 24))
                    .col(string_len("side", 16))
                    .col(string_len("label", 200))
                    .col(integer("length_mm"))
                    .col(integer("width_mm"))
                    .col(small_integer("pigmentation"))
                    .col(small_integer("vascularity"))
                    .col(small_integer("pliability"))
                    .col(small_integer("height"))
                    .col(small_integer("total"))
                    .col(uuid("recorded_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut fk("scar_assessment", "patient_id", "patient"))
                    .foreign_key(&mut fk("scar_assessment", "appointment_id", "appointment"))
                    .to_owned(),
            )
            .await?;
        manager.create_index(by_patient("ix_scar_assessment_patient", "scar_assessment")).await?;
        manager
            .create_table(
                Table::create()
                    .table("girth_measurement")
                    .col(pk_uuid("id"))
                    .col(uuid("clinic_id"))
                    .col(uuid("patient_id"))
                    .col(uuid("appointment_id"))
                    .col(timestamp_with_time_zone("measured_at"))
                    .col(string_len("region", 24))
                    .col(string_len("side", 16))
                    .col(string_len("landmark", 200))
                    .col(integer("distance_mm"))
                    .col(integer("circumference_mm"))
                    .col(uuid("recorded_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut fk("girth_measurement", "patient_id", "patient"))
                    .foreign_key(&mut fk("girth_measurement", "appointment_id", "appointment"))
                    .to_owned(),
            )
            .await?;
        manager.create_index(by_patient("ix_girth_measurement_patient", "girth_measurement")).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table("girth_measurement").to_owned()).await?;
        manager.drop_table(Table::drop().table("scar_assessment").to_owned()).await
    }
}
