//! Session notes become a record that can be signed: a version for If-Match, when it
//! was signed and whether late, and the treatment given (position, pressure, the
//! patient's response, techniques and regions as typed JSON). Existing notes stay
//! drafts at version 1 with nothing recorded about the treatment.

use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000050_add_session_note_signing"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one column at a time.
        for column in [
            integer("version").default(1).to_owned(),
            timestamp_with_time_zone_null("signed_at"),
            boolean("signed_late").default(false).to_owned(),
            string_len_null("position", 16),
            string_len_null("pressure", 16),
            text("response").default("").to_owned(),
            json_null("treatment"),
        ] {
            let mut column = column;
            manager.alter_table(Table::alter().table("session_note").add_column(&mut column).to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in ["treatment", "response", "pressure", "position", "signed_late", "signed_at", "version"] {
            manager.alter_table(Table::alter().table("session_note").drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}
