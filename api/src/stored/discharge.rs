//! What a discharge summary keeps of the course as it stood at discharge
//! (`discharge_summary.summary`): each goal with its discharge rating and status, and
//! each outcome measure first → last. Derived values (status, change, whether it is
//! meaningful) are stored as they were judged then, so the summary handed to a physician
//! reads the same however the rules evolve.
//!
//! Version 1: field names as below, enums as `snake_case` strings, dates `YYYY-MM-DD`.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DischargeSummaryV1 {
    pub goals: Vec<GoalResultV1>,
    pub outcomes: Vec<OutcomeV1>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GoalStatusV1 {
    Met,
    PartlyMet,
    NotMet,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DirectionV1 {
    Improved,
    Worsened,
    Unchanged,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoalResultV1 {
    pub goal_id: Uuid,
    pub activity: String,
    pub baseline: i16,
    pub target: i16,
    /// The rating at discharge, 0–10.
    pub rating: i16,
    pub status: GoalStatusV1,
    /// rating − baseline.
    pub change: i16,
    pub direction: DirectionV1,
    pub meaningful: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutcomeV1 {
    /// `pain` (daily check-ins) or an instrument id of the registry.
    pub measure: String,
    /// The activities rated, for patient-specific instruments.
    pub activities: Option<Vec<String>>,
    pub first: f64,
    pub first_on: NaiveDate,
    pub last: f64,
    pub last_on: NaiveDate,
    /// last − first.
    pub change: f64,
    pub direction: DirectionV1,
    /// `None` when the measure has no established threshold.
    pub meaningful: Option<bool>,
    /// Readings the two values were taken from (check-ins or responses in the course).
    pub readings: u32,
}

impl DischargeSummaryV1 {
    pub fn encode(&self) -> String {
        super::encode(self)
    }
    pub fn decode(text: &str) -> Result<Self, sea_orm::DbErr> {
        super::decode("discharge_summary.summary", text)
    }
}

impl From<crate::clinical::Direction> for DirectionV1 {
    fn from(d: crate::clinical::Direction) -> Self {
        match d {
            crate::clinical::Direction::Improved => Self::Improved,
            crate::clinical::Direction::Worsened => Self::Worsened,
            crate::clinical::Direction::Unchanged => Self::Unchanged,
        }
    }
}

impl From<DirectionV1> for crate::clinical::Direction {
    fn from(d: DirectionV1) -> Self {
        match d {
            DirectionV1::Improved => Self::Improved,
            DirectionV1::Worsened => Self::Worsened,
            DirectionV1::Unchanged => Self::Unchanged,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_summary_reads_back_as_written_and_a_corrupt_one_is_an_error() {
        let summary = DischargeSummaryV1 {
            goals: vec![GoalResultV1 {
                goal_id: Uuid::nil(),
                activity: "Carry shopping".into(),
                baseline: 3,
                target: 8,
                rating: 7,
                status: GoalStatusV1::PartlyMet,
                change: 4,
                direction: DirectionV1::Improved,
                meaningful: true,
            }],
            outcomes: vec![],
        };
        assert_eq!(DischargeSummaryV1::decode(&summary.encode()).unwrap(), summary);
        assert!(DischargeSummaryV1::decode(r#"{"goals": "none"}"#).is_err());
    }
}
