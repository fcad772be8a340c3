//! Clinic staff: an admin invites therapists and lists them.

use chrono::{DateTime, Duration, Utc};
use entity::{Role, invite, user};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
};
use uuid::Uuid;

use crate::{
    auth::{Principal, tokens},
    domain::{DisplayName, Email},
    services::{
        audit::{self, Event},
        patients::IssuedInvite,
    },
};

#[derive(Debug, thiserror::Error)]
pub enum StaffError {
    #[error("an account with this email already exists")]
    EmailTaken,
    #[error(transparent)]
    Db(#[from] DbErr),
}

pub async fn invite_therapist<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    ttl: Duration,
    admin: &Principal,
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
        role: Set(Role::Therapist),
        email: Set(email.as_str().to_owned()),
        display_name: Set(display_name.as_str().to_owned()),
        patient_id: Set(None),
        token_hash: Set(tokens::digest(&token)),
        expires_at: Set(now + ttl),
        accepted_at: Set(None),
        created_by: Set(admin.user_id),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    audit::record(db, now, Event::by(admin, "therapist.invite").resource(format!("invite:{}", row.id))).await?;
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
