//! Alerts to the therapist: raised when a check-in arrives (red flags, pain spikes) and
//! by the periodic worker step [`evaluate`] (disengagement, low adherence), listed and
//! acknowledged by the patient's therapist.
//!
//! At most one open alert per patient and kind: the partial unique index makes a second
//! insert a no-op, so replicas racing on the same rule cannot duplicate it. Rules the
//! worker evaluates also remember their episode (the silence since the last check-in,
//! the week of low adherence), so acknowledging an alert does not make it fire again
//! for the same episode.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use entity::{AuditAction, alert, check_in, patient};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, Iterable, QueryFilter, QueryOrder,
    QuerySelect, Select, TransactionSession, TransactionTrait,
    sea_query::{Expr, OnConflict},
};
use uuid::Uuid;

use crate::ids::ClinicId;
use crate::services::patients::PatientScope;
use crate::{
    auth::Principal,
    clinical::rules::{self, AlertKind},
    db,
    services::{
        audit::{self, Event},
        patients::visible,
    },
};

mod periodic;

pub use periodic::{Report, evaluate};

// The rules name alert kinds in their own terms; this is how rows keep them.

impl From<alert::Kind> for AlertKind {
    fn from(v: alert::Kind) -> Self {
        match v {
            alert::Kind::RedFlag => AlertKind::RedFlag,
            alert::Kind::PainSpike => AlertKind::PainSpike,
            alert::Kind::Disengaged => AlertKind::Disengaged,
            alert::Kind::LowAdherence => AlertKind::LowAdherence,
            alert::Kind::AuthorizationLow => AlertKind::AuthorizationLow,
            alert::Kind::AuthorizationExpiring => AlertKind::AuthorizationExpiring,
        }
    }
}

impl From<AlertKind> for alert::Kind {
    fn from(v: AlertKind) -> Self {
        match v {
            AlertKind::RedFlag => alert::Kind::RedFlag,
            AlertKind::PainSpike => alert::Kind::PainSpike,
            AlertKind::Disengaged => alert::Kind::Disengaged,
            AlertKind::LowAdherence => alert::Kind::LowAdherence,
            AlertKind::AuthorizationLow => alert::Kind::AuthorizationLow,
            AlertKind::AuthorizationExpiring => alert::Kind::AuthorizationExpiring,
        }
    }
}

#[derive(Debug, Clone)]
pub struct NewAlert {
    pub kind: AlertKind,
    pub details: String,
    pub triggered_at: DateTime<Utc>,
    pub source_id: Option<Uuid>,
}

/// Stores the alert unless one of its kind is already open for the patient. Returns the
/// new row when one was stored.
pub async fn raise<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    record: &patient::Model,
    new: NewAlert,
) -> Result<Option<alert::Model>, DbErr> {
    let row = alert::Model {
        id: Uuid::now_v7(),
        clinic_id: record.clinic_id,
        patient_id: record.id,
        kind: new.kind.into(),
        details: new.details,
        triggered_at: new.triggered_at,
        source_id: new.source_id,
        created_at: now,
        acknowledged_by: None,
        acknowledged_at: None,
        pushed_at: None,
        flags: Default::default(),
        tier: None,
        urgent_since: None,
        escalated_at: None,
        updated_at: Some(now),
    };
    // Every column Set, so the insert writes the row exactly as built above.
    let active = sea_orm::ActiveModelTrait::reset_all(sea_orm::IntoActiveModel::into_active_model(row.clone()));
    // No conflict target: the only constraint a fresh v7 id can hit is the open-alert index.
    let stored = alert::Entity::insert(active)
        .on_conflict(OnConflict::new().do_nothing().to_owned())
        .exec_without_returning(db)
        .await?;
    if stored == 0 {
        return Ok(None);
    }
    let event = Event::system(ClinicId::new(record.clinic_id), AuditAction::AlertRaise)
        .patient(record.id)
        .resource(format!("alert:{}", row.id));
    audit::record(db, now, event).await?;
    tracing::info!(alert_id = %row.id, kind = AlertKind::from(row.kind).as_str(), "alert raised");
    Ok(Some(row))
}

/// At most this many readings are examined for a pain spike per write (a batch is at
/// most 100, so only many same-instant readings could reach it).
const MAX_SPIKE_WINDOW: u64 = 1000;

/// What the pain-spike rule reads of a stored check-in. Only these columns are read, here
/// and in [`acknowledged_spike`], because the rule runs in the transaction that stores new
/// check-ins: an older row whose JSON does not read back must not refuse them.
#[derive(Debug, FromQueryResult)]
struct PainReading {
    id: Uuid,
    recorded_at: DateTime<Utc>,
    pain: Option<i16>,
}

/// What the pain-spike rule reads of the latest pain-spike alert.
#[derive(Debug, FromQueryResult)]
struct LastSpike {
    acknowledged_at: Option<DateTime<Utc>>,
    source_id: Option<Uuid>,
    triggered_at: DateTime<Utc>,
}

/// The pain-spike alert that check-ins just stored call for, if any (see
/// [`rules::pain_spike`]). Reads only what the rule needs, however long the history is:
/// the reading before the earliest new one, the readings up to the latest new one, and
/// the latest spike alert with the episode since it.
pub async fn pain_spike<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    record: &patient::Model,
    baseline: Option<f64>,
    created: &[&check_in::Model],
) -> Result<Option<alert::Model>, DbErr> {
    // A spike needs an elevated new reading; most check-ins have none, and then the
    // history reads below are not needed.
    if !created.iter().any(|c| c.pain.is_some_and(|p| rules::elevated(p, baseline))) {
        return Ok(None);
    }
    let with_pain: Vec<&&check_in::Model> = created.iter().filter(|c| c.pain.is_some()).collect();
    let (Some(earliest), Some(latest)) =
        (with_pain.iter().map(|c| c.recorded_at).min(), with_pain.iter().map(|c| c.recorded_at).max())
    else {
        return Ok(None);
    };
    let readings_with_pain = || {
        check_in::Entity::find()
            .select_only()
            .column(check_in::Column::Id)
            .column(check_in::Column::RecordedAt)
            .column(check_in::Column::Pain)
            .filter(check_in::Column::PatientId.eq(record.id))
            .filter(check_in::Column::DeletedAt.is_null())
            .filter(check_in::Column::Pain.is_not_null())
    };
    let before = readings_with_pain()
        .filter(check_in::Column::RecordedAt.lt(earliest))
        .order_by_desc(check_in::Column::RecordedAt)
        .into_model::<PainReading>()
        .one(db)
        .await?;
    let since = readings_with_pain()
        .filter(check_in::Column::RecordedAt.gte(earliest))
        .filter(check_in::Column::RecordedAt.lte(latest))
        .order_by_asc(check_in::Column::RecordedAt)
        .order_by_asc(check_in::Column::Id)
        .limit(MAX_SPIKE_WINDOW)
        .into_model::<PainReading>()
        .all(db)
        .await?;
    let previous = acknowledged_spike(db, PatientScope::of_stored_row(record), baseline, earliest).await?;
    let readings: Vec<&PainReading> = before.iter().chain(since.iter()).collect();
    let marked: Vec<rules::Reading> = readings
        .iter()
        .map(|r| rules::Reading {
            pain: r.pain.unwrap_or_default(),
            at: r.recorded_at,
            new: created.iter().any(|c| c.id == r.id),
        })
        .collect();
    let Some(i) = rules::pain_spike(&marked, baseline, previous) else {
        return Ok(None);
    };
    let spike = readings[i];
    let pain = spike.pain.unwrap_or_default();
    let details = if pain >= rules::SEVERE_PAIN {
        format!("Pain {pain}/10 reported.")
    } else {
        format!(
            "Pain {pain}/10 on two check-ins in a row (within 48 h), at least 3 above baseline {:.1}.",
            baseline.unwrap_or_default()
        )
    };
    let new =
        NewAlert { kind: AlertKind::PainSpike, details, triggered_at: spike.recorded_at, source_id: Some(spike.id) };
    raise(db, now, record, new).await
}

/// The latest pain-spike alert when it has been acknowledged, with the pain that raised
/// it and whether a reading between it and `until` fell back below the elevated level.
/// An open alert needs nothing: the open-alert index already keeps a second one out.
async fn acknowledged_spike<C: ConnectionTrait>(
    db: &C,
    patient: PatientScope,
    baseline: Option<f64>,
    until: DateTime<Utc>,
) -> Result<Option<rules::Acknowledged>, DbErr> {
    let patient_id = patient.uuid();
    let last = alert::Entity::find()
        .select_only()
        .column(alert::Column::AcknowledgedAt)
        .column(alert::Column::SourceId)
        .column(alert::Column::TriggeredAt)
        .filter(alert::Column::PatientId.eq(patient_id))
        .filter(alert::Column::Kind.eq(alert::Kind::PainSpike))
        .order_by_desc(alert::Column::CreatedAt)
        .into_model::<LastSpike>()
        .one(db)
        .await?;
    let Some(LastSpike { acknowledged_at: Some(_), source_id, triggered_at }) = last else {
        return Ok(None);
    };
    // A withdrawn source reading leaves nothing to compare with: judge afresh.
    let source: Option<Option<i16>> = match source_id {
        Some(id) => {
            check_in::Entity::find_by_id(id)
                .select_only()
                .column(check_in::Column::Pain)
                .filter(check_in::Column::DeletedAt.is_null())
                .into_tuple()
                .one(db)
                .await?
        }
        None => None,
    };
    let Some(pain) = source.flatten() else {
        return Ok(None);
    };
    // Integer pain below the elevated level: below 8 and below baseline + 3.
    let level = baseline.map_or(f64::from(rules::SEVERE_PAIN), |b| {
        (b + rules::SPIKE_ABOVE_BASELINE).min(f64::from(rules::SEVERE_PAIN))
    });
    let ended = check_in::Entity::find()
        .select_only()
        .column(check_in::Column::Id)
        .filter(check_in::Column::PatientId.eq(patient_id))
        .filter(check_in::Column::DeletedAt.is_null())
        .filter(check_in::Column::RecordedAt.gt(triggered_at))
        .filter(check_in::Column::RecordedAt.lt(until))
        .filter(check_in::Column::Pain.lt(level.ceil() as i16))
        .into_tuple::<Uuid>()
        .one(db)
        .await?
        .is_some();
    Ok(Some(rules::Acknowledged { pain, at: triggered_at, ended }))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Open,
    Acknowledged,
}

#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub patient_id: Option<Uuid>,
    pub kind: Option<AlertKind>,
    pub status: Option<Status>,
}

/// Alerts of the patients `who` may see, newest first.
/// Every alert of one kind raised for a patient already found visible, oldest first.
pub async fn of_patient<C: ConnectionTrait>(
    db: &C,
    patient: crate::services::patients::PatientScope,
    kind: AlertKind,
) -> Result<Vec<alert::Model>, DbErr> {
    alert::Entity::find()
        .filter(alert::Column::PatientId.eq(patient.uuid()))
        .filter(alert::Column::Kind.eq(alert::Kind::from(kind)))
        .order_by_asc(alert::Column::TriggeredAt)
        .order_by_asc(alert::Column::Id)
        .all(db)
        .await
}

pub async fn list<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    filter: Filter,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<alert::Model>, DbErr> {
    let patients = patient::Entity::find().select_only().column(patient::Column::Id).filter(visible(who));
    let mut q = alert::Entity::find()
        .filter(alert::Column::ClinicId.eq(who.clinic_id))
        .filter(alert::Column::PatientId.in_subquery(sea_orm::QueryTrait::into_query(patients)));
    if let Some(p) = filter.patient_id {
        q = q.filter(alert::Column::PatientId.eq(p));
    }
    if let Some(k) = filter.kind {
        q = q.filter(alert::Column::Kind.eq(alert::Kind::from(k)));
    }
    match filter.status {
        Some(Status::Open) => q = q.filter(alert::Column::AcknowledgedAt.is_null()),
        Some(Status::Acknowledged) => q = q.filter(alert::Column::AcknowledgedAt.is_not_null()),
        None => {}
    }
    if let Some(after) = after {
        q = q.filter(alert::Column::Id.lt(after));
    }
    let rows = read(db, q.order_by_desc(alert::Column::Id).limit(limit)).await?;
    let mut event = Event::by(who, AuditAction::AlertList).resource(format!("alerts:{}", rows.len()));
    if let Some(p) = filter.patient_id {
        event = event.patient(p);
    }
    audit::record(db, now, event).await?;
    Ok(rows)
}

/// The alerts `q` selects, for the therapist's eyes. A red-flag list that does not read
/// back (a corrupt row) is shown as empty on its own alert instead of failing the read:
/// the alert still lists with its kind, tier, details and patient and can be acknowledged,
/// where an error would hide every alert of the page, red flags included, for as long as
/// the bad row exists. `stored::decode` logs the column; its content is health data.
async fn read<C: ConnectionTrait>(db: &C, q: Select<alert::Entity>) -> Result<Vec<alert::Model>, DbErr> {
    // Every row reads back but for corruption: one query then.
    match q.clone().all(db).await {
        Err(DbErr::Json(_)) => {}
        whole => return whole,
    }
    let texts: Vec<(Uuid, String)> =
        q.clone().select_only().column(alert::Column::Id).column(alert::Column::Flags).into_tuple().all(db).await?;
    let corrupt: Vec<Uuid> = texts
        .into_iter()
        .filter(|(_, text)| crate::stored::decode::<entity::RedFlagsV1>("alert.flags", text).is_err())
        .map(|(id, _)| id)
        .collect();
    let flags: Expr =
        Expr::case(alert::Column::Id.is_in(corrupt), Expr::val("[]")).finally(Expr::col(alert::Column::Flags)).into();
    q.select_only()
        .columns(alert::Column::iter().filter(|c| !matches!(c, alert::Column::Flags)))
        .column_as(flags, "flags")
        .all(db)
        .await
}

/// Marks an alert seen. Idempotent: acknowledging twice keeps the first acknowledgement.
pub async fn acknowledge<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    id: Uuid,
) -> Result<Option<alert::Model>, DbErr> {
    let Some(row) = read(db, alert::Entity::find_by_id(id)).await?.pop() else {
        return Ok(None);
    };
    let visible = patient::Entity::find_by_id(row.patient_id).filter(visible(who)).one(db).await?.is_some();
    if !visible {
        return Ok(None);
    }
    let txn = db::begin_write(db).await?;
    let acked = alert::Entity::update_many()
        .col_expr(alert::Column::AcknowledgedAt, Expr::value(now))
        .col_expr(alert::Column::AcknowledgedBy, Expr::value(who.user_id))
        .filter(alert::Column::Id.eq(id))
        .filter(alert::Column::AcknowledgedAt.is_null())
        .exec(&txn)
        .await?
        .rows_affected;
    let event = Event::by(who, AuditAction::AlertAcknowledge).patient(row.patient_id).resource(format!("alert:{id}"));
    audit::record(&txn, now, event).await?;
    let updated = match (acked, row.acknowledged_at) {
        (1, _) => Some(alert::Model { acknowledged_at: Some(now), acknowledged_by: Some(who.user_id), ..row }),
        // Already acknowledged when read: the row as read is current.
        (_, Some(_)) => Some(row),
        // Someone acknowledged it between the read and the update.
        _ => read(&txn, alert::Entity::find_by_id(id)).await?.pop(),
    };
    txn.commit().await?;
    Ok(updated)
}

/// Open alerts per patient, for the roster.
pub async fn open_counts<C: ConnectionTrait>(db: &C, patient_ids: &[Uuid]) -> Result<HashMap<Uuid, u64>, DbErr> {
    let rows: Vec<(Uuid, i64)> = alert::Entity::find()
        .select_only()
        .column(alert::Column::PatientId)
        .column_as(alert::Column::Id.count(), "open")
        .filter(Condition::all().add(alert::Column::PatientId.is_in(patient_ids.iter().copied())))
        .filter(alert::Column::AcknowledgedAt.is_null())
        .group_by(alert::Column::PatientId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|(p, n)| (p, n.max(0) as u64)).collect())
}

/// What pushing an alert reads of it.
#[derive(Debug, FromQueryResult)]
struct Pending {
    id: Uuid,
    patient_id: Uuid,
    kind: alert::Kind,
}

/// Alerts older than this are not pushed any more (the therapist sees them in the app).
const PUSH_FRESHNESS: Duration = Duration::hours(24);

/// Pushes open alerts not yet pushed (or changed since) to the devices of each patient's therapist. Each
/// alert is claimed with a conditional update first, so however many workers run this,
/// one sends it; a worker that dies after claiming loses that push, never the alert.
/// The message says only that there is an alert: no health data leaves for push services.
pub async fn push_pending<C: ConnectionTrait>(
    db: &C,
    sender: &crate::push::PushSender,
    now: DateTime<Utc>,
    public_url: &str,
) -> Result<usize, DbErr> {
    // Only what a push needs: one alert whose other columns do not read back must not
    // hold up every therapist's pushes.
    let pending = alert::Entity::find()
        .select_only()
        .column(alert::Column::Id)
        .column(alert::Column::PatientId)
        .column(alert::Column::Kind)
        .filter(alert::Column::PushedAt.is_null())
        .filter(alert::Column::AcknowledgedAt.is_null())
        // A red-flag alert that gained flags is fresh again (`updated_at` moved).
        .filter(
            Condition::any()
                .add(alert::Column::CreatedAt.gt(now - PUSH_FRESHNESS))
                .add(alert::Column::UpdatedAt.gt(now - PUSH_FRESHNESS)),
        )
        .order_by_asc(alert::Column::CreatedAt)
        .limit(100)
        .into_model::<Pending>()
        .all(db)
        .await?;
    let mut pushed = 0;
    for row in pending {
        let claimed = alert::Entity::update_many()
            .col_expr(alert::Column::PushedAt, Expr::value(now))
            .filter(alert::Column::Id.eq(row.id))
            .filter(alert::Column::PushedAt.is_null())
            .exec(db)
            .await?
            .rows_affected;
        if claimed == 0 {
            continue;
        }
        let Some(record) = patient::Entity::find_by_id(row.patient_id).one(db).await? else { continue };
        let urgent = row.kind == alert::Kind::RedFlag;
        let notification = crate::push::Notification {
            title: if urgent { "Urgent patient alert" } else { "Patient alert" }.to_owned(),
            body: "One of your patients has a new alert. Open Fascia to review it.".to_owned(),
            navigate: format!("{public_url}/alerts/{}", row.id),
            tag: format!("alert-{}", row.id),
            occurrence_id: None,
        };
        let devices = crate::push::notify_user(db, sender, now, record.primary_therapist_id, &notification).await?;
        tracing::info!(alert_id = %row.id, devices, "alert pushed");
        pushed += 1;
    }
    Ok(pushed)
}
