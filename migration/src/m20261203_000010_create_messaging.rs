//! Secure messaging between a patient and their care team (issue 17).
//!
//! - `message`: one thread per patient, so a message names its patient rather than a
//!   thread. The primary key is the id the phone made (offline queue); `order_key` is a
//!   server-made, time-ordered UUID that lists and cursors sort by, because phone-made
//!   ids say nothing about order. `body_digest` fingerprints what was sent (text and the
//!   uploaded bytes of each attachment) so a replay can be told from a conflict.
//!   `push_due_at` is the push outbox: set when the other side should hear about the
//!   message, cleared once a worker claimed it.
//! - `message_attachment`: an image's metadata; the bytes (stripped of metadata) and the
//!   thumbnail live in whatever blob store is configured, under `blob_key`/`thumb_key`.
//! - `message_blob`: the database blob store (the default).
//! - `message_record_entry`: a message staff marked clinically relevant, copied into the
//!   clinical record (kept, like the rest of the record, after an erasure is confirmed).
//! - `clinic_hours`: when the care team reads messages, per ISO weekday, in the clinic's
//!   time zone; outside them a patient gets one automatic reply per off-hours stretch.

use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261203_000010_create_messaging"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("message")
                    .col(pk_uuid("id"))
                    .col(uuid_uniq("order_key"))
                    .col(uuid("clinic_id"))
                    .col(uuid("patient_id"))
                    .col(string_len("author", 16))
                    .col(uuid_null("author_user_id"))
                    .col(text("text"))
                    .col(string_len("body_digest", 64))
                    .col(small_integer("attachment_count"))
                    .col(timestamp_with_time_zone_null("read_at"))
                    .col(timestamp_with_time_zone_null("push_due_at"))
                    .col(timestamp_with_time_zone_null("clinically_relevant_at"))
                    .col(uuid_null("clinically_relevant_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(ForeignKey::create().from("message", "patient_id").to("patient", "id"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_message_patient_order")
                    .table("message")
                    .col("patient_id")
                    .col("order_key")
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(Index::create().name("idx_message_push_due").table("message").col("push_due_at").to_owned())
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("message_attachment")
                    .col(pk_uuid("id"))
                    .col(uuid("message_id"))
                    .col(uuid("patient_id"))
                    .col(small_integer("position"))
                    .col(string_len("kind", 16))
                    .col(integer("byte_size"))
                    .col(integer("width"))
                    .col(integer("height"))
                    .col(uuid("blob_key"))
                    .col(uuid("thumb_key"))
                    .col(integer("thumb_byte_size"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("message_attachment", "message_id")
                            .to("message", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_message_attachment_message")
                    .table("message_attachment")
                    .col("message_id")
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("message_blob")
                    .col(pk_uuid("key"))
                    .col(uuid("patient_id"))
                    .col(blob("data"))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("idx_message_blob_patient").table("message_blob").col("patient_id").to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("message_record_entry")
                    .col(pk_uuid("id"))
                    .col(uuid("patient_id"))
                    .col(uuid_uniq("message_id"))
                    .col(string_len("author", 16))
                    .col(text("text"))
                    .col(small_integer("attachment_count"))
                    .col(timestamp_with_time_zone("sent_at"))
                    .col(uuid("marked_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_message_record_entry_patient")
                    .table("message_record_entry")
                    .col("patient_id")
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("clinic_hours")
                    .col(uuid("clinic_id"))
                    .col(small_integer("weekday"))
                    .col(small_integer("open_minute"))
                    .col(small_integer("close_minute"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .primary_key(Index::create().col("clinic_id").col("weekday"))
                    .foreign_key(ForeignKey::create().from("clinic_hours", "clinic_id").to("clinic", "id"))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["clinic_hours", "message_record_entry", "message_blob", "message_attachment", "message"] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
