//! Reading back what the database keeps, for the columns still read as plain text.
//!
//! A DTO may be renamed or reshaped whenever the API changes; a row written years ago
//! must still read back. So stored JSON has its own types, named with the version of the
//! format they read (`PlanSnapshotV1`), and they change only by adding a new version.
//! A type a column is declared with (`entity::JsonText<T>`) lives in the entity crate,
//! next to its table (`entity::care_plan_version::PlanSnapshotV1`), and such a column
//! arrives decoded; what stays here is [`decode`] for the columns still read as text,
//! stored time zones, and conversions between stored and domain words ([`discharge`]).
//!
//! A stored value that does not decode is an error, never an empty default: quietly
//! reading a corrupt snapshot as "no plan" or corrupt red flags as "none" would tell a
//! therapist something false. [`decode`] logs which column failed (never its content,
//! which may be health data) and answers a database error, which the API turns into a
//! 500 that says nothing internal.

pub mod discharge;

use chrono_tz::Tz;
use sea_orm::DbErr;
use serde::de::DeserializeOwned;

use crate::store_error::StoreError;

/// Decodes the JSON text of `column` (named as `table.column`, for the log).
pub fn decode<T: DeserializeOwned>(column: &'static str, text: &str) -> Result<T, DbErr> {
    serde_json::from_str(text).map_err(|e| {
        tracing::error!(column, error = %e, "stored JSON does not decode");
        DbErr::Json(format!("{column}: {e}"))
    })
}

/// A time zone read back from `column` (`table.column`). Every write checks the name, so
/// one that does not parse is corrupt: counting days in UTC instead would quietly move a
/// patient's "today".
pub fn zone(column: &'static str, name: &str) -> Result<Tz, StoreError> {
    name.parse().map_err(|_| StoreError::corrupt(column, "not an IANA time zone"))
}

/// [`zone`] for work that must go on for everyone else when one row is corrupt (the
/// reminder loop, the caller's own zone on every request): the fault is logged, and
/// UTC stands in.
pub fn zone_or_utc(column: &'static str, name: &str) -> Tz {
    zone(column, name).unwrap_or(Tz::UTC)
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
    fn a_stored_zone_that_does_not_parse_is_corrupt() {
        assert_eq!(zone("user.timezone", "Europe/Berlin").unwrap(), Tz::Europe__Berlin);
        assert!(matches!(
            zone("user.timezone", "Mars/Olympus"),
            Err(StoreError::Corrupt { column: "user.timezone", .. })
        ));
        assert_eq!(zone_or_utc("user.timezone", "Mars/Olympus"), Tz::UTC);
    }

    #[test]
    fn a_value_of_the_wrong_shape_is_an_error() {
        let decoded: Result<Vec<String>, DbErr> = decode("exercise.steps", r#"{"steps": []}"#);
        assert!(decoded.is_err());
    }
}
