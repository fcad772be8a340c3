//! What an authorization warns about: a booking past it (flagged on the appointment,
//! never refused: the clinic may be waiting for an extension), and two alerts for the
//! therapist, each raised once per authorization:
//! - `authorization_low` when a completed visit leaves [`LOW_AT`] or fewer visits;
//! - `authorization_expiring` from [`EXPIRING_WITHIN`] days before its last day.
//!
//! The low alert is raised in the transaction that completes the visit. The worker step
//! [`evaluate`] raises the expiring alert and also catches a low one that could not be
//! stored then (the patient already had an open one for another authorization) or that a
//! smaller authorization now calls for. Alert texts name the payer and the
//! authorization number, never the member id.

use chrono::{DateTime, Duration, Utc};
use entity::{alert, appointment, patient, payer_authorization};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, TransactionSession,
    TransactionTrait, sea_query::Expr,
};

use super::visits_used;
use crate::services::patients::PatientScope;
use crate::{
    clinical::rules::AlertKind,
    db,
    services::{
        alerts::{self, NewAlert},
        local_date, patient_timezone,
    },
};

/// Visits left at or below which the therapist is warned.
pub const LOW_AT: i64 = 2;
/// Days before the last authorized day from which the therapist is warned.
pub const EXPIRING_WITHIN: Duration = Duration::days(7);

/// Why a booking is past its authorization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BookingWarning {
    /// Every authorized visit is already used or booked.
    NoneLeft,
    /// The session's local day is outside the authorized dates.
    OutsideDates,
}

/// The flag for an appointment linked to an authorization, judged at booking: its day
/// outside the dates first, else no visit left for it once the authorization's other
/// completed and scheduled sessions are counted. Cancelled and missed sessions use no
/// visit and carry no flag.
pub async fn booking_warning<C: ConnectionTrait>(
    db: &C,
    appt: &appointment::Model,
) -> Result<Option<BookingWarning>, DbErr> {
    let Some(authorization_id) = appt.authorization_id else { return Ok(None) };
    if !matches!(appt.status, appointment::Status::Scheduled | appointment::Status::Completed) {
        return Ok(None);
    }
    let Some(auth) = payer_authorization::Entity::find_by_id(authorization_id).one(db).await? else {
        return Ok(None);
    };
    let day = local_date(appt.starts_at, patient_timezone(db, PatientScope::trusted(appt.patient_id)).await?);
    if day < auth.starts_on || day > auth.ends_on {
        return Ok(Some(BookingWarning::OutsideDates));
    }
    let others = appointment::Entity::find()
        .filter(appointment::Column::AuthorizationId.eq(authorization_id))
        .filter(appointment::Column::Id.ne(appt.id))
        .filter(appointment::Column::Status.is_in([appointment::Status::Scheduled, appointment::Status::Completed]))
        .count(db)
        .await?;
    Ok((others >= u64::try_from(auth.visits_authorized).unwrap_or(0)).then_some(BookingWarning::NoneLeft))
}

/// Call in the transaction that changed `appt`: a completed visit on an authorization
/// may leave it running low.
pub async fn after_visit<C: ConnectionTrait>(
    txn: &C,
    now: DateTime<Utc>,
    appt: &appointment::Model,
) -> Result<Option<alert::Model>, DbErr> {
    let Some(authorization_id) = appt.authorization_id.filter(|_| appt.status == appointment::Status::Completed) else {
        return Ok(None);
    };
    let Some(auth) = payer_authorization::Entity::find_by_id(authorization_id).one(txn).await? else {
        return Ok(None);
    };
    let used = visits_used(txn, &[auth.id]).await?.get(&auth.id).copied().unwrap_or(0);
    raise_low(txn, now, &auth, used).await
}

/// Whether `auth`, with `used` visits completed, is owed its "running low" alert: a visit
/// was completed, few enough are left, and it has not been raised yet.
fn owes_low(auth: &payer_authorization::Model, used: i64) -> bool {
    auth.low_alerted_at.is_none() && used > 0 && i64::from(auth.visits_authorized) - used <= LOW_AT
}

async fn raise_low<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    auth: &payer_authorization::Model,
    used: i64,
) -> Result<Option<alert::Model>, DbErr> {
    if !owes_low(auth, used) {
        return Ok(None);
    }
    let left = i64::from(auth.visits_authorized) - used;
    let details = format!(
        "{} of {} authorized visits left on {} authorization {} (valid until {}).",
        left.max(0),
        auth.visits_authorized,
        auth.payer_name,
        auth.authorization_number,
        auth.ends_on
    );
    raise_once(db, now, auth, AlertKind::AuthorizationLow, details, payer_authorization::Column::LowAlertedAt).await
}

/// Raises the alert and marks the authorization, unless it was marked already (another
/// replica won) or the patient has an open alert of this kind (tried again next step).
async fn raise_once<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    auth: &payer_authorization::Model,
    kind: AlertKind,
    details: String,
    marker: payer_authorization::Column,
) -> Result<Option<alert::Model>, DbErr> {
    let Some(record) = patient::Entity::find_by_id(auth.patient_id).one(db).await? else { return Ok(None) };
    let marked = payer_authorization::Entity::update_many()
        .col_expr(marker, Expr::value(now))
        .filter(payer_authorization::Column::Id.eq(auth.id))
        .filter(marker.is_null())
        .exec(db)
        .await?
        .rows_affected;
    if marked == 0 {
        return Ok(None);
    }
    let new = NewAlert { kind, details, triggered_at: now, source_id: Some(auth.id) };
    let raised = alerts::raise(db, now, &record, new).await?;
    if raised.is_none() {
        // Not stored: leave the authorization unmarked so a later step raises it.
        payer_authorization::Entity::update_many()
            .col_expr(marker, Expr::value(Option::<DateTime<Utc>>::None))
            .filter(payer_authorization::Column::Id.eq(auth.id))
            .exec(db)
            .await?;
    }
    Ok(raised)
}

/// The worker step: the expiring alert for authorizations whose last day is at most 7
/// days away in the patient's zone (and not past), and any low alert still owed. Each
/// alert is raised in its own transaction; safe on several replicas at once.
pub async fn evaluate<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    now: DateTime<Utc>,
) -> Result<Vec<alert::Model>, DbErr> {
    // A day of margin either side covers every time zone; the exact day is judged below.
    let today_utc = now.date_naive();
    let candidates = payer_authorization::Entity::find()
        .filter(payer_authorization::Column::EndsOn.gte(today_utc - Duration::days(1)))
        .filter(
            sea_orm::Condition::any()
                .add(payer_authorization::Column::LowAlertedAt.is_null())
                .add(payer_authorization::Column::ExpiringAlertedAt.is_null()),
        )
        .all(db)
        .await?;
    let used = visits_used(db, &candidates.iter().map(|a| a.id).collect::<Vec<_>>()).await?;
    let archived: Vec<uuid::Uuid> = patient::Entity::find()
        .filter(patient::Column::Id.is_in(candidates.iter().map(|a| a.patient_id)))
        .filter(patient::Column::ArchivedAt.is_not_null())
        .all(db)
        .await?
        .into_iter()
        .map(|p| p.id)
        .collect();
    let mut raised = Vec::new();
    for auth in candidates.iter().filter(|a| !archived.contains(&a.patient_id)) {
        let used = used.get(&auth.id).copied().unwrap_or(0);
        // Checked before opening a write transaction: most authorizations owe nothing.
        if owes_low(auth, used) {
            let txn = db::begin_write(db).await?;
            raised.extend(raise_low(&txn, now, auth, used).await?);
            txn.commit().await?;
        }
        if auth.expiring_alerted_at.is_some() {
            continue;
        }
        let today = local_date(now, patient_timezone(db, PatientScope::trusted(auth.patient_id)).await?);
        if today > auth.ends_on || auth.ends_on - EXPIRING_WITHIN > today {
            continue;
        }
        let details = format!(
            "{} authorization {} ends on {}: {} of {} visits left.",
            auth.payer_name,
            auth.authorization_number,
            auth.ends_on,
            (i64::from(auth.visits_authorized) - used).max(0),
            auth.visits_authorized
        );
        let txn = db::begin_write(db).await?;
        let marker = payer_authorization::Column::ExpiringAlertedAt;
        raised.extend(raise_once(&txn, now, auth, AlertKind::AuthorizationExpiring, details, marker).await?);
        txn.commit().await?;
    }
    Ok(raised)
}
