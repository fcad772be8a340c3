//! Share links (issue 14): a frozen progress report a therapist shares with the
//! referring physician through an expiring, revocable link, and the log of every
//! attempt to open one.
//!
//! Only the SHA-256 of the link's token is stored; the optional 6-digit code is stored
//! hashed together with the token, so the code cannot be guessed offline from a copy of
//! the database. The report is stored as rendered (HTML and PDF bytes) when the link is
//! made, so the physician sees exactly what was shared. `share_link_view` rows are the
//! audit of each visit (time, address, user agent, outcome) and the source of the
//! throttle, so it holds across replicas and restarts.

use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_000070_create_share_links"
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
                    .table("share_link")
                    .col(pk_uuid("id"))
                    .col(uuid("clinic_id"))
                    .col(uuid("patient_id"))
                    .col(string_len_uniq("token_hash", 64))
                    .col(string_len_null("code_hash", 64))
                    .col(date("period_from"))
                    .col(date("period_to"))
                    .col(timestamp_with_time_zone("expires_at"))
                    .col(timestamp_with_time_zone_null("revoked_at"))
                    .col(uuid_null("revoked_by"))
                    .col(text("report_html"))
                    .col(blob("report_pdf"))
                    .col(uuid("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk("share_link", "clinic_id", "clinic"))
                    .foreign_key(&mut fk("share_link", "patient_id", "patient"))
                    .foreign_key(&mut fk("share_link", "created_by", "app_user"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("ix_share_link_patient").table("share_link").col("patient_id").to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("share_link_view")
                    .col(pk_uuid("id"))
                    .col(uuid_null("share_link_id"))
                    .col(timestamp_with_time_zone("at"))
                    .col(string_len("address", 64))
                    .col(string_len_null("user_agent", 300))
                    .col(string_len("outcome", 16))
                    .foreign_key(&mut fk("share_link_view", "share_link_id", "share_link"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_share_link_view_link")
                    .table("share_link_view")
                    .col("share_link_id")
                    .col("at")
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_share_link_view_address")
                    .table("share_link_view")
                    .col("address")
                    .col("at")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table("share_link_view").to_owned()).await?;
        manager.drop_table(Table::drop().table("share_link").to_owned()).await
    }
}
