//! The errors of reading and writing the store that are not the database's own.
//!
//! Services return [`StoreError`] where the database answered but the work still cannot
//! be done: a write that kept losing its race for a row ([`StoreError::Contended`]), or a
//! stored value that breaks an invariant the code relies on ([`StoreError::Corrupt`]).
//! The API edge maps it once (`error.rs`): the database's own errors as before,
//! contention to 503 with `Retry-After` (nothing is wrong with the request, and a retry
//! is idempotent by id), corruption to a logged 500 that says nothing internal.
//!
//! This is a leaf: it depends on sea-orm only, so `error`, `outage` and every service
//! can use it without an import loop.

use sea_orm::{ConnAcquireErr, DbErr};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    Db(#[from] DbErr),
    /// Other writers kept changing the same row for longer than the write retries.
    #[error("contended: {what}")]
    Contended { what: &'static str },
    /// A stored value the code cannot read back: `column` is `table.column`; `problem`
    /// names what is wrong without repeating the value, which may be health data.
    #[error("{column}: {problem}")]
    Corrupt { column: &'static str, problem: String },
}

impl StoreError {
    /// A write that lost its optimistic race more often than it retries.
    pub fn contended(what: &'static str) -> Self {
        tracing::warn!(what, "a write kept losing its race for a row; answering retry-later");
        Self::Contended { what }
    }

    /// A stored value that breaks an invariant; logged here, where the column is known.
    pub fn corrupt(column: &'static str, problem: impl Into<String>) -> Self {
        let problem = problem.into();
        tracing::error!(column, problem, "a stored value does not read back");
        Self::Corrupt { column, problem }
    }

    /// True when a retry later can succeed (see `outage::unavailable`).
    pub fn unavailable(&self) -> bool {
        match self {
            Self::Db(e) => crate::outage::unavailable(e),
            Self::Contended { .. } => true,
            Self::Corrupt { .. } => false,
        }
    }
}

/// For the paths that still speak [`DbErr`] end to end (the writer's queue and the
/// jobs it runs): each case becomes the database error with the same answer at the edge,
/// so nothing is carried as text to be parsed back. Contention is "the database could
/// not take this write in time", as a pool timeout is (503); a corrupt value is a type
/// error, as sea-orm reports an unknown enum value (500).
impl From<StoreError> for DbErr {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Db(e) => e,
            StoreError::Contended { .. } => DbErr::ConnectionAcquire(ConnAcquireErr::Timeout),
            StoreError::Corrupt { column, problem } => DbErr::Type(format!("{column}: {problem}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contention_is_worth_a_retry_and_corruption_is_not() {
        assert!(StoreError::contended("alert").unavailable());
        assert!(!StoreError::corrupt("alert.flags", "unknown flag").unavailable());
        assert!(!StoreError::Db(DbErr::RecordNotFound("x".into())).unavailable());
    }

    #[test]
    fn on_a_database_error_path_contention_stays_a_retry_and_corruption_stays_a_fault() {
        assert!(crate::outage::unavailable(&DbErr::from(StoreError::contended("alert"))));
        let corrupt = DbErr::from(StoreError::corrupt("girth_measurement.side", "both sides"));
        assert!(!crate::outage::unavailable(&corrupt));
        assert!(matches!(corrupt, DbErr::Type(m) if m.starts_with("girth_measurement.side")));
    }
}
