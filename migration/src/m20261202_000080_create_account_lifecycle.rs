//! Accounts beyond the first login (issue 15): password-reset requests, revocable
//! invites, and where each login session came from.
//!
//! - `password_reset` keeps every request, answered or not, so the throttle (per email
//!   digest and per client address) holds across replicas. Only the SHA-256 of a token is
//!   stored, and only when the address belongs to an account.
//! - `invite.revoked_at` marks an invite an admin or therapist withdrew.
//! - `login_session` is one row per refresh-token family: the device label and address
//!   seen at login. Liveness stays with `refresh_token`.

use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_000080_create_account_lifecycle"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("password_reset")
                    .col(pk_uuid("id"))
                    .col(uuid_null("user_id"))
                    .col(string_len("email_digest", 64))
                    .col(string_len("address", 64))
                    .col(string_len_null("token_hash", 64).unique_key())
                    .col(timestamp_with_time_zone("expires_at"))
                    .col(timestamp_with_time_zone_null("used_at"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("password_reset", "user_id")
                            .to("app_user", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, col) in [("ix_password_reset_email", "email_digest"), ("ix_password_reset_address", "address")] {
            manager
                .create_index(Index::create().name(name).table("password_reset").col(col).col("created_at").to_owned())
                .await?;
        }
        manager
            .alter_table(
                Table::alter().table("invite").add_column(timestamp_with_time_zone_null("revoked_at")).to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("login_session")
                    .col(pk_uuid("family_id"))
                    .col(uuid("user_id"))
                    .col(string_len("device_label", 100))
                    .col(string_len("address", 64))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("login_session", "user_id")
                            .to("app_user", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("ix_login_session_user").table("login_session").col("user_id").to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table("login_session").to_owned()).await?;
        manager.alter_table(Table::alter().table("invite").drop_column("revoked_at").to_owned()).await?;
        manager.drop_table(Table::drop().table("password_reset").to_owned()).await
    }
}
