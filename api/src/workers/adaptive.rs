//! The nightly review of adaptive reminder timing: every daily reminder rule is reviewed
//! once a local night (at 03:00 in the patient's zone), which moves it towards the
//! patient's routine if they opted in and updates its fatigue back-off. See
//! `crate::reminders::adaptive` for the rules and `crate::services::reminder_adaptation`
//! for what a review reads and writes.
//!
//! Each step takes the rows whose review is due through the index on `next_review_at`,
//! a bounded number per step, so it rides on the reminder tick and stays cheap however
//! many patients there are; a review moves its row to the next night, so a crash at
//! worst repeats one review (which decides the same again).

use chrono::{DateTime, Utc};
use sea_orm::{DatabaseConnection, DbErr};

use crate::services::reminder_adaptation::{self, Reviewed};

/// Rows reviewed per step at most.
const BATCH: u64 = 200;

/// Counts from one step.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Report {
    pub reviewed: u64,
    pub moved: u64,
}

/// Reviews the rules whose review is due at `now`.
pub async fn run_once(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<Report, DbErr> {
    let mut report = Report::default();
    for row in reminder_adaptation::due_for_review(db, now, BATCH).await? {
        let rule_id = row.rule_id;
        match reminder_adaptation::review(db, now, row).await? {
            Reviewed::Moved(m) => {
                tracing::info!(%rule_id, from = m.from, to = m.to, "reminder adapted to the patient's routine");
                report.moved += 1;
            }
            Reviewed::Kept => {}
        }
        report.reviewed += 1;
    }
    Ok(report)
}
