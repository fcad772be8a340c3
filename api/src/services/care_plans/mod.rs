//! Care plans: what a therapist prescribes for home, and its history.
//!
//! Every change runs in one write transaction that applies it, bumps the plan's
//! version and stores a snapshot of the whole plan as it now stands. Snapshots are never
//! changed, so "what was prescribed on day D" is the last snapshot taken before D ended.
//!
//! [`types`] holds the value types, [`snapshot`] their stored form, [`read`] the plan as
//! it stands, [`history`] its versions. The changes: [`change`] is the skeleton they all
//! share; [`lifecycle`] creates, updates and closes a plan, [`goals`] and [`items`] change
//! what it holds, [`plan_of_care`] records the physician's certification (and the
//! roster's flags), [`order`] the exercises' order.

mod change;
mod goals;
mod history;
mod items;
mod lifecycle;
mod order;
mod plan_of_care;
mod read;
mod snapshot;
mod types;

pub use goals::{GoalChanges, NewGoal, add_goal, update_goal};
pub use history::{in_force_on, prescribed_on, versions, versions_of};
pub use items::{add_exercise, add_lesson, remove_exercise, remove_lesson, update_exercise};
pub(crate) use lifecycle::complete_for_discharge;
pub use lifecycle::{NewPlan, PlanChanges, create, is_discharged, update};
pub use order::move_exercise;
pub use plan_of_care::{NewCertification, PlanOfCare, RosterFlags, certify, roster_flags};
pub use read::{assigned_lessons, find_plan, get, list_for_patient, of_patient, prescribed, prescription, view};
pub use types::{
    AssignedLesson, Certification, GoalStatus, GoalView, PlanError, PlanStatus, PlanView, PrescribedExercise,
    Prescription, Weekdays, runs_on,
};
