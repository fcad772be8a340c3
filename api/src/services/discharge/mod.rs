//! Discharging a care plan: the summary (reason, each goal rated at discharge with its
//! status, outcome measures first → last, home-programme instructions) is stored once,
//! and in the same transaction the plan is completed (a new plan version, like any other
//! change) and the event audited.
//!
//! A completed plan prescribes nothing, so its exercise and lesson reminders find
//! nothing to do and are skipped; daily check-in reminders stop too while the patient's
//! latest plan is completed ([`care_ended`], checked per batch by the reminder
//! dispatcher), and the silence that follows raises no disengaged alert. A new plan
//! brings both back.
//!
//! A plan is discharged once: a second attempt is a conflict, also when two race (the
//! unique index on `care_plan_id`).

mod outcomes;

use std::collections::HashSet;

use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    AuditAction, JsonText, care_plan,
    discharge_summary::{self, DischargeSummaryV1, GoalResultV1, GoalStatusV1},
    plan_goal,
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionSession, TransactionTrait,
};
use uuid::Uuid;

pub use outcomes::{course_outcomes, measure_outcomes, pain_outcome};

use crate::services::patients::PatientScope;
use crate::{
    auth::Principal,
    clinical::discharge::{self as rules, DischargeReason, GOAL_RATING_MAX, GoalStatus},
    db,
    ids::PlanId,
    services::{
        audit::{self, Event},
        care_plans::{self, PlanError},
        local_date, patient_timezone,
    },
};

#[derive(Debug, thiserror::Error)]
pub enum DischargeError {
    #[error("not found")]
    NotFound,
    #[error("this care plan has already been discharged")]
    AlreadyDischarged,
    #[error("{1}")]
    Invalid(String, String),
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl From<PlanError> for DischargeError {
    fn from(e: PlanError) -> Self {
        match e {
            PlanError::Db(e) => Self::Db(e),
            _ => Self::NotFound,
        }
    }
}

/// One goal's rating at discharge, 0–10 (checked against the plan's goals here).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GoalRating {
    pub goal_id: Uuid,
    pub rating: i16,
}

#[derive(Debug, Clone)]
pub struct DischargeInput {
    pub reason: DischargeReason,
    /// One rating for every goal of the plan.
    pub goals: Vec<GoalRating>,
    pub home_programme: String,
}

/// A stored discharge and its summary.
#[derive(Debug, Clone)]
pub struct Discharge {
    pub row: discharge_summary::Model,
    pub summary: DischargeSummaryV1,
}

impl From<discharge_summary::Model> for Discharge {
    fn from(row: discharge_summary::Model) -> Self {
        let summary = row.summary.0.clone();
        Self { row, summary }
    }
}

pub fn reason_to_stored(r: DischargeReason) -> discharge_summary::Reason {
    use discharge_summary::Reason as S;
    match r {
        DischargeReason::GoalsMet => S::GoalsMet,
        DischargeReason::Plateau => S::Plateau,
        DischargeReason::ReferredBack => S::ReferredBack,
        DischargeReason::PatientChoice => S::PatientChoice,
        DischargeReason::AuthorizationEnded => S::AuthorizationEnded,
    }
}

pub fn reason_from_stored(r: discharge_summary::Reason) -> DischargeReason {
    use discharge_summary::Reason as S;
    match r {
        S::GoalsMet => DischargeReason::GoalsMet,
        S::Plateau => DischargeReason::Plateau,
        S::ReferredBack => DischargeReason::ReferredBack,
        S::PatientChoice => DischargeReason::PatientChoice,
        S::AuthorizationEnded => DischargeReason::AuthorizationEnded,
    }
}

fn status_v1(s: GoalStatus) -> GoalStatusV1 {
    match s {
        GoalStatus::Met => GoalStatusV1::Met,
        GoalStatus::PartlyMet => GoalStatusV1::PartlyMet,
        GoalStatus::NotMet => GoalStatusV1::NotMet,
    }
}

/// Each of the plan's goals with its rating: every goal rated exactly once, no goal of
/// another plan, ratings 0–10.
pub fn rate_goals(goals: &[plan_goal::Model], ratings: &[GoalRating]) -> Result<Vec<GoalResultV1>, DischargeError> {
    let invalid = |field: String, problem: &str| DischargeError::Invalid(field, problem.to_owned());
    let mut seen = HashSet::new();
    for (i, r) in ratings.iter().enumerate() {
        if !(0..=GOAL_RATING_MAX).contains(&r.rating) {
            return Err(invalid(format!("goals[{i}].rating"), "must be between 0 and 10"));
        }
        if !goals.iter().any(|g| g.id == r.goal_id) {
            return Err(invalid(format!("goals[{i}].goal_id"), "is not a goal of this plan"));
        }
        if !seen.insert(r.goal_id) {
            return Err(invalid(format!("goals[{i}].goal_id"), "is rated twice"));
        }
    }
    goals
        .iter()
        .map(|g| {
            let rating = ratings.iter().find(|r| r.goal_id == g.id).ok_or_else(|| {
                invalid("goals".into(), &format!("rate every goal of the plan; goal {} has no rating", g.id))
            })?;
            let outcome = rules::goal_outcome(g.baseline, g.target, rating.rating);
            Ok(GoalResultV1 {
                goal_id: g.id,
                activity: g.activity.clone(),
                baseline: g.baseline,
                target: g.target,
                rating: rating.rating,
                status: status_v1(outcome.status),
                change: outcome.change,
                direction: outcome.direction.into(),
                meaningful: outcome.meaningful,
            })
        })
        .collect()
}

async fn existing<C: ConnectionTrait>(db: &C, plan_id: PlanId) -> Result<Option<discharge_summary::Model>, DbErr> {
    discharge_summary::Entity::find().filter(discharge_summary::Column::CarePlanId.eq(plan_id)).one(db).await
}

/// Discharges a plan `who` may see and closes it.
pub async fn discharge<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    plan_id: PlanId,
    input: DischargeInput,
) -> Result<Discharge, DischargeError> {
    let plan = care_plans::find_plan(db, who, plan_id).await?;
    if care_plans::is_discharged(db, plan_id).await? {
        return Err(DischargeError::AlreadyDischarged);
    }
    let goals = plan_goal::Entity::find()
        .filter(plan_goal::Column::PlanId.eq(plan_id))
        .order_by_asc(plan_goal::Column::Id)
        .all(db)
        .await?;
    let goal_results = rate_goals(&goals, &input.goals)?;
    let today = local_date(now, patient_timezone(db, PatientScope::trusted(plan.patient_id)).await?);
    // A plan may be discharged before its start date (the patient never began); the
    // course is then empty rather than a range running backwards.
    let from: NaiveDate = plan.start_date.min(today);
    let outcomes = course_outcomes(db, PatientScope::trusted(plan.patient_id), from, today).await?;
    let summary = DischargeSummaryV1 { goals: goal_results, outcomes };
    let row = discharge_summary::Model {
        id: Uuid::now_v7(),
        clinic_id: plan.clinic_id,
        patient_id: plan.patient_id,
        care_plan_id: plan.id,
        reason: reason_to_stored(input.reason),
        home_programme: input.home_programme,
        summary: JsonText(summary.clone()),
        discharged_by: who.user_id,
        discharged_at: now,
        discharge_date: today,
    };
    let txn = db::begin_write(db).await?;
    discharge_summary::Entity::insert(discharge_summary::ActiveModel {
        id: Set(row.id),
        clinic_id: Set(row.clinic_id),
        patient_id: Set(row.patient_id),
        care_plan_id: Set(row.care_plan_id),
        reason: Set(row.reason),
        home_programme: Set(row.home_programme.clone()),
        summary: Set(row.summary.clone()),
        discharged_by: Set(row.discharged_by),
        discharged_at: Set(row.discharged_at),
        discharge_date: Set(row.discharge_date),
    })
    .exec_without_returning(&txn)
    .await
    .map_err(|e| match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => DischargeError::AlreadyDischarged,
        _ => DischargeError::Db(e),
    })?;
    care_plans::complete_for_discharge(&txn, now, who, plan_id).await?;
    let event = Event::by(who, AuditAction::CarePlanDischarge)
        .patient(plan.patient_id)
        .resource(format!("care_plan:{plan_id}"));
    audit::record(&txn, now, event).await?;
    txn.commit().await?;
    Ok(Discharge { row, summary })
}

/// The discharge summary of a plan `who` may see.
pub async fn get<C: ConnectionTrait>(db: &C, who: &Principal, plan_id: PlanId) -> Result<Discharge, DischargeError> {
    care_plans::find_plan(db, who, plan_id).await?;
    let row = existing(db, plan_id).await?.ok_or(DischargeError::NotFound)?;
    Ok(Discharge::from(row))
}

/// Whether the patient's course of care has ended: their most recent plan is completed.
/// Daily check-in reminders stop then, and silence raises no disengaged alert; a patient
/// who never had a plan keeps both.
pub async fn care_ended<C: ConnectionTrait>(db: &C, patient: PatientScope) -> Result<bool, DbErr> {
    let patient_id = patient.uuid();
    Ok(care_ended_among(db, Some(&[patient_id])).await?.contains(&patient_id))
}

/// [`care_ended`] for many patients in one read (`None`: every patient), for the
/// reminder batches and the periodic alert rules.
pub async fn care_ended_among<C: ConnectionTrait>(db: &C, patients: Option<&[Uuid]>) -> Result<HashSet<Uuid>, DbErr> {
    let mut q = care_plan::Entity::find()
        .select_only()
        .column(care_plan::Column::PatientId)
        .column(care_plan::Column::Status)
        .order_by_asc(care_plan::Column::CreatedAt)
        .order_by_asc(care_plan::Column::Id);
    if let Some(ids) = patients {
        q = q.filter(care_plan::Column::PatientId.is_in(ids.iter().copied()));
    }
    let plans: Vec<(Uuid, care_plan::Status)> = q.into_tuple().all(db).await?;
    // In creation order, so each patient ends up with their latest plan's status.
    let latest: std::collections::HashMap<Uuid, care_plan::Status> = plans.into_iter().collect();
    Ok(latest.into_iter().filter(|(_, s)| *s == care_plan::Status::Completed).map(|(p, _)| p).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn goal(id: u128, baseline: i16, target: i16) -> plan_goal::Model {
        let at = Utc::now();
        plan_goal::Model {
            id: Uuid::from_u128(id),
            plan_id: Uuid::nil(),
            activity: format!("goal {id}"),
            baseline,
            target,
            target_date: None,
            status: plan_goal::Status::Active,
            created_at: at,
            updated_at: at,
        }
    }

    fn rating(id: u128, rating: i16) -> GoalRating {
        GoalRating { goal_id: Uuid::from_u128(id), rating }
    }

    #[test]
    fn every_goal_is_rated_once_and_gets_its_status() {
        let goals = [goal(1, 3, 8), goal(2, 4, 9)];
        let rated = rate_goals(&goals, &[rating(2, 5), rating(1, 8)]).unwrap();
        assert_eq!((rated[0].status, rated[0].change, rated[0].meaningful), (GoalStatusV1::Met, 5, true));
        assert_eq!((rated[1].status, rated[1].change, rated[1].meaningful), (GoalStatusV1::PartlyMet, 1, false));
    }

    #[test]
    fn missing_repeated_foreign_or_out_of_range_ratings_are_refused() {
        let goals = [goal(1, 3, 8), goal(2, 4, 9)];
        let field = |r: Result<_, DischargeError>| match r {
            Err(DischargeError::Invalid(field, _)) => field,
            other => panic!("expected invalid, got {other:?}"),
        };
        assert_eq!(field(rate_goals(&goals, &[rating(1, 8)])), "goals");
        assert_eq!(field(rate_goals(&goals, &[rating(1, 8), rating(1, 7)])), "goals[1].goal_id");
        assert_eq!(field(rate_goals(&goals, &[rating(1, 8), rating(3, 7)])), "goals[1].goal_id");
        assert_eq!(field(rate_goals(&goals, &[rating(1, 11), rating(2, 7)])), "goals[0].rating");
        assert!(rate_goals(&[], &[]).unwrap().is_empty());
    }
}
