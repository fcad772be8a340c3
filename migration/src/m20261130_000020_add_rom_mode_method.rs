//! Range-of-motion measurements record whether the movement was active or passive and
//! how it was measured. Rows stored before this have neither (null: not recorded).

use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261130_000020_add_rom_mode_method"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite cannot add two in one ALTER TABLE.
        manager.alter_table(Table::alter().table("rom_measure").add_column(string_null("mode")).to_owned()).await?;
        manager.alter_table(Table::alter().table("rom_measure").add_column(string_null("method")).to_owned()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table("rom_measure").drop_column("method").to_owned()).await?;
        manager.alter_table(Table::alter().table("rom_measure").drop_column("mode").to_owned()).await
    }
}
