//! Invites after they are issued: emailing them, listing, resending and revoking.
//!
//! Who reaches an invite: a clinic admin every invite of the clinic; a therapist the
//! invites of patients they may see (see `patients::visible`); nobody another clinic's.
//! Anything else is "not found".
//!
//! Invariants: a resend gives the invite a new token and a new expiry, so the old link
//! stops working; an accepted or revoked invite can be neither resent nor used; the
//! token is only ever stored hashed and is shown once, to the staff member who issued it,
//! besides the email. An email that cannot be sent is reported (`emailed: false`), never
//! fatal: the invite stands and can be resent.

use chrono::{DateTime, Duration, Utc};
use entity::{AuditAction, Role, clinic, invite, patient};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, sea_query::Query,
};
use uuid::Uuid;

use crate::{
    auth::{Principal, tokens},
    db,
    domain::{DisplayName, Email},
    services::{
        audit::{self, Event},
        mail,
        patients::{self, IssuedInvite, PatientError},
        staff::{self, StaffError},
    },
    state::AppState,
};

#[derive(Debug, thiserror::Error)]
pub enum InviteError {
    #[error("invite not found")]
    NotFound,
    #[error("this invite has already been accepted")]
    Accepted,
    #[error("this invite was revoked")]
    Revoked,
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// An issued invite and whether its email went out.
#[derive(Debug, Clone)]
pub struct SentInvite {
    pub issued: IssuedInvite,
    pub emailed: bool,
}

/// Where an invite stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InviteStatus {
    Pending,
    Accepted,
    Revoked,
    Expired,
}

pub fn status(inv: &invite::Model, now: DateTime<Utc>) -> InviteStatus {
    if inv.accepted_at.is_some() {
        InviteStatus::Accepted
    } else if inv.revoked_at.is_some() {
        InviteStatus::Revoked
    } else if now >= inv.expires_at {
        InviteStatus::Expired
    } else {
        InviteStatus::Pending
    }
}

fn ttl(state: &AppState) -> Duration {
    Duration::from_std(state.settings.invite_ttl).unwrap_or(Duration::days(7))
}

/// The link the invitee opens; the token rides in the fragment, which browsers never send.
pub fn accept_url(public_url: &str, token: &str) -> String {
    format!("{public_url}/invite#token={token}")
}

/// Emails the invite in the clinic's name; `false` when it could not be sent (logged).
async fn email(state: &AppState, inv: &invite::Model, token: &str) -> Result<bool, DbErr> {
    let clinic_name = clinic::Entity::find_by_id(inv.clinic_id)
        .one(&state.db)
        .await?
        .map(|c| c.name)
        .unwrap_or_else(|| "Fascia".into());
    let what = match inv.role {
        Role::Patient => format!("{clinic_name} invites you to the app for your home exercises and check-ins."),
        Role::Therapist => format!("{clinic_name} invites you to join its team as a therapist."),
        Role::Admin => format!("{clinic_name} invites you to help run the clinic as an administrator."),
    };
    let paragraph = format!(
        "{what} Open this link to choose your password; it works once and until {}.",
        inv.expires_at.format("%Y-%m-%d %H:%M UTC")
    );
    let message = mail::compose(
        &clinic_name,
        &inv.email,
        &inv.display_name,
        &format!("Your invitation from {clinic_name}"),
        &paragraph,
        &accept_url(&state.settings.public_url, token),
    );
    Ok(mail::send(&state.settings, &message).await.is_ok())
}

async fn email_issued(state: &AppState, issued: IssuedInvite) -> Result<SentInvite, DbErr> {
    let row = invite::Entity::find_by_id(issued.invite_id).one(&state.db).await?;
    let emailed = match row {
        Some(row) => email(state, &row, &issued.token).await?,
        None => false,
    };
    Ok(SentInvite { issued, emailed })
}

/// Invites a patient to the app (see `patients::invite`) and emails the link.
pub async fn invite_patient(
    state: &AppState,
    who: &Principal,
    patient_id: Uuid,
    address: Email,
) -> Result<SentInvite, PatientError> {
    let issued = patients::invite(&state.db, state.now(), ttl(state), who, patient_id, address).await?;
    Ok(email_issued(state, issued).await?)
}

/// Invites a therapist or another admin to the clinic and emails the link.
pub async fn invite_staff(
    state: &AppState,
    admin: &Principal,
    role: Role,
    address: Email,
    name: DisplayName,
) -> Result<SentInvite, StaffError> {
    let issued = staff::invite_staff(&state.db, state.now(), ttl(state), admin, role, address, name).await?;
    Ok(email_issued(state, issued).await?)
}

fn visible(who: &Principal) -> Condition {
    let clinic = Condition::all().add(invite::Column::ClinicId.eq(who.clinic_id));
    match who.role {
        Role::Admin => clinic,
        _ => {
            let patients = Query::select()
                .column(patient::Column::Id)
                .from(patient::Entity)
                .cond_where(patients::visible(who))
                .to_owned();
            clinic.add(invite::Column::PatientId.in_subquery(patients))
        }
    }
}

async fn find_visible<C: ConnectionTrait>(db: &C, who: &Principal, id: Uuid) -> Result<invite::Model, InviteError> {
    invite::Entity::find_by_id(id).filter(visible(who)).one(db).await?.ok_or(InviteError::NotFound)
}

/// Invites the caller may see, oldest first, after `after`.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    who: &Principal,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<invite::Model>, DbErr> {
    let mut q = invite::Entity::find().filter(visible(who));
    if let Some(after) = after {
        q = q.filter(invite::Column::Id.gt(after));
    }
    q.order_by_asc(invite::Column::Id).limit(limit).all(db).await
}

/// A new token and a fresh expiry for a pending (or expired) invite, emailed again.
pub async fn resend(state: &AppState, who: &Principal, id: Uuid) -> Result<SentInvite, InviteError> {
    let now = state.now();
    let inv = find_visible(&state.db, who, id).await?;
    match status(&inv, now) {
        InviteStatus::Accepted => return Err(InviteError::Accepted),
        InviteStatus::Revoked => return Err(InviteError::Revoked),
        InviteStatus::Pending | InviteStatus::Expired => {}
    }
    let token = tokens::generate();
    let txn = db::begin_write(&state.db).await?;
    // Conditional, so a resend racing an accept or a revoke changes nothing.
    let updated = invite::Entity::update_many()
        .col_expr(invite::Column::TokenHash, sea_orm::sea_query::Expr::value(tokens::digest(&token)))
        .col_expr(invite::Column::ExpiresAt, sea_orm::sea_query::Expr::value(now + ttl(state)))
        .filter(invite::Column::Id.eq(inv.id))
        .filter(invite::Column::AcceptedAt.is_null())
        .filter(invite::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?
        .rows_affected
        == 1;
    if !updated {
        return Err(InviteError::Accepted);
    }
    let mut event = Event::by(who, AuditAction::InviteResend).resource(format!("invite:{}", inv.id));
    if let Some(patient_id) = inv.patient_id {
        event = event.patient(patient_id);
    }
    audit::record(&txn, now, event).await?;
    txn.commit().await?;
    let row = invite::Entity::find_by_id(inv.id).one(&state.db).await?.ok_or(InviteError::NotFound)?;
    let emailed = email(state, &row, &token).await?;
    Ok(SentInvite { issued: IssuedInvite { invite_id: row.id, token, expires_at: row.expires_at }, emailed })
}

/// Withdraws an invite: its link stops working. Revoking twice is not an error.
pub async fn revoke<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    who: &Principal,
    id: Uuid,
) -> Result<invite::Model, InviteError> {
    let inv = find_visible(db, who, id).await?;
    if inv.accepted_at.is_some() {
        return Err(InviteError::Accepted);
    }
    if inv.revoked_at.is_some() {
        return Ok(inv);
    }
    let patient_id = inv.patient_id;
    let mut active: invite::ActiveModel = inv.into();
    active.revoked_at = Set(Some(now));
    let updated = active.update(db).await?;
    let mut event = Event::by(who, AuditAction::InviteRevoke).resource(format!("invite:{}", updated.id));
    if let Some(patient_id) = patient_id {
        event = event.patient(patient_id);
    }
    audit::record(db, now, event).await?;
    Ok(updated)
}
