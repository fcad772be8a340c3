//! Patient data rights: the history of consent changes, erasure requests and each
//! clinic's retention period for the clinical record.
//!
//! `erasure_request.patient_id` has no foreign key on purpose: the request is the
//! clinic's proof that the record was erased, so it outlives the patient row. Consent
//! history does point at the patient: it goes when the record is purged.

use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_000100_create_data_rights"
    }
}

fn fk(from_table: &'static str, from_col: &'static str, to_table: &'static str) -> ForeignKeyCreateStatement {
    ForeignKey::create().from(from_table, from_col).to(to_table, "id").on_delete(ForeignKeyAction::Restrict).to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("consent_event")
                    .col(pk_uuid("id"))
                    .col(uuid("clinic_id"))
                    .col(uuid("patient_id"))
                    .col(string_len("consent", 32))
                    .col(boolean("granted"))
                    .col(uuid_null("changed_by"))
                    .col(string_len("changed_by_role", 16))
                    .col(timestamp_with_time_zone("at"))
                    .foreign_key(&mut fk("consent_event", "clinic_id", "clinic"))
                    .foreign_key(&mut fk("consent_event", "patient_id", "patient"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_consent_event_patient")
                    .table("consent_event")
                    .col("patient_id")
                    .col("at")
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("erasure_request")
                    .col(pk_uuid("id"))
                    .col(uuid("clinic_id"))
                    .col(uuid("patient_id"))
                    .col(string_len("status", 16))
                    .col(text_null("patient_note"))
                    .col(timestamp_with_time_zone("requested_at"))
                    .col(uuid_null("decided_by"))
                    .col(timestamp_with_time_zone_null("decided_at"))
                    .col(text_null("decline_reason"))
                    .col(timestamp_with_time_zone_null("retain_until"))
                    .col(timestamp_with_time_zone_null("purged_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk("erasure_request", "clinic_id", "clinic"))
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            ("ix_erasure_request_clinic_status", &["clinic_id", "status"][..]),
            ("ix_erasure_request_patient", &["patient_id"][..]),
            ("ix_erasure_request_status_retain", &["status", "retain_until"][..]),
        ] {
            let mut index = Index::create();
            index.name(name).table("erasure_request");
            for col in cols {
                index.col(*col);
            }
            manager.create_index(index.to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table("clinic_data_policy")
                    .col(pk_uuid("clinic_id"))
                    .col(integer("retention_years"))
                    .col(uuid("updated_by"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk("clinic_data_policy", "clinic_id", "clinic"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["clinic_data_policy", "erasure_request", "consent_event"] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
