//! Issuing a login session's tokens: an access token and the next link of a refresh-token
//! family. Used by password logins, refreshes and invites (`sessions`) and by the second
//! login step (`mfa`), which therefore do not depend on each other for it.

use chrono::{DateTime, Duration, Utc};
use entity::{Role, patient, refresh_token, user};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::{
    auth::{jwt::Subject, tokens},
    state::AppState,
};

#[derive(Debug, Clone)]
pub struct TokenPair {
    pub access_token: String,
    pub expires_in: i64,
    pub refresh_token: String,
}

async fn patient_id_of<C: ConnectionTrait>(db: &C, account: &user::Model) -> Result<Option<Uuid>, DbErr> {
    if account.role != Role::Patient {
        return Ok(None);
    }
    Ok(patient::Entity::find().filter(patient::Column::UserId.eq(account.id)).one(db).await?.map(|p| p.id))
}

/// A new login session (refresh-token family) for `account`, issued inside `db`.
pub(crate) async fn start_session<C: ConnectionTrait>(
    state: &AppState,
    db: &C,
    account: &user::Model,
    now: DateTime<Utc>,
) -> Result<TokenPair, DbErr> {
    let family_expires_at = now + to_chrono(state.settings.refresh_absolute_ttl);
    issue(state, db, account, Uuid::now_v7(), family_expires_at, now).await
}

fn to_chrono(d: std::time::Duration) -> Duration {
    Duration::from_std(d).unwrap_or(Duration::days(365))
}

/// Issues an access token and the next refresh-token link of `family_id`.
pub(crate) async fn issue<C: ConnectionTrait>(
    state: &AppState,
    db: &C,
    account: &user::Model,
    family_id: Uuid,
    family_expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<TokenPair, DbErr> {
    let refresh = tokens::generate();
    refresh_token::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(account.id),
        family_id: Set(family_id),
        token_hash: Set(tokens::digest(&refresh)),
        expires_at: Set((now + to_chrono(state.settings.refresh_idle_ttl)).min(family_expires_at)),
        family_expires_at: Set(family_expires_at),
        rotated_at: Set(None),
        revoked_at: Set(None),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    let patient_id = patient_id_of(db, account).await?;
    Ok(TokenPair {
        access_token: state.jwt.issue(
            Subject { user: account.id, role: account.role, clinic: account.clinic_id, patient: patient_id },
            family_id,
            now,
        ),
        expires_in: state.jwt.ttl_secs(),
        refresh_token: refresh,
    })
}
