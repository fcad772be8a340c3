//! Clinics, accounts, patient records, invites and refresh-token families.

use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261126_000001_create_accounts"
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
                    .table("clinic")
                    .col(pk_uuid("id"))
                    .col(string_len("name", 200))
                    .col(string_len("timezone", 64))
                    .col(boolean("is_demo"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("app_user")
                    .col(pk_uuid("id"))
                    .col(uuid("clinic_id"))
                    .col(string_len("role", 16))
                    .col(string_len_uniq("email", 254))
                    .col(string_len("password_hash", 200))
                    .col(string_len("display_name", 200))
                    .col(string_len("timezone", 64))
                    .col(timestamp_with_time_zone_null("disabled_at"))
                    .col(timestamp_with_time_zone("password_changed_at"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk("app_user", "clinic_id", "clinic"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_app_user_clinic_role")
                    .table("app_user")
                    .col("clinic_id")
                    .col("role")
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("patient")
                    .col(pk_uuid("id"))
                    .col(uuid("clinic_id"))
                    .col(uuid_null("user_id").unique_key())
                    .col(uuid("primary_therapist_id"))
                    .col(string_len("display_name", 200))
                    .col(string_len("search_name", 200))
                    .col(string_len_null("referring_physician_name", 200))
                    .col(string_len_null("referring_physician_contact", 500))
                    .col(text_null("diagnosis"))
                    .col(string_len("icd10_codes", 400))
                    .col(text_null("precautions"))
                    .col(small_integer_null("baseline_pain"))
                    .col(boolean("consent_reminders"))
                    .col(boolean("consent_physician_sharing"))
                    .col(timestamp_with_time_zone_null("archived_at"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk("patient", "clinic_id", "clinic"))
                    .foreign_key(&mut fk("patient", "user_id", "app_user"))
                    .foreign_key(&mut fk("patient", "primary_therapist_id", "app_user"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_patient_clinic_therapist")
                    .table("patient")
                    .col("clinic_id")
                    .col("primary_therapist_id")
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("invite")
                    .col(pk_uuid("id"))
                    .col(uuid("clinic_id"))
                    .col(string_len("role", 16))
                    .col(string_len("email", 254))
                    .col(string_len("display_name", 200))
                    .col(uuid_null("patient_id"))
                    .col(string_len_uniq("token_hash", 64))
                    .col(timestamp_with_time_zone("expires_at"))
                    .col(timestamp_with_time_zone_null("accepted_at"))
                    .col(uuid("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut fk("invite", "clinic_id", "clinic"))
                    .foreign_key(&mut fk("invite", "patient_id", "patient"))
                    .foreign_key(&mut fk("invite", "created_by", "app_user"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("refresh_token")
                    .col(pk_uuid("id"))
                    .col(uuid("user_id"))
                    .col(uuid("family_id"))
                    .col(string_len_uniq("token_hash", 64))
                    .col(timestamp_with_time_zone("expires_at"))
                    .col(timestamp_with_time_zone("family_expires_at"))
                    .col(timestamp_with_time_zone_null("rotated_at"))
                    .col(timestamp_with_time_zone_null("revoked_at"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut fk("refresh_token", "user_id", "app_user"))
                    .to_owned(),
            )
            .await?;
        for (name, col) in [("ix_refresh_token_family", "family_id"), ("ix_refresh_token_user", "user_id")] {
            manager.create_index(Index::create().name(name).table("refresh_token").col(col).to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["refresh_token", "invite", "patient", "app_user", "clinic"] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
