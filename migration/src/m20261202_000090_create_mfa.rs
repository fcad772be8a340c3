//! Second factors (issue 15): a TOTP secret per account (sealed with the data key),
//! one-time recovery codes and second-step login challenges (both stored hashed), and a
//! clinic's policy requiring MFA of its staff. Rows go with their account or clinic.

use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_000090_create_mfa"
    }
}

fn fk(from_table: &'static str, from_col: &'static str, to_table: &'static str) -> ForeignKeyCreateStatement {
    ForeignKey::create().from(from_table, from_col).to(to_table, "id").on_delete(ForeignKeyAction::Cascade).to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("mfa_totp")
                    .col(pk_uuid("user_id"))
                    .col(text("secret_sealed"))
                    .col(timestamp_with_time_zone_null("confirmed_at"))
                    .col(big_integer_null("last_step"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk("mfa_totp", "user_id", "app_user"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("mfa_recovery_code")
                    .col(pk_uuid("id"))
                    .col(uuid("user_id"))
                    .col(string_len_uniq("code_hash", 64))
                    .col(timestamp_with_time_zone_null("used_at"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut fk("mfa_recovery_code", "user_id", "app_user"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("ix_mfa_recovery_code_user").table("mfa_recovery_code").col("user_id").to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("mfa_challenge")
                    .col(pk_uuid("id"))
                    .col(uuid("user_id"))
                    .col(string_len_uniq("token_hash", 64))
                    .col(string_len("purpose", 16))
                    .col(timestamp_with_time_zone("expires_at"))
                    .col(timestamp_with_time_zone_null("used_at"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut fk("mfa_challenge", "user_id", "app_user"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("ix_mfa_challenge_user").table("mfa_challenge").col("user_id").to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("clinic_mfa_policy")
                    .col(pk_uuid("clinic_id"))
                    .col(boolean("staff_required"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk("clinic_mfa_policy", "clinic_id", "clinic"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["clinic_mfa_policy", "mfa_challenge", "mfa_recovery_code", "mfa_totp"] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
