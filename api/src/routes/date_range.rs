//! The `from`/`to` day range that list and trend operations take as query parameters,
//! checked once here so every resource bounds it the same way.

use chrono::{Duration, NaiveDate};

use crate::error::ApiError;

/// An inclusive range of local days, `from <= to`, spanning at most 366 days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateRange {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl DateRange {
    /// The longest span a caller may ask for, so one request cannot scan years of rows.
    const MAX_DAYS: i64 = 366;

    /// From the optional query values: `to` defaults to `today`, `from` to 6 days before
    /// `to` (a week).
    pub fn from_query(from: Option<NaiveDate>, to: Option<NaiveDate>, today: NaiveDate) -> Result<Self, ApiError> {
        let to = to.unwrap_or(today);
        let from = from.unwrap_or(to - Duration::days(6));
        if from > to {
            return Err(ApiError::invalid("from", "must not be after `to`"));
        }
        if (to - from).num_days() > Self::MAX_DAYS {
            return Err(ApiError::invalid("from", "the range may span at most 366 days"));
        }
        Ok(Self { from, to })
    }
}
