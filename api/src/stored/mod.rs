//! The shapes of JSON kept in the database, apart from the API's DTOs.
//!
//! A DTO may be renamed or reshaped whenever the API changes; a row written years ago
//! must still read back. So stored JSON has its own types, named with the version of the
//! format they read (`PlanSnapshotV1`), and they change only by adding a new version.
//!
//! A stored value that does not decode is an error, never an empty default: quietly
//! reading a corrupt snapshot as "no plan" or corrupt red flags as "none" would tell a
//! therapist something false. [`decode`] logs which column failed (never its content,
//! which may be health data) and answers a database error, which the API turns into a
//! 500 that says nothing internal.

pub mod discharge;
pub mod lesson;
pub mod plan;
pub mod referral;

use sea_orm::DbErr;
use serde::de::DeserializeOwned;

/// Decodes the JSON text of `column` (named as `table.column`, for the log).
pub fn decode<T: DeserializeOwned>(column: &'static str, text: &str) -> Result<T, DbErr> {
    serde_json::from_str(text).map_err(|e| {
        tracing::error!(column, error = %e, "stored JSON does not decode");
        DbErr::Json(format!("{column}: {e}"))
    })
}

/// The JSON text of a value to store.
pub fn encode<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("stored types serialise")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_corrupt_value_is_an_error_not_a_default() {
        let decoded: Result<Vec<String>, DbErr> = decode("exercise.steps", "{not json");
        assert!(matches!(decoded, Err(DbErr::Json(msg)) if msg.starts_with("exercise.steps")));
    }

    #[test]
    fn a_value_of_the_wrong_shape_is_an_error() {
        let decoded: Result<Vec<String>, DbErr> = decode("exercise.steps", r#"{"steps": []}"#);
        assert!(decoded.is_err());
    }
}
