//! Erasure of a patient's data, asked for by the patient and decided by a clinic admin.
//!
//! - **Request** (patient): at most one request is open per patient (requested or
//!   confirmed and waiting for its purge).
//! - **Decline** (admin): with a reason the patient can be told; nothing is deleted.
//! - **Confirm** (admin), one transaction: the self-care data is deleted at once
//!   (check-ins and their daily roll-ups, exercise logs, lesson completions, push
//!   subscriptions and deliveries, reminder rules, occurrences and quiet hours, the
//!   message thread with its images, whose objects in an external store are queued in
//!   the `blob_deletion` outbox and deleted by a worker after the commit); every
//!   login of the patient ends and the account is disabled and stripped of its email
//!   and name; the record leaves the active roster. The clinical record the clinic must
//!   keep stays until `retain_until` (now + the clinic's retention years).
//! - **Purge** (`workers::retention`), one transaction per request once `retain_until`
//!   has passed: the clinical record goes too (session notes with their measures,
//!   procedures and addenda, scar and girth measures, appointments, discharge summaries,
//!   referrals and authorizations, care plans and their history, outcome measures,
//!   alerts and red-flag reports, invites, consent history, messages staff copied into
//!   the record) and finally the patient row.
//!
//! Red-flag alerts and reports are *not* deleted at confirmation: they are the clinic's
//! record that it met its duty of care when the patient reported a danger sign, so they
//! are kept with the clinical record and purged with it.
//!
//! The audit trail is append-only and stays. Its rows hold ids, action words and
//! request paths, never names or free text; once the patient row is purged the
//! patient id in them points at nobody, which is what keeps them pseudonymous. The
//! erasure request row stays as the clinic's proof (its patient note is cleared).

use chrono::{DateTime, Months, Utc};
use entity::AuditAction;
use entity::{
    Role, alert, appointment, care_plan, care_plan_version, check_in, check_in_day, clinic_data_policy, consent_event,
    discharge_summary, erasure_request, erasure_request::Status, exercise_log, girth_measurement, invite,
    lesson_completion, measure_response, measure_schedule, patient, payer_authorization, plan_exercise, plan_goal,
    plan_lesson, push_delivery, push_subscription, red_flag_report, referral, reminder_occurrence, reminder_preference,
    reminder_rule, rom_measure, scar_assessment, session_note, session_note_addendum, share_link, share_link_view,
    timed_procedure, user,
};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
    TransactionSession, TransactionTrait,
    sea_query::{Expr, SelectStatement},
};
use uuid::Uuid;

use crate::services::patients::PatientScope;
use crate::{
    auth::{PatientPrincipal, Principal},
    db,
    ids::{ClinicId, UserId},
    services::{
        audit::{self, Event},
        consents,
    },
};

/// Ten years: what many jurisdictions ask of adult treatment records; a clinic sets its own.
pub const DEFAULT_RETENTION_YEARS: i32 = 10;
pub const MAX_RETENTION_YEARS: i32 = 50;
/// Requests listed at once: a clinic has few.
const LIST_LIMIT: u64 = 500;
/// Open requests: the patient may not ask again while one of these stands.
const OPEN: [Status; 3] = [Status::Requested, Status::Confirmed, Status::Purging];

#[derive(Debug, thiserror::Error)]
pub enum ErasureError {
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Conflict(&'static str),
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// The clinic's retention period in years (the default when it set none).
pub async fn retention_years<C: ConnectionTrait>(db: &C, clinic_id: ClinicId) -> Result<i32, DbErr> {
    let row = clinic_data_policy::Entity::find_by_id(clinic_id).one(db).await?;
    Ok(row.map_or(DEFAULT_RETENTION_YEARS, |r| r.retention_years))
}

/// Sets the admin's clinic's retention period (1–[`MAX_RETENTION_YEARS`], checked at the edge).
/// Requests already confirmed keep the date they were given.
pub async fn set_retention_years<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    years: i32,
) -> Result<i32, DbErr> {
    let txn = db::begin_write(db).await?;
    let row = clinic_data_policy::ActiveModel {
        clinic_id: Set(who.clinic_id),
        retention_years: Set(years),
        updated_by: Set(who.user_id),
        updated_at: Set(now),
    };
    match clinic_data_policy::Entity::find_by_id(who.clinic_id).one(&txn).await? {
        Some(_) => row.update(&txn).await?,
        None => row.insert(&txn).await?,
    };
    let event = Event::by(who, AuditAction::ClinicRetentionUpdate).resource(format!("retention_years:{years}"));
    audit::record(&txn, now, event).await?;
    txn.commit().await?;
    Ok(years)
}

/// The patient asks for their data to be erased.
pub async fn request<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &PatientPrincipal,
    note: Option<String>,
) -> Result<erasure_request::Model, ErasureError> {
    let patient_id = who.patient_id.uuid();
    let txn = db::begin_write(db).await?;
    let open = erasure_request::Entity::find()
        .filter(erasure_request::Column::PatientId.eq(patient_id))
        .filter(erasure_request::Column::Status.is_in(OPEN))
        .one(&txn)
        .await?;
    if open.is_some() {
        return Err(ErasureError::Conflict("an erasure request of yours is already open"));
    }
    let row = erasure_request::ActiveModel {
        id: Set(Uuid::now_v7()),
        clinic_id: Set(who.clinic_id),
        patient_id: Set(patient_id),
        status: Set(Status::Requested),
        patient_note: Set(note),
        requested_at: Set(now),
        decided_by: Set(None),
        decided_at: Set(None),
        decline_reason: Set(None),
        retain_until: Set(None),
        purged_at: Set(None),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    let event =
        Event::by(who, AuditAction::ErasureRequest).patient(patient_id).resource(format!("erasure_request:{}", row.id));
    audit::record(&txn, now, event).await?;
    txn.commit().await?;
    Ok(row)
}

/// The patient's own requests, newest first.
pub async fn list_own<C: ConnectionTrait>(
    db: &C,
    who: &PatientPrincipal,
) -> Result<Vec<erasure_request::Model>, DbErr> {
    erasure_request::Entity::find()
        .filter(erasure_request::Column::PatientId.eq(who.patient_id.uuid()))
        .order_by_desc(erasure_request::Column::Id)
        .limit(LIST_LIMIT)
        .all(db)
        .await
}

/// The admin's clinic's requests, newest first, optionally of one status.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    who: &Principal,
    status: Option<Status>,
) -> Result<Vec<erasure_request::Model>, DbErr> {
    let mut q = erasure_request::Entity::find().filter(erasure_request::Column::ClinicId.eq(who.clinic_id));
    if let Some(status) = status {
        q = q.filter(erasure_request::Column::Status.eq(status));
    }
    q.order_by_desc(erasure_request::Column::Id).limit(LIST_LIMIT).all(db).await
}

/// A request of the admin's clinic that still waits for a decision.
async fn pending<C: ConnectionTrait>(
    db: &C,
    who: &Principal,
    id: Uuid,
) -> Result<erasure_request::Model, ErasureError> {
    // Only admins reach here (the security scheme), but the service holds to it too.
    if who.role != Role::Admin {
        return Err(ErasureError::NotFound);
    }
    let row = erasure_request::Entity::find_by_id(id)
        .filter(erasure_request::Column::ClinicId.eq(who.clinic_id))
        .one(db)
        .await?
        .ok_or(ErasureError::NotFound)?;
    if row.status != Status::Requested {
        return Err(ErasureError::Conflict("this request was already decided"));
    }
    Ok(row)
}

pub async fn decline<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    id: Uuid,
    reason: String,
) -> Result<erasure_request::Model, ErasureError> {
    let txn = db::begin_write(db).await?;
    let row = pending(&txn, who, id).await?;
    let patient_id = row.patient_id;
    let mut active: erasure_request::ActiveModel = row.into();
    active.status = Set(Status::Declined);
    active.decided_by = Set(Some(who.user_id));
    active.decided_at = Set(Some(now));
    active.decline_reason = Set(Some(reason));
    active.updated_at = Set(now);
    let row = active.update(&txn).await?;
    let event =
        Event::by(who, AuditAction::ErasureDecline).patient(patient_id).resource(format!("erasure_request:{id}"));
    audit::record(&txn, now, event).await?;
    txn.commit().await?;
    Ok(row)
}

pub async fn confirm<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    id: Uuid,
) -> Result<erasure_request::Model, ErasureError> {
    let txn = db::begin_write(db).await?;
    let row = pending(&txn, who, id).await?;
    let patient_id = row.patient_id;
    let record = patient::Entity::find_by_id(patient_id).one(&txn).await?.ok_or(ErasureError::NotFound)?;
    let years = retention_years(&txn, ClinicId::new(record.clinic_id)).await?;
    let retain_until = now.checked_add_months(Months::new(12 * years.unsigned_abs())).unwrap_or(now);
    delete_self_care(&txn, now, PatientScope::of_stored_row(&record), record.user_id).await?;
    if let Some(user_id) = record.user_id {
        end_account(&txn, now, UserId::new(user_id)).await?;
    }
    // Through the consent service, so the withdrawal is in the consent history too.
    consents::set_reminders(&txn, now, who, PatientScope::of_stored_row(&record), false).await?;
    patient::Entity::update_many()
        .col_expr(patient::Column::ArchivedAt, Expr::value(record.archived_at.unwrap_or(now)))
        .col_expr(patient::Column::UpdatedAt, Expr::value(now))
        .filter(patient::Column::Id.eq(patient_id))
        .exec(&txn)
        .await?;
    let mut active: erasure_request::ActiveModel = row.into();
    active.status = Set(Status::Confirmed);
    active.decided_by = Set(Some(who.user_id));
    active.decided_at = Set(Some(now));
    active.retain_until = Set(Some(retain_until));
    active.updated_at = Set(now);
    let row = active.update(&txn).await?;
    let event =
        Event::by(who, AuditAction::ErasureConfirm).patient(patient_id).resource(format!("erasure_request:{id}"));
    audit::record(&txn, now, event).await?;
    txn.commit().await?;
    Ok(row)
}

/// `SELECT id FROM <entity> WHERE <filter>`, for `IN (...)` deletes of child rows.
fn ids_of<E: EntityTrait>(id: E::Column, filter: impl sea_orm::sea_query::IntoCondition) -> SelectStatement {
    E::find().select_only().column(id).filter(filter).into_query()
}

/// Deletes what the patient recorded for themselves (and what the server derived from
/// it to remind and summarise), children before parents for the foreign keys.
async fn delete_self_care<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    patient: PatientScope,
    user_id: Option<Uuid>,
) -> Result<(), DbErr> {
    let patient_id = patient.uuid();
    let rules =
        ids_of::<reminder_rule::Entity>(reminder_rule::Column::Id, reminder_rule::Column::PatientId.eq(patient_id));
    let occurrences = ids_of::<reminder_occurrence::Entity>(
        reminder_occurrence::Column::Id,
        reminder_occurrence::Column::RuleId.in_subquery(rules.clone()),
    );
    push_delivery::Entity::delete_many()
        .filter(push_delivery::Column::OccurrenceId.in_subquery(occurrences))
        .exec(db)
        .await?;
    reminder_occurrence::Entity::delete_many()
        .filter(reminder_occurrence::Column::RuleId.in_subquery(rules))
        .exec(db)
        .await?;
    reminder_rule::Entity::delete_many().filter(reminder_rule::Column::PatientId.eq(patient_id)).exec(db).await?;
    if let Some(user_id) = user_id {
        let subscriptions = ids_of::<push_subscription::Entity>(
            push_subscription::Column::Id,
            push_subscription::Column::UserId.eq(user_id),
        );
        push_delivery::Entity::delete_many()
            .filter(push_delivery::Column::SubscriptionId.in_subquery(subscriptions))
            .exec(db)
            .await?;
        push_subscription::Entity::delete_many().filter(push_subscription::Column::UserId.eq(user_id)).exec(db).await?;
        reminder_preference::Entity::delete_many()
            .filter(reminder_preference::Column::UserId.eq(user_id))
            .exec(db)
            .await?;
    }
    check_in_day::Entity::delete_many().filter(check_in_day::Column::PatientId.eq(patient_id)).exec(db).await?;
    check_in::Entity::delete_many().filter(check_in::Column::PatientId.eq(patient_id)).exec(db).await?;
    exercise_log::Entity::delete_many().filter(exercise_log::Column::PatientId.eq(patient_id)).exec(db).await?;
    lesson_completion::Entity::delete_many()
        .filter(lesson_completion::Column::PatientId.eq(patient_id))
        .exec(db)
        .await?;
    // The message thread with its images; messages copied into the record stay with it.
    crate::services::messages::erase_thread(db, now, patient).await?;
    Ok(())
}

/// Ends every login and disables the account; its email and name go, so the address
/// is free and the row says nothing about the person. The row itself stays: other
/// tables name it as an author or owner.
async fn end_account<C: ConnectionTrait>(db: &C, now: DateTime<Utc>, user_id: UserId) -> Result<(), DbErr> {
    crate::services::sessions::revoke_all(db, user_id, now).await?;
    user::Entity::update_many()
        .col_expr(user::Column::DisabledAt, Expr::value(now))
        .col_expr(user::Column::Email, Expr::value(format!("erased-{user_id}@erased.invalid")))
        .col_expr(user::Column::DisplayName, Expr::value("Erased patient"))
        .col_expr(user::Column::UpdatedAt, Expr::value(now))
        .filter(user::Column::Id.eq(user_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Confirmed requests whose retention has run out at `now`, oldest first.
pub async fn due_for_purge<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<erasure_request::Model>, DbErr> {
    erasure_request::Entity::find()
        .filter(erasure_request::Column::Status.eq(Status::Confirmed))
        .filter(erasure_request::Column::RetainUntil.lte(now))
        .order_by_asc(erasure_request::Column::RetainUntil)
        .limit(limit)
        .all(db)
        .await
}

/// Purges the retained clinical record of a confirmed request, in one transaction.
/// False when another worker got there first.
pub async fn purge<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    now: DateTime<Utc>,
    request_id: Uuid,
) -> Result<bool, DbErr> {
    let txn = db::begin_write(db).await?;
    // Claiming the row by its state makes a second replica's attempt change nothing.
    let claimed = erasure_request::Entity::update_many()
        .col_expr(erasure_request::Column::Status, Expr::value(Status::Purging))
        .filter(erasure_request::Column::Id.eq(request_id))
        .filter(erasure_request::Column::Status.eq(Status::Confirmed))
        .filter(erasure_request::Column::RetainUntil.lte(now))
        .exec(&txn)
        .await?;
    if claimed.rows_affected == 0 {
        return Ok(false);
    }
    let row = erasure_request::Entity::find_by_id(request_id)
        .one(&txn)
        .await?
        .ok_or(DbErr::RecordNotFound("erasure_request".into()))?;
    let patient_id = row.patient_id;
    // The worker purges what the confirmed request names; no caller is involved.
    let patient = PatientScope::trusted(patient_id);
    let user_id = patient::Entity::find_by_id(patient_id).one(&txn).await?.and_then(|p| p.user_id);
    // Anything recorded since the confirmation (a therapist's back-dated entry) goes too.
    delete_self_care(&txn, now, patient, user_id).await?;
    delete_clinical_record(&txn, now, patient).await?;
    erasure_request::Entity::update_many()
        .col_expr(erasure_request::Column::Status, Expr::value(Status::Purged))
        .col_expr(erasure_request::Column::PurgedAt, Expr::value(now))
        .col_expr(erasure_request::Column::PatientNote, Expr::value(Option::<String>::None))
        .col_expr(erasure_request::Column::UpdatedAt, Expr::value(now))
        .filter(erasure_request::Column::Id.eq(request_id))
        .exec(&txn)
        .await?;
    let event = Event::system(ClinicId::new(row.clinic_id), AuditAction::ErasurePurge)
        .resource(format!("erasure_request:{request_id}"));
    audit::record(&txn, now, event).await?;
    txn.commit().await?;
    Ok(true)
}

async fn delete_clinical_record<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    patient: PatientScope,
) -> Result<(), DbErr> {
    let patient_id = patient.uuid();
    macro_rules! by_patient {
        ($($table:ident),+) => {
            $( $table::Entity::delete_many().filter($table::Column::PatientId.eq(patient_id)).exec(db).await?; )+
        };
    }
    // Parts of notes first, then notes, then what notes and measures point at.
    by_patient!(session_note_addendum, rom_measure, timed_procedure, scar_assessment, girth_measurement, session_note);
    by_patient!(discharge_summary, appointment, payer_authorization, referral);
    crate::services::messages::purge_record_entries(db, patient).await?;
    // Anything staff wrote into the thread after the erasure was confirmed.
    crate::services::messages::erase_thread(db, now, patient).await?;
    let plans = ids_of::<care_plan::Entity>(care_plan::Column::Id, care_plan::Column::PatientId.eq(patient_id));
    care_plan_version::Entity::delete_many()
        .filter(care_plan_version::Column::PlanId.in_subquery(plans.clone()))
        .exec(db)
        .await?;
    plan_goal::Entity::delete_many().filter(plan_goal::Column::PlanId.in_subquery(plans.clone())).exec(db).await?;
    plan_exercise::Entity::delete_many()
        .filter(plan_exercise::Column::PlanId.in_subquery(plans.clone()))
        .exec(db)
        .await?;
    plan_lesson::Entity::delete_many().filter(plan_lesson::Column::PlanId.in_subquery(plans)).exec(db).await?;
    by_patient!(care_plan, measure_response, measure_schedule, alert, red_flag_report, invite, consent_event);
    // Shared reports are copies of the record; their view log names the links, not the patient.
    let links = ids_of::<share_link::Entity>(share_link::Column::Id, share_link::Column::PatientId.eq(patient_id));
    share_link_view::Entity::delete_many()
        .filter(share_link_view::Column::ShareLinkId.in_subquery(links))
        .exec(db)
        .await?;
    by_patient!(share_link);
    patient::Entity::delete_by_id(patient_id).exec(db).await?;
    Ok(())
}
