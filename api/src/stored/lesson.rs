//! A lesson's check questions as `lesson.questions` keeps them (built-in lessons are
//! seeded in this format too).

use serde::{Deserialize, Serialize};

/// One multiple-choice question, with its answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuestionV1 {
    pub prompt: String,
    pub options: Vec<String>,
    /// Index into `options`.
    pub correct: u8,
    pub explanation: String,
}

/// Decodes `lesson.questions`.
pub fn decode_questions(text: &str) -> Result<Vec<QuestionV1>, sea_orm::DbErr> {
    super::decode("lesson.questions", text)
}
