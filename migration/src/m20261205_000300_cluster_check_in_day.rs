//! On SQLite, `check_in_day` becomes a `WITHOUT ROWID` table: its rows are kept in the
//! order of their primary key `(patient_id, local_date)` instead of in a rowid table
//! beside a separate key index.
//!
//! Why: every check-in updates (or adds) its patient's day, and a year of trends reads
//! up to 366 of one patient's days. In a rowid table each of those touches two B-trees,
//! the key index and the row it points to, and a patient's rows are scattered through the
//! table in the order they were first written. Clustered by the key, the upsert touches
//! one B-tree and the trend read is one contiguous range.
//!
//! The table is rebuilt from the text SQLite keeps of its own definition, so the columns,
//! types and foreign key stay exactly as created. PostgreSQL has no such option and needs
//! none (its heap is never organised by key), so nothing changes there.

use sea_orm_migration::{
    prelude::*,
    sea_orm::{ConnectionTrait, DbBackend, Statement},
};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261205_000300_cluster_check_in_day"
    }
}

const TABLE: &str = "check_in_day";
const REBUILT: &str = "check_in_day_clustered";

/// SQLite's stored `CREATE TABLE` text of `check_in_day`.
async fn definition(manager: &SchemaManager<'_>) -> Result<String, DbErr> {
    let db = manager.get_connection();
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Sqlite,
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?",
            [TABLE.into()],
        ))
        .await?
        .ok_or_else(|| DbErr::Migration(format!("table {TABLE} is missing")))?;
    row.try_get("", "sql")
}

/// Recreates `check_in_day` from `sql` (its definition with or without `WITHOUT ROWID`),
/// keeping every row. The migration runs in a transaction (`use_transaction`), so a
/// failure between the drop and the rename cannot leave the table missing.
async fn rebuild(manager: &SchemaManager<'_>, sql: &str) -> Result<(), DbErr> {
    let db = manager.get_connection();
    // The definition starts `CREATE TABLE "check_in_day" (` (quoted or not): the first
    // occurrence of the name is the table's own.
    db.execute_unprepared(&sql.replacen(TABLE, REBUILT, 1)).await?;
    db.execute_unprepared(&format!("INSERT INTO {REBUILT} SELECT * FROM {TABLE}")).await?;
    db.execute_unprepared(&format!("DROP TABLE {TABLE}")).await?;
    db.execute_unprepared(&format!("ALTER TABLE {REBUILT} RENAME TO {TABLE}")).await?;
    Ok(())
}

fn clustered(sql: &str) -> bool {
    sql.trim_end().to_ascii_uppercase().ends_with("WITHOUT ROWID")
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// SQLite migrations run outside a transaction unless they ask for one.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Sqlite {
            return Ok(());
        }
        let sql = definition(manager).await?;
        if clustered(&sql) {
            return Ok(());
        }
        rebuild(manager, &format!("{} WITHOUT ROWID", sql.trim_end())).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Sqlite {
            return Ok(());
        }
        let sql = definition(manager).await?;
        if !clustered(&sql) {
            return Ok(());
        }
        let trimmed = sql.trim_end();
        rebuild(manager, trimmed[..trimmed.len() - "WITHOUT ROWID".len()].trim_end()).await
    }
}

#[cfg(test)]
mod tests {
    use sea_orm_migration::sea_orm::{ConnectOptions, Database, DatabaseConnection};

    use super::*;
    use crate::Migrator;

    async fn migrated() -> DatabaseConnection {
        // One connection: each SQLite in-memory connection is a database of its own.
        let mut opts = ConnectOptions::new("sqlite::memory:");
        opts.max_connections(1).min_connections(1).sqlx_logging(false);
        let db = Database::connect(opts).await.unwrap();
        Migrator::up(&db, None).await.unwrap();
        db
    }

    /// Every row of the table as text, in key order.
    async fn rows(db: &DatabaseConnection) -> Vec<String> {
        let sql = "SELECT quote(patient_id) || '|' || local_date || '|' || pain_count || '|' || pain_sum || '|' || \
                   coalesce(pain_min, 'null') || '|' || medication_opioid AS r FROM check_in_day \
                   ORDER BY patient_id, local_date";
        let found = db.query_all_raw(Statement::from_string(DbBackend::Sqlite, sql)).await.unwrap();
        found.iter().map(|row| row.try_get::<String>("", "r").unwrap()).collect()
    }

    #[tokio::test]
    async fn the_day_table_is_clustered_and_keeps_its_rows_both_ways() {
        let db = migrated().await;
        let manager = SchemaManager::new(&db);
        assert!(clustered(&definition(&manager).await.unwrap()));
        // The rows need no patient for this test.
        db.execute_unprepared("PRAGMA foreign_keys = OFF").await.unwrap();
        for (patient, day, pain) in [("02", "2026-11-02", 4), ("01", "2026-11-03", 7), ("01", "2026-11-01", 2)] {
            db.execute_unprepared(&format!(
                "INSERT INTO check_in_day VALUES (X'{}', '{day}', 1, {pain}, {pain}, {pain}, 0, 0, NULL, NULL, \
                 0, 0, NULL, NULL, 1, 0, 0)",
                patient.repeat(16)
            ))
            .await
            .unwrap();
        }
        let before = rows(&db).await;
        assert_eq!(before.len(), 3);

        Migration.down(&manager).await.unwrap();
        assert!(!clustered(&definition(&manager).await.unwrap()));
        assert_eq!(rows(&db).await, before);

        Migration.up(&manager).await.unwrap();
        assert!(clustered(&definition(&manager).await.unwrap()));
        assert_eq!(rows(&db).await, before);
        // Run twice, it changes nothing.
        Migration.up(&manager).await.unwrap();
        assert_eq!(rows(&db).await, before);
    }
}
