//! Escalation of urgent red-flag alerts nobody has acknowledged.
//!
//! An open red-flag alert with an emergency-now or same-day flag (`urgent_since` set) that
//! is still unacknowledged when the clinic's escalation delay has passed is pushed once to
//! the clinic's admins and the patient's other therapists (those with an appointment or a
//! care plan for the patient). When the patient's own therapist has no device that can
//! receive a push, waiting would only delay help, so the alert escalates at once.
//!
//! Each alert is claimed with a conditional update (`escalated_at` from null), so however
//! many workers run this step, one escalates it; the escalation is audited. A worker that
//! dies after claiming loses that push, never the alert, which stays open in the app.
//! Messages say only that an urgent alert waits: no health data goes to push services.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use entity::{AuditAction, Role, alert, appointment, care_plan, patient, user};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect,
    sea_query::Expr,
};
use uuid::Uuid;

use crate::ids::ClinicId;
use crate::{
    push::{self, Notification, PushSender},
    services::{
        audit::{self, Event},
        clinic_settings,
    },
};

/// Alerts examined per step; the rest wait for the next one.
const BATCH: u64 = 100;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Alerts escalated in this step.
    pub escalated: Vec<Uuid>,
    /// Devices that accepted an escalation push.
    pub delivered: usize,
}

/// What escalating an alert reads of it.
#[derive(Debug, FromQueryResult)]
struct Waiting {
    id: Uuid,
    clinic_id: Uuid,
    patient_id: Uuid,
    urgent_since: Option<DateTime<Utc>>,
}

/// One escalation step at `now`.
pub async fn run_once<C: ConnectionTrait>(
    db: &C,
    sender: &PushSender,
    now: DateTime<Utc>,
    public_url: &str,
) -> Result<Report, DbErr> {
    // Only what escalating needs: one alert whose flags do not read back must not hold up
    // every other clinic's escalations (its own is still escalated).
    let waiting = alert::Entity::find()
        .select_only()
        .column(alert::Column::Id)
        .column(alert::Column::ClinicId)
        .column(alert::Column::PatientId)
        .column(alert::Column::UrgentSince)
        .filter(alert::Column::Kind.eq(alert::Kind::RedFlag))
        .filter(alert::Column::AcknowledgedAt.is_null())
        .filter(alert::Column::EscalatedAt.is_null())
        .filter(alert::Column::UrgentSince.lte(now))
        .order_by_asc(alert::Column::UrgentSince)
        .limit(BATCH)
        .into_model::<Waiting>()
        .all(db)
        .await?;
    let mut report = Report::default();
    for row in waiting {
        let Some(urgent_since) = row.urgent_since else { continue };
        let Some(record) = patient::Entity::find_by_id(row.patient_id).one(db).await? else { continue };
        let settings = clinic_settings::get(db, ClinicId::new(row.clinic_id)).await?;
        let reachable = therapist_reachable(db, &record).await?;
        let due = if reachable { urgent_since + settings.escalation_delay } else { urgent_since };
        if now < due {
            continue;
        }
        let claimed = alert::Entity::update_many()
            .col_expr(alert::Column::EscalatedAt, Expr::value(Some(now)))
            .filter(alert::Column::Id.eq(row.id))
            .filter(alert::Column::EscalatedAt.is_null())
            .filter(alert::Column::AcknowledgedAt.is_null())
            .exec(db)
            .await?
            .rows_affected;
        if claimed == 0 {
            continue;
        }
        let recipients = recipients(db, &record).await?;
        let notification = Notification {
            title: "Urgent patient alert not yet seen".to_owned(),
            body: "An urgent alert for a patient has not been acknowledged. Open Fascia to review it.".to_owned(),
            navigate: format!("{public_url}/alerts/{}", row.id),
            tag: format!("alert-escalation-{}", row.id),
            occurrence_id: None,
        };
        for user_id in &recipients {
            report.delivered += push::notify_user(db, sender, now, *user_id, &notification).await?;
        }
        let why = if reachable { "delay passed" } else { "therapist has no device" };
        let event = Event::system(ClinicId::new(row.clinic_id), AuditAction::AlertEscalate)
            .patient(row.patient_id)
            .resource(format!("alert:{} recipients:{} ({why})", row.id, recipients.len()));
        audit::record(db, now, event).await?;
        tracing::warn!(alert_id = %row.id, recipients = recipients.len(), reason = why, "urgent alert escalated");
        report.escalated.push(row.id);
    }
    Ok(report)
}

/// Whether the patient's therapist has an active account with a device to push to.
async fn therapist_reachable<C: ConnectionTrait>(db: &C, record: &patient::Model) -> Result<bool, DbErr> {
    let therapist = user::Entity::find_by_id(record.primary_therapist_id).one(db).await?;
    if therapist.is_none_or(|t| t.disabled_at.is_some()) {
        return Ok(false);
    }
    Ok(!push::active_subscriptions(db, record.primary_therapist_id).await?.is_empty())
}

/// The clinic's admins and the patient's other therapists, active accounts only.
async fn recipients<C: ConnectionTrait>(db: &C, record: &patient::Model) -> Result<Vec<Uuid>, DbErr> {
    let mut ids: BTreeSet<Uuid> = BTreeSet::new();
    let from_appointments: Vec<Uuid> = appointment::Entity::find()
        .select_only()
        .column(appointment::Column::TherapistId)
        .filter(appointment::Column::PatientId.eq(record.id))
        .distinct()
        .into_tuple()
        .all(db)
        .await?;
    let from_plans: Vec<Uuid> = care_plan::Entity::find()
        .select_only()
        .column(care_plan::Column::TherapistId)
        .filter(care_plan::Column::PatientId.eq(record.id))
        .distinct()
        .into_tuple()
        .all(db)
        .await?;
    ids.extend(from_appointments);
    ids.extend(from_plans);
    ids.remove(&record.primary_therapist_id);
    let staff = user::Entity::find()
        .filter(user::Column::ClinicId.eq(record.clinic_id))
        .filter(user::Column::DisabledAt.is_null())
        .filter(
            sea_orm::Condition::any()
                .add(user::Column::Role.eq(Role::Admin))
                .add(user::Column::Id.is_in(ids.iter().copied())),
        )
        .all(db)
        .await?;
    Ok(staff
        .into_iter()
        .filter(|u| u.id != record.primary_therapist_id && matches!(u.role, Role::Admin | Role::Therapist))
        .map(|u| u.id)
        .collect())
}
