//! The exercise and lesson library, care plans with their version history, and what
//! patients log against them.

use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261126_000003_create_care_plans"
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
                    .table("exercise")
                    .col(pk_uuid("id"))
                    .col(uuid_null("clinic_id"))
                    .col(string_len_null("slug", 100))
                    .col(uuid_null("source_id"))
                    .col(string_len("title", 200))
                    .col(string_len("search_title", 200))
                    .col(string_len("summary", 1000))
                    .col(string_len("regions", 200))
                    .col(text("steps"))
                    .col(text("cautions"))
                    .col(text("media_urls"))
                    .col(small_integer("sets"))
                    .col(small_integer("reps"))
                    .col(small_integer("hold_seconds"))
                    .col(string_len("side", 8))
                    .col(small_integer("rest_seconds"))
                    .col(small_integer("times_per_day"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk("exercise", "clinic_id", "clinic"))
                    .to_owned(),
            )
            .await?;
        manager.create_index(index("ix_exercise_clinic", "exercise", &["clinic_id"])).await?;

        manager
            .create_table(
                Table::create()
                    .table("lesson")
                    .col(pk_uuid("id"))
                    .col(uuid_null("clinic_id"))
                    .col(string_len_null("slug", 100))
                    .col(uuid_null("source_id"))
                    .col(string_len("title", 200))
                    .col(string_len("search_title", 200))
                    .col(string_len("topic", 32))
                    .col(small_integer("minutes"))
                    .col(text("body"))
                    .col(text("questions"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk("lesson", "clinic_id", "clinic"))
                    .to_owned(),
            )
            .await?;
        manager.create_index(index("ix_lesson_clinic", "lesson", &["clinic_id"])).await?;

        manager
            .create_table(
                Table::create()
                    .table("library_hidden")
                    .col(uuid("clinic_id"))
                    .col(uuid("item_id"))
                    .col(timestamp_with_time_zone("created_at"))
                    .primary_key(Index::create().col("clinic_id").col("item_id"))
                    .foreign_key(&mut fk("library_hidden", "clinic_id", "clinic"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("care_plan")
                    .col(pk_uuid("id"))
                    .col(uuid("clinic_id"))
                    .col(uuid("patient_id"))
                    .col(uuid("therapist_id"))
                    .col(string_len("title", 200))
                    .col(string_len("status", 16))
                    .col(date("start_date"))
                    .col(date_null("end_date"))
                    .col(integer("version"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk("care_plan", "clinic_id", "clinic"))
                    .foreign_key(&mut fk("care_plan", "patient_id", "patient"))
                    .foreign_key(&mut fk("care_plan", "therapist_id", "app_user"))
                    .to_owned(),
            )
            .await?;
        manager.create_index(index("ix_care_plan_patient", "care_plan", &["patient_id"])).await?;
        // One active plan per patient, enforced by the database even under races.
        // The same partial-index syntax works on SQLite and PostgreSQL.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX ux_care_plan_one_active ON care_plan (patient_id) WHERE status = 'active'",
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("care_plan_version")
                    .col(uuid("plan_id"))
                    .col(integer("version"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(uuid("changed_by"))
                    .col(string_len("change", 64))
                    .col(text("snapshot"))
                    .primary_key(Index::create().col("plan_id").col("version"))
                    .foreign_key(&mut fk("care_plan_version", "plan_id", "care_plan"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("plan_goal")
                    .col(pk_uuid("id"))
                    .col(uuid("plan_id"))
                    .col(string_len("activity", 200))
                    .col(small_integer("baseline"))
                    .col(small_integer("target"))
                    .col(string_len("status", 16))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk("plan_goal", "plan_id", "care_plan"))
                    .to_owned(),
            )
            .await?;
        manager.create_index(index("ix_plan_goal_plan", "plan_goal", &["plan_id"])).await?;

        manager
            .create_table(
                Table::create()
                    .table("plan_exercise")
                    .col(pk_uuid("id"))
                    .col(uuid("plan_id"))
                    .col(uuid("exercise_id"))
                    .col(small_integer("sets"))
                    .col(small_integer("reps"))
                    .col(small_integer("hold_seconds"))
                    .col(string_len("side", 8))
                    .col(small_integer("times_per_day"))
                    .col(small_integer("days_mask"))
                    .col(small_integer("rest_seconds"))
                    .col(string_len_null("notes", 2000))
                    .col(integer("position"))
                    .col(timestamp_with_time_zone_null("removed_at"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk("plan_exercise", "plan_id", "care_plan"))
                    .foreign_key(&mut fk("plan_exercise", "exercise_id", "exercise"))
                    .to_owned(),
            )
            .await?;
        manager.create_index(index("ix_plan_exercise_plan", "plan_exercise", &["plan_id"])).await?;

        manager
            .create_table(
                Table::create()
                    .table("plan_lesson")
                    .col(pk_uuid("id"))
                    .col(uuid("plan_id"))
                    .col(uuid("lesson_id"))
                    .col(date("unlock_date"))
                    .col(timestamp_with_time_zone_null("removed_at"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk("plan_lesson", "plan_id", "care_plan"))
                    .foreign_key(&mut fk("plan_lesson", "lesson_id", "lesson"))
                    .to_owned(),
            )
            .await?;
        manager.create_index(index("ix_plan_lesson_plan", "plan_lesson", &["plan_id"])).await?;

        manager
            .create_table(
                Table::create()
                    .table("exercise_log")
                    .col(pk_uuid("id"))
                    .col(uuid("patient_id"))
                    .col(uuid("plan_id"))
                    .col(uuid("plan_exercise_id"))
                    .col(uuid("exercise_id"))
                    .col(timestamp_with_time_zone("performed_at"))
                    .col(date("local_date"))
                    .col(small_integer_null("sets_done"))
                    .col(small_integer_null("pain_during"))
                    .col(small_integer_null("difficulty"))
                    .col(string_len_null("note", 2000))
                    .col(boolean("off_plan"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut fk("exercise_log", "patient_id", "patient"))
                    .foreign_key(&mut fk("exercise_log", "plan_exercise_id", "plan_exercise"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("ix_exercise_log_patient_date", "exercise_log", &["patient_id", "local_date"]))
            .await?;
        manager
            .create_index(index("ix_exercise_log_patient_created", "exercise_log", &["patient_id", "created_at"]))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("lesson_completion")
                    .col(pk_uuid("id"))
                    .col(uuid("patient_id"))
                    .col(uuid("lesson_id"))
                    .col(timestamp_with_time_zone("completed_at"))
                    .col(date("local_date"))
                    .col(string_len("answers", 200))
                    .col(small_integer("correct_count"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut fk("lesson_completion", "patient_id", "patient"))
                    .foreign_key(&mut fk("lesson_completion", "lesson_id", "lesson"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("ix_lesson_completion_patient", "lesson_completion", &["patient_id", "created_at"]))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "lesson_completion",
            "exercise_log",
            "plan_lesson",
            "plan_exercise",
            "plan_goal",
            "care_plan_version",
            "care_plan",
            "library_hidden",
            "lesson",
            "exercise",
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
