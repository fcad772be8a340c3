//! [`RedFlagsV1`]: a list of red flags as `check_in.red_flags`, `red_flag_report.red_flags`
//! and `alert.flags` keep it, a JSON array of the flags' words (`["chest_pain"]`, `[]`
//! for none), sorted in the order the vocabulary declares them.
//!
//! The words stay text here. The red-flag vocabulary only grows, and a build that meets
//! a word written by a newer one skips it (the rule `fascia::services::red_flags`
//! documents) instead of failing the whole row: a check-in or an alert that cannot be
//! read is worse than one flag this build cannot name. Text that is not a list of words
//! is still an error when the row is read.

use serde::{Deserialize, Serialize};

/// A stored list of red-flag words, version 1.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RedFlagsV1(pub Vec<String>);

impl RedFlagsV1 {
    /// Whether no flag is stored (the text `[]`).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::JsonText;

    #[test]
    fn stored_words_read_back_as_written_and_none_is_an_empty_list() {
        let stored = r#"["chest_pain","a_word_from_a_newer_build"]"#;
        let flags = JsonText::<RedFlagsV1>::from_text("alert.flags", stored).unwrap();
        assert_eq!(flags.0.0, ["chest_pain", "a_word_from_a_newer_build"]);
        assert_eq!(flags.to_text(), stored);
        assert_eq!(JsonText(RedFlagsV1::default()).to_text(), "[]");
    }

    #[test]
    fn text_that_is_not_a_list_of_words_is_an_error() {
        for corrupt in ["{not json", r#"{"flags":[]}"#, "[1]", "null"] {
            assert!(JsonText::<RedFlagsV1>::from_text("check_in.red_flags", corrupt).is_err(), "{corrupt}");
        }
    }
}
