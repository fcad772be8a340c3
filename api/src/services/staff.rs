//! Clinic staff: an admin invites therapists and admins, lists them, and disables or
//! re-enables their accounts.
//!
//! Invariants: an admin reaches only staff of their own clinic (others are "not
//! found"); a clinic always keeps at least one enabled admin; disabling ends every login
//! session at once (the token check refuses disabled accounts, and their refresh tokens
//! are revoked so re-enabling does not bring old sessions back). Patients of a disabled
//! therapist keep their record and are reassigned through `update_patient`.

use chrono::{DateTime, Duration, Utc};
use entity::{AuditAction, Role, invite, user};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, TransactionSession, TransactionTrait,
};
use uuid::Uuid;

use crate::{
    auth::{Principal, tokens},
    db,
    domain::{DisplayName, Email},
    ids::ClinicId,
    ids::UserId,
    services::{
        audit::{self, Event},
        patients::IssuedInvite,
        sessions,
    },
};

#[derive(Debug, thiserror::Error)]
pub enum StaffError {
    #[error("an account with this email already exists")]
    EmailTaken,
    #[error("staff member not found")]
    NotFound,
    #[error("the clinic's last enabled admin cannot be disabled")]
    LastAdmin,
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Invites a therapist or, with `Role::Admin`, another clinic admin.
pub async fn invite_staff<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    ttl: Duration,
    admin: &Principal,
    role: Role,
    email: Email,
    display_name: DisplayName,
) -> Result<IssuedInvite, StaffError> {
    if user::Entity::find().filter(user::Column::Email.eq(email.as_str())).one(db).await?.is_some() {
        return Err(StaffError::EmailTaken);
    }
    let token = tokens::generate();
    let row = invite::ActiveModel {
        id: Set(Uuid::now_v7()),
        clinic_id: Set(admin.clinic_id),
        role: Set(role),
        email: Set(email.as_str().to_owned()),
        display_name: Set(display_name.as_str().to_owned()),
        patient_id: Set(None),
        token_hash: Set(tokens::digest(&token)),
        expires_at: Set(now + ttl),
        accepted_at: Set(None),
        revoked_at: Set(None),
        created_by: Set(admin.user_id),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    let action = if role == Role::Admin { AuditAction::AdminInvite } else { AuditAction::TherapistInvite };
    audit::record(db, now, Event::by(admin, action).resource(format!("invite:{}", row.id))).await?;
    Ok(IssuedInvite { invite_id: row.id, token, expires_at: row.expires_at })
}

/// Therapists and admins of the admin's clinic, oldest first.
pub async fn list<C: ConnectionTrait>(db: &C, admin: &Principal) -> Result<Vec<user::Model>, DbErr> {
    user::Entity::find()
        .filter(user::Column::ClinicId.eq(admin.clinic_id))
        .filter(user::Column::Role.is_in([Role::Therapist, Role::Admin]))
        .order_by_asc(user::Column::Id)
        .all(db)
        .await
}

/// Disables (`disabled = true`) or re-enables a therapist or admin of the admin's clinic.
/// Idempotent: setting the state it already has changes nothing.
pub async fn set_disabled<C: TransactionTrait + ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    admin: &Principal,
    id: Uuid,
    disabled: bool,
) -> Result<user::Model, StaffError> {
    // One write transaction (on SQLite it holds the write lock from the start), so two
    // admins disabling each other at once cannot both pass the last-admin check.
    let txn = db::begin_write(db).await?;
    let member = user::Entity::find_by_id(id)
        .filter(user::Column::ClinicId.eq(admin.clinic_id))
        .filter(user::Column::Role.is_in([Role::Therapist, Role::Admin]))
        .one(&txn)
        .await?
        .ok_or(StaffError::NotFound)?;
    if member.disabled_at.is_some() == disabled {
        return Ok(member);
    }
    if disabled && member.role == Role::Admin {
        // FOR UPDATE on PostgreSQL (SQLite's write lock already serialises this): a
        // concurrent disable waits, then sees this one's result when it re-reads the rows.
        let enabled_admins = user::Entity::find()
            .filter(user::Column::ClinicId.eq(admin.clinic_id))
            .filter(user::Column::Role.eq(Role::Admin))
            .filter(user::Column::DisabledAt.is_null())
            .lock_exclusive()
            .all(&txn)
            .await?;
        if !enabled_admins.iter().any(|a| a.id != member.id) {
            return Err(StaffError::LastAdmin);
        }
    }
    let mut active: user::ActiveModel = member.into();
    active.disabled_at = Set(disabled.then_some(now));
    active.updated_at = Set(now);
    let updated = active.update(&txn).await?;
    if disabled {
        sessions::revoke_all(&txn, UserId::new(id), now).await?;
    }
    let action = if disabled { AuditAction::StaffDisable } else { AuditAction::StaffEnable };
    audit::record(&txn, now, Event::by(admin, action).resource(format!("user:{id}"))).await?;
    txn.commit().await?;
    Ok(updated)
}

/// Ids of the clinic's disabled therapists and admins: their patients need a therapist.
pub async fn disabled_ids<C: ConnectionTrait>(db: &C, clinic_id: ClinicId) -> Result<Vec<Uuid>, DbErr> {
    let rows = user::Entity::find()
        .filter(user::Column::ClinicId.eq(clinic_id))
        .filter(user::Column::Role.is_in([Role::Therapist, Role::Admin]))
        .filter(user::Column::DisabledAt.is_not_null())
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|u| u.id).collect())
}
