//! Check-ins, outcome measures, alerts, appointments with session notes, and the
//! per-patient disengagement setting.

use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261126_000004_create_check_ins"
    }
}

fn fk(from_table: &'static str, from_col: &'static str, to_table: &'static str) -> ForeignKeyCreateStatement {
    ForeignKey::create().from(from_table, from_col).to(to_table, "id").on_delete(ForeignKeyAction::Restrict).to_owned()
}

fn index(name: &'static str, table: &'static str, cols: &[&'static str]) -> IndexCreateStatement {
    let mut index = Index::create();
    index.name(name).table(table);
    for col in cols {
        index.col(*col);
    }
    index.to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("check_in")
                    .col(pk_uuid("id"))
                    .col(uuid("patient_id"))
                    .col(timestamp_with_time_zone("recorded_at"))
                    .col(date("local_date"))
                    .col(small_integer_null("pain"))
                    .col(small_integer_null("stress"))
                    .col(small_integer_null("sleep_quality"))
                    .col(string_len_null("medication", 16))
                    .col(text("pain_sites"))
                    .col(text("red_flags"))
                    .col(string_len("context", 16))
                    .col(text_null("note"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .col(timestamp_with_time_zone_null("deleted_at"))
                    .foreign_key(&mut fk("check_in", "patient_id", "patient"))
                    .to_owned(),
            )
            .await?;
        manager.create_index(index("ix_check_in_patient_date", "check_in", &["patient_id", "local_date"])).await?;
        manager.create_index(index("ix_check_in_patient_recorded", "check_in", &["patient_id", "recorded_at"])).await?;
        manager.create_index(index("ix_check_in_patient_updated", "check_in", &["patient_id", "updated_at"])).await?;

        manager
            .create_table(
                Table::create()
                    .table("clinic_instrument")
                    .col(uuid("clinic_id"))
                    .col(string_len("instrument", 32))
                    .col(text("item_text"))
                    .col(uuid("enabled_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .primary_key(Index::create().col("clinic_id").col("instrument"))
                    .foreign_key(&mut fk("clinic_instrument", "clinic_id", "clinic"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("measure_schedule")
                    .col(pk_uuid("id"))
                    .col(uuid("patient_id"))
                    .col(string_len("instrument", 32))
                    .col(small_integer("every_days"))
                    .col(date("starts_on"))
                    .col(text("activities"))
                    .col(uuid("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .col(timestamp_with_time_zone_null("ended_at"))
                    .foreign_key(&mut fk("measure_schedule", "patient_id", "patient"))
                    .to_owned(),
            )
            .await?;
        // One running schedule per instrument and patient, even under concurrent requests.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX ux_measure_schedule_running ON measure_schedule (patient_id, instrument) \
                 WHERE ended_at IS NULL",
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("measure_response")
                    .col(pk_uuid("id"))
                    .col(uuid("patient_id"))
                    .col(string_len("instrument", 32))
                    .col(text("answers"))
                    .col(double("score"))
                    .col(timestamp_with_time_zone("recorded_at"))
                    .col(date("local_date"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut fk("measure_response", "patient_id", "patient"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_measure_response_patient",
                "measure_response",
                &["patient_id", "instrument", "local_date"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("alert")
                    .col(pk_uuid("id"))
                    .col(uuid("clinic_id"))
                    .col(uuid("patient_id"))
                    .col(string_len("kind", 16))
                    .col(text("details"))
                    .col(timestamp_with_time_zone("triggered_at"))
                    .col(uuid_null("source_id"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(uuid_null("acknowledged_by"))
                    .col(timestamp_with_time_zone_null("acknowledged_at"))
                    .foreign_key(&mut fk("alert", "clinic_id", "clinic"))
                    .foreign_key(&mut fk("alert", "patient_id", "patient"))
                    .to_owned(),
            )
            .await?;
        manager.create_index(index("ix_alert_clinic", "alert", &["clinic_id", "created_at"])).await?;
        manager.create_index(index("ix_alert_patient", "alert", &["patient_id", "kind", "created_at"])).await?;
        // No duplicate open alert of one kind: replicas evaluating rules at once cannot
        // both raise it.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX ux_alert_open ON alert (patient_id, kind) WHERE acknowledged_at IS NULL",
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("appointment")
                    .col(pk_uuid("id"))
                    .col(uuid("clinic_id"))
                    .col(uuid("patient_id"))
                    .col(uuid("therapist_id"))
                    .col(timestamp_with_time_zone("starts_at"))
                    .col(timestamp_with_time_zone("ends_at"))
                    .col(string_len("status", 16))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk("appointment", "clinic_id", "clinic"))
                    .foreign_key(&mut fk("appointment", "patient_id", "patient"))
                    .foreign_key(&mut fk("appointment", "therapist_id", "app_user"))
                    .to_owned(),
            )
            .await?;
        manager.create_index(index("ix_appointment_patient", "appointment", &["patient_id", "starts_at"])).await?;
        manager.create_index(index("ix_appointment_status", "appointment", &["status", "starts_at"])).await?;

        manager
            .create_table(
                Table::create()
                    .table("session_note")
                    .col(pk_uuid("id"))
                    .col(uuid_uniq("appointment_id"))
                    .col(uuid("patient_id"))
                    .col(uuid("author_id"))
                    .col(text("subjective"))
                    .col(text("objective"))
                    .col(text("assessment"))
                    .col(text("plan"))
                    .col(small_integer_null("pain_before"))
                    .col(small_integer_null("pain_after"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk("session_note", "appointment_id", "appointment"))
                    .foreign_key(&mut fk("session_note", "patient_id", "patient"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("rom_measure")
                    .col(pk_uuid("id"))
                    .col(uuid("session_note_id"))
                    .col(uuid("patient_id"))
                    .col(timestamp_with_time_zone("measured_at"))
                    .col(string_len("region", 24))
                    .col(string_len("side", 8))
                    .col(string_len("movement", 32))
                    .col(small_integer("degrees"))
                    .col(small_integer("position"))
                    .foreign_key(&mut fk("rom_measure", "session_note_id", "session_note"))
                    .foreign_key(&mut fk("rom_measure", "patient_id", "patient"))
                    .to_owned(),
            )
            .await?;
        manager.create_index(index("ix_rom_measure_patient", "rom_measure", &["patient_id", "measured_at"])).await?;
        manager.create_index(index("ix_rom_measure_note", "rom_measure", &["session_note_id"])).await?;

        // Days without a check-in before a disengaged alert; a clinical setting per patient.
        manager
            .alter_table(
                Table::alter()
                    .table("patient")
                    .add_column(small_integer("disengaged_after_days").default(3))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table("patient").drop_column("disengaged_after_days").to_owned()).await?;
        for table in [
            "rom_measure",
            "session_note",
            "appointment",
            "alert",
            "measure_response",
            "measure_schedule",
            "clinic_instrument",
            "check_in",
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
