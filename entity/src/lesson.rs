use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A posture / body-mechanics / self-care lesson; built-in or clinic-owned like `exercise`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "lesson")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub clinic_id: Option<Uuid>,
    pub slug: Option<String>,
    pub source_id: Option<Uuid>,
    pub title: String,
    pub search_title: String,
    pub topic: Topic,
    pub minutes: i16,
    /// Markdown.
    #[sea_orm(column_type = "Text")]
    pub body: String,
    /// JSON array of [`QuestionV1`].
    pub questions: crate::JsonText<Vec<QuestionV1>>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

crate::vocabulary! {
    /// Stored as the `snake_case` word.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    #[sea_orm(db_type = "String(StringLen::N(24))")]
    pub enum Topic {
        Posture = "posture",
        BodyMechanics = "body_mechanics",
        Ergonomics = "ergonomics",
        Breathing = "breathing",
        Sleep = "sleep",
        SelfCare = "self_care",
    }
}

/// One multiple-choice check question as `lesson.questions` keeps it, with its answer
/// (built-in lessons are seeded in this format too).
///
/// The fields are declared in alphabetical order on purpose: earlier builds wrote the
/// questions through `serde_json::Value`, whose object keys come out sorted, and serde
/// writes a struct's fields in declaration order, so rows stay byte-for-byte the same.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuestionV1 {
    /// Index into `options`.
    pub correct: u8,
    pub explanation: String,
    pub options: Vec<String>,
    pub prompt: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::JsonText;

    #[test]
    fn questions_are_written_with_the_keys_in_the_order_earlier_builds_wrote() {
        let q = QuestionV1 {
            correct: 1,
            explanation: "Why".into(),
            options: vec!["a".into(), "b".into()],
            prompt: "What?".into(),
        };
        let before =
            serde_json::json!([{ "prompt": "What?", "options": ["a", "b"], "correct": 1, "explanation": "Why" }]);
        assert_eq!(JsonText(vec![q]).to_text(), before.to_string());
    }
}
