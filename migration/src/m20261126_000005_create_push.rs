//! Web Push: browser subscriptions, per-patient reminder rules, per-user quiet hours, the
//! reminder outbox (occurrences, leased by workers) and the log of every push attempt.

use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261126_000005_create_push"
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
                    .table("push_subscription")
                    .col(pk_uuid("id"))
                    .col(uuid("user_id"))
                    .col(string_len_uniq("endpoint", 2048))
                    .col(string_len("p256dh", 100))
                    .col(string_len("auth", 40))
                    .col(string_len("vapid_key_id", 32))
                    .col(string_len_null("device_label", 100))
                    .col(timestamp_with_time_zone_null("expiration_time"))
                    .col(timestamp_with_time_zone_null("last_success_at"))
                    .col(integer("consecutive_failures"))
                    .col(timestamp_with_time_zone_null("expired_at"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk("push_subscription", "user_id", "app_user"))
                    .to_owned(),
            )
            .await?;
        manager.create_index(index("ix_push_subscription_user", "push_subscription", &["user_id"])).await?;

        manager
            .create_table(
                Table::create()
                    .table("reminder_preference")
                    .col(pk_uuid("user_id"))
                    .col(small_integer_null("quiet_start_minute"))
                    .col(small_integer_null("quiet_end_minute"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk("reminder_preference", "user_id", "app_user"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("reminder_rule")
                    .col(pk_uuid("id"))
                    .col(uuid("patient_id"))
                    .col(string_len("kind", 16))
                    .col(small_integer("local_minute"))
                    .col(small_integer("days_mask"))
                    .col(boolean("enabled"))
                    // Copied from the patient's zone so the dispatcher can find what is due
                    // per zone with an index instead of visiting every patient.
                    .col(string_len("timezone", 64))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk("reminder_rule", "patient_id", "patient"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("ux_reminder_rule_kind", "reminder_rule", &["patient_id", "kind"]).unique().to_owned())
            .await?;
        manager
            .create_index(index("ix_reminder_rule_due", "reminder_rule", &["timezone", "local_minute", "enabled"]))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("reminder_watermark")
                    .col(pk_uuid("id"))
                    .col(timestamp_with_time_zone("materialised_until"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("reminder_occurrence")
                    .col(pk_uuid("id"))
                    .col(uuid("rule_id"))
                    .col(uuid("patient_id"))
                    .col(string_len("kind", 16))
                    .col(date("local_date"))
                    .col(timestamp_with_time_zone("due_at"))
                    .col(timestamp_with_time_zone("next_attempt_at"))
                    .col(string_len("status", 16))
                    .col(uuid_null("lease_token"))
                    .col(timestamp_with_time_zone_null("lease_until"))
                    .col(integer("attempts"))
                    .col(string_len_null("last_error", 200))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk("reminder_occurrence", "rule_id", "reminder_rule"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index("ux_reminder_occurrence_day", "reminder_occurrence", &["rule_id", "local_date"])
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("ix_reminder_occurrence_next", "reminder_occurrence", &["status", "next_attempt_at"]))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("push_delivery")
                    .col(pk_uuid("id"))
                    .col(uuid_null("occurrence_id"))
                    .col(uuid("subscription_id"))
                    .col(string_len("purpose", 16))
                    .col(integer_null("http_status"))
                    .col(string_len("outcome", 16))
                    .col(timestamp_with_time_zone("at"))
                    .foreign_key(&mut fk("push_delivery", "subscription_id", "push_subscription"))
                    .to_owned(),
            )
            .await?;
        manager.create_index(index("ix_push_delivery_occurrence", "push_delivery", &["occurrence_id"])).await?;
        manager.create_index(index("ix_push_delivery_subscription", "push_delivery", &["subscription_id"])).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "push_delivery",
            "reminder_occurrence",
            "reminder_watermark",
            "reminder_rule",
            "reminder_preference",
            "push_subscription",
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
