//! Referrals (prescriptions) and payer authorizations: a patient may have several of
//! each over time. An authorization may name the referral it rests on. The payer member
//! id is stored only encrypted (`member_id_sealed`, see `fascia::data_key`); each
//! authorization remembers when its "running low" and "expiring" alerts were raised, so
//! each fires once.

use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000040_create_referrals"
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
                    .table("referral")
                    .col(pk_uuid("id"))
                    .col(uuid("clinic_id"))
                    .col(uuid("patient_id"))
                    .col(string_len("physician_name", 200))
                    .col(string_len_null("physician_practice", 200))
                    .col(string_len_null("physician_phone", 40))
                    .col(string_len_null("physician_fax", 40))
                    .col(string_len_null("physician_email", 254))
                    .col(string_len_null("physician_npi", 10))
                    .col(date("referral_date"))
                    .col(text("diagnoses"))
                    .col(text("ordered"))
                    .col(integer_null("visits_ordered"))
                    .col(date_null("expires_on"))
                    .col(text_null("precautions"))
                    .col(uuid("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk("referral", "clinic_id", "clinic"))
                    .foreign_key(&mut fk("referral", "patient_id", "patient"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_referral_patient")
                    .table("referral")
                    .col("patient_id")
                    .col("referral_date")
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("payer_authorization")
                    .col(pk_uuid("id"))
                    .col(uuid("clinic_id"))
                    .col(uuid("patient_id"))
                    .col(uuid_null("referral_id"))
                    .col(string_len("payer_name", 200))
                    .col(text("member_id_sealed"))
                    .col(string_len("authorization_number", 100))
                    .col(integer("visits_authorized"))
                    .col(date("starts_on"))
                    .col(date("ends_on"))
                    .col(timestamp_with_time_zone_null("low_alerted_at"))
                    .col(timestamp_with_time_zone_null("expiring_alerted_at"))
                    .col(uuid("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk("payer_authorization", "clinic_id", "clinic"))
                    .foreign_key(&mut fk("payer_authorization", "patient_id", "patient"))
                    .foreign_key(&mut fk("payer_authorization", "referral_id", "referral"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_payer_authorization_patient")
                    .table("payer_authorization")
                    .col("patient_id")
                    .col("starts_on")
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_payer_authorization_ends")
                    .table("payer_authorization")
                    .col("ends_on")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table("payer_authorization").to_owned()).await?;
        manager.drop_table(Table::drop().table("referral").to_owned()).await
    }
}
