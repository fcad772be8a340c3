//! Writes the built-in library into the database on every start. Upserts by the
//! slug-derived id, so it is idempotent, safe for replicas starting together, and a new
//! release's wording reaches existing databases. Clinic copies are never touched.

use chrono::{DateTime, Utc};
use entity::{JsonText, exercise, lesson, lesson::QuestionV1};
use sea_orm::{ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait, sea_query::OnConflict};

use crate::content::{BuiltinExercise, BuiltinLesson, EXERCISES, LESSONS, builtin_id};

pub fn exercise_row(e: &BuiltinExercise, now: DateTime<Utc>) -> exercise::ActiveModel {
    exercise::ActiveModel {
        id: Set(builtin_id("exercise", e.slug)),
        clinic_id: Set(None),
        slug: Set(Some(e.slug.to_owned())),
        source_id: Set(None),
        title: Set(e.title.to_owned()),
        search_title: Set(e.title.to_lowercase()),
        summary: Set(e.summary.to_owned()),
        regions: Set(super::library_regions::stored_regions(e.regions)),
        steps: Set(JsonText(owned(e.steps))),
        cautions: Set(JsonText(owned(e.cautions))),
        media_urls: Set(JsonText(Vec::new())),
        sets: Set(e.dosage.sets.into()),
        reps: Set(e.dosage.reps.into()),
        hold_seconds: Set(e.dosage.hold_seconds as i16),
        side: Set(e.dosage.side.into()),
        rest_seconds: Set(e.dosage.rest_seconds as i16),
        times_per_day: Set(e.dosage.times_per_day.into()),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

fn owned(texts: &[&str]) -> Vec<String> {
    texts.iter().map(|t| (*t).to_owned()).collect()
}

fn lesson_row(l: &BuiltinLesson, now: DateTime<Utc>) -> lesson::ActiveModel {
    let questions: Vec<QuestionV1> = l
        .questions
        .iter()
        .map(|q| QuestionV1 {
            correct: u8::try_from(q.correct).expect("a built-in question has a handful of options"),
            explanation: q.explanation.to_owned(),
            options: owned(q.options),
            prompt: q.prompt.to_owned(),
        })
        .collect();
    lesson::ActiveModel {
        id: Set(builtin_id("lesson", l.slug)),
        clinic_id: Set(None),
        slug: Set(Some(l.slug.to_owned())),
        source_id: Set(None),
        title: Set(l.title.to_owned()),
        search_title: Set(l.title.to_lowercase()),
        topic: Set(l.topic.into()),
        minutes: Set(l.minutes.into()),
        body: Set(l.body.to_owned()),
        questions: Set(JsonText(questions)),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

pub async fn seed<C: ConnectionTrait>(db: &C, now: DateTime<Utc>) -> Result<(), DbErr> {
    use exercise::Column as E;
    use lesson::Column as L;
    let exercise_cols = [
        E::Title,
        E::SearchTitle,
        E::Summary,
        E::Regions,
        E::Steps,
        E::Cautions,
        E::Sets,
        E::Reps,
        E::HoldSeconds,
        E::Side,
        E::RestSeconds,
        E::TimesPerDay,
    ];
    for chunk in EXERCISES.chunks(20) {
        exercise::Entity::insert_many(chunk.iter().map(|e| exercise_row(e, now)))
            .on_conflict(OnConflict::column(E::Id).update_columns(exercise_cols).to_owned())
            .exec_without_returning(db)
            .await?;
    }
    let lesson_cols = [L::Title, L::SearchTitle, L::Topic, L::Minutes, L::Body, L::Questions];
    for chunk in LESSONS.chunks(10) {
        lesson::Entity::insert_many(chunk.iter().map(|l| lesson_row(l, now)))
            .on_conflict(OnConflict::column(L::Id).update_columns(lesson_cols).to_owned())
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}
