//! `blob_deletion`: the outbox of attachment objects to delete from the blob store.
//!
//! An object store cannot take part in a database transaction, so an erasure records the
//! keys of the thread's objects here in its own transaction, and a worker deletes them
//! afterwards. A row goes away only once the store said the object is gone (204 or 404);
//! until then `next_attempt_at` says when to try again and `attempts`/`last_error` say
//! how it went. The key is the primary key, so recording a key twice is one row.

use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261204_000200_create_blob_deletion"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("blob_deletion")
                    .col(pk_uuid("key"))
                    .col(integer("attempts").default(0))
                    .col(timestamp_with_time_zone("next_attempt_at"))
                    .col(string_len_null("last_error", 200))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("idx_blob_deletion_due").table("blob_deletion").col("next_attempt_at").to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table("blob_deletion").to_owned()).await
    }
}
