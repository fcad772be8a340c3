use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// How a care plan ended: one row per discharged plan (`care_plan_id` is unique).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "discharge_summary")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub clinic_id: Uuid,
    pub patient_id: Uuid,
    #[sea_orm(unique)]
    pub care_plan_id: Uuid,
    pub reason: Reason,
    /// What the patient keeps doing at home, in the therapist's words.
    pub home_programme: String,
    /// JSON of [`DischargeSummaryV1`]: goals and outcome measures as they stood at
    /// discharge.
    pub summary: crate::JsonText<DischargeSummaryV1>,
    pub discharged_by: Uuid,
    pub discharged_at: DateTimeUtc,
    /// The patient's local date of the discharge.
    pub discharge_date: Date,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

crate::vocabulary! {
    /// Stored as the snake_case word; a value outside these fails the read.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    #[sea_orm(db_type = "String(StringLen::N(32))")]
    pub enum Reason {
        GoalsMet = "goals_met",
        Plateau = "plateau",
        ReferredBack = "referred_back",
        PatientChoice = "patient_choice",
        AuthorizationEnded = "authorization_ended",
    }
}

// What a discharge summary keeps of the course as it stood at discharge
// (`discharge_summary.summary`): each goal with its discharge rating and status, and each
// outcome measure first → last. Derived values (status, change, whether it is
// meaningful) are stored as they were judged then, so the summary handed to a physician
// reads the same however the rules evolve. Version 1: field names as below, enums as
// `snake_case` strings, dates `YYYY-MM-DD`.

/// The `discharge_summary.summary` column, version 1.
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
    pub first_on: Date,
    pub last: f64,
    pub last_on: Date,
    /// last − first.
    pub change: f64,
    pub direction: DirectionV1,
    /// `None` when the measure has no established threshold.
    pub meaningful: Option<bool>,
    /// Readings the two values were taken from (check-ins or responses in the course).
    pub readings: u32,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::JsonText;

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
        let text = JsonText(summary.clone()).to_text();
        assert_eq!(JsonText::from_text("discharge_summary.summary", &text).unwrap(), JsonText(summary));
        assert!(
            JsonText::<DischargeSummaryV1>::from_text("discharge_summary.summary", r#"{"goals": "none"}"#).is_err()
        );
    }
}
