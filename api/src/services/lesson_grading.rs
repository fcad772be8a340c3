//! Grading a patient's answers to a lesson's check questions. Pure: the questions come
//! in their stored form, the answers as option indexes, in order.

use entity::lesson::QuestionV1;

/// One answer, graded: whether it was right, the right option and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Graded {
    pub correct: bool,
    pub correct_option: u8,
    pub explanation: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GradeError {
    /// One answer per question is needed; the number of questions.
    #[error("expected {0} answers")]
    WrongCount(usize),
    #[error("an answer is not one of the options")]
    NotAnOption,
}

/// Grades `answers` against `questions`, refusing a wrong count or an index that is not
/// an option, so a completion never stores an answer no question offered.
pub fn grade(questions: &[QuestionV1], answers: &[u8]) -> Result<Vec<Graded>, GradeError> {
    if answers.len() != questions.len() {
        return Err(GradeError::WrongCount(questions.len()));
    }
    if answers.iter().zip(questions).any(|(a, q)| usize::from(*a) >= q.options.len()) {
        return Err(GradeError::NotAnOption);
    }
    Ok(answers
        .iter()
        .zip(questions)
        .map(|(a, q)| Graded {
            correct: *a == q.correct,
            correct_option: q.correct,
            explanation: q.explanation.clone(),
        })
        .collect())
}

/// How many of the graded answers were right.
pub fn correct_count(graded: &[Graded]) -> i16 {
    graded.iter().filter(|g| g.correct).count() as i16
}

#[cfg(test)]
mod tests {
    use super::*;

    fn question(correct: u8) -> QuestionV1 {
        QuestionV1 {
            prompt: "Where should the top of the screen be?".into(),
            options: vec!["Above the eyes".into(), "At eye level".into(), "At chin level".into()],
            correct,
            explanation: "At eye level the neck stays long.".into(),
        }
    }

    #[test]
    fn right_and_wrong_answers_are_told_apart() {
        let graded = grade(&[question(1), question(2)], &[1, 0]).unwrap();
        assert_eq!(graded.iter().map(|g| g.correct).collect::<Vec<_>>(), vec![true, false]);
        assert_eq!(graded[1].correct_option, 2);
        assert_eq!(correct_count(&graded), 1);
    }

    #[test]
    fn one_answer_per_question_is_required() {
        assert_eq!(grade(&[question(1)], &[]), Err(GradeError::WrongCount(1)));
    }

    #[test]
    fn an_answer_outside_the_options_is_refused() {
        assert_eq!(grade(&[question(1)], &[3]), Err(GradeError::NotAnOption));
    }
}
